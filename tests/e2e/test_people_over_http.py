"""People by the keys they have, over HTTP: JSON and CSV uploads, the results file sent back,
the directory, and proxy registrations by email or member number."""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any

import httpx

from tests.support.http import days_ago, wait_terminal
from tests.support.stack import Stack, superuser

HEADER = [
    "line",
    "peer_mentor_id",
    "email",
    "member_number",
    "display_name",
    "outcome",
    "activity_id",
    "conflict_activity_id",
    "conflict_registered_by",
    "conflict_registered_by_name",
    "conflict_created_at",
    "error_code",
    "error_message",
]


def people(org: dict[str, Any], start: int, n: int) -> list[dict[str, Any]]:
    return [p for p in org["peer_mentors"] if p["active"]][start : start + n]


def form(day: str, **fields: str) -> dict[str, str]:
    return {"activity_type": "home_visit", "occurred_on": day, "duration_minutes": "30"} | fields


def newest_job(client: httpx.Client) -> str | None:
    items = client.get("/v1/bulk-registrations", params={"limit": 1}).json()["items"]
    return items[0]["job_id"] if items else None


def test_participants_by_email_member_number_or_id_come_back_with_their_names(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    a, b, c = people(first_org, 20, 3)
    body = {
        "activity": {
            "activity_type": "home_visit",
            "occurred_on": days_ago(101),
            "duration_minutes": 30,
        },
        "participants": [
            {"email": a["email"].upper()},
            {"member_number": b["member_number"], "override_duplicate": True},
            {"peer_mentor_id": c["id"]},
            {"email": "nobody@example.org"},
        ],
        "on_conflict": "skip",
    }
    accepted = coordinator.post("/v1/bulk-registrations", json=body)
    assert accepted.status_code == 202, accepted.text
    job = wait_terminal(coordinator, accepted.json()["job_id"])
    assert job["status"] == "succeeded", job
    got = [(i["given"], i["peer_mentor_id"], i["display_name"], i["outcome"]) for i in job["items"]]
    assert got == [
        ({"email": a["email"].upper()}, a["id"], a["name"], "registered"),
        ({"member_number": b["member_number"]}, b["id"], b["name"], "registered"),
        ({"peer_mentor_id": c["id"]}, c["id"], c["name"], "registered"),
        ({"email": "nobody@example.org"}, None, None, "skipped"),
    ]
    assert job["items"][3]["error"]["code"] == "unknown_participant"


def test_a_csv_upload_is_read_as_spreadsheets_write_it_and_bad_lines_are_named(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    a, b = people(first_org, 23, 2)
    text = f"\ufeffEMAIL;Override_Duplicate\r\n{a['email']};no\r\n{b['email']};yes\r\n"
    accepted = coordinator.post(
        "/v1/bulk-registrations",
        data=form(days_ago(102), notes="from a sheet"),
        files={"participants": ("list.csv", text.encode(), "text/csv")},
    )
    assert accepted.status_code == 202, accepted.text
    job = wait_terminal(coordinator, accepted.json()["job_id"])
    assert job["status"] == "succeeded" and job["activity"]["notes"] == "from a sheet"
    assert [i["peer_mentor_id"] for i in job["items"]] == [a["id"], b["id"]]

    before = newest_job(coordinator)
    bad = f"email,override_duplicate\n{a['email']},no\nnot-an-email,no\n{a['email']},maybe\n"
    refused = coordinator.post(
        "/v1/bulk-registrations",
        data=form(days_ago(103)),
        files={"participants": ("bad.csv", bad.encode(), "text/csv")},
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    locs = [e["loc"] for e in refused.json()["errors"]]
    assert locs == [
        ["body", "participants", "line", 3, "email"],
        ["body", "participants", "line", 4, "override_duplicate"],
        ["body", "participants", "line", 4, "email"],
    ]
    cases = {
        "empty file": (form(days_ago(103)), {"participants": ("e.csv", b"", "text/csv")}),
        "no file": (form(days_ago(103)), {"other": ("x.csv", b"email\n", "text/csv")}),
        "unknown field": (
            form(days_ago(103), colour="red"),
            {"participants": ("p.csv", a["email"].encode(), "text/csv")},
        ),
        "bad duration": (
            form(days_ago(103), duration_minutes="forty"),
            {"participants": ("p.csv", b"email\nx@y.org\n", "text/csv")},
        ),
        "NUL in notes": (
            form(days_ago(103), notes="a\x00b"),
            {"participants": ("p.csv", b"email\nx@y.org\n", "text/csv")},
        ),
    }
    for why, (fields, files) in cases.items():
        response = coordinator.post("/v1/bulk-registrations", data=fields, files=files)
        assert response.status_code == 422, (why, response.text)
        assert response.json()["code"] == "validation_error", why
    assert (
        "empty"
        in coordinator.post(
            "/v1/bulk-registrations",
            data=form(days_ago(103)),
            files={"participants": ("e.csv", b"", "text/csv")},
        ).json()["errors"][0]["msg"]
    )
    plain = coordinator.post(
        "/v1/bulk-registrations", content=b"email\n", headers={"Content-Type": "text/csv"}
    )
    assert plain.status_code == 415
    assert newest_job(coordinator) == before  # nothing refused was written


def test_the_results_file_names_every_line_and_can_be_sent_back(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    a, b, c = people(first_org, 25, 3)
    day = days_ago(104)
    first = coordinator.post(
        "/v1/bulk-registrations",
        json={
            "activity": {"activity_type": "home_visit", "occurred_on": day, "duration_minutes": 20},
            "participants": [{"email": a["email"]}],
        },
    )
    assert wait_terminal(coordinator, first.json()["job_id"])["status"] == "succeeded"
    second = coordinator.post(
        "/v1/bulk-registrations",
        json={
            "activity": {"activity_type": "home_visit", "occurred_on": day, "duration_minutes": 20},
            "participants": [
                {"email": a["email"]},
                {"member_number": b["member_number"]},
                {"email": "=HYPERLINK(1)@example.org"},
                {"peer_mentor_id": c["id"]},
            ],
        },
    )
    job_id = second.json()["job_id"]
    job = wait_terminal(coordinator, job_id)
    assert job["status"] == "needs_review"
    response = coordinator.get(f"/v1/bulk-registrations/{job_id}/results.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == HEADER
    by_line = {row[0]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}
    assert list(by_line) == ["2", "3", "4", "5"]
    assert by_line["2"]["outcome"] == "conflict" and by_line["2"]["display_name"] == a["name"]
    assert by_line["2"]["conflict_activity_id"] == job["items"][0]["conflict"]["activity_id"]
    assert by_line["3"]["email"] == b["email"] and by_line["3"]["outcome"] == "ready"
    assert by_line["4"]["email"] == "'=HYPERLINK(1)@example.org"  # not a formula
    assert by_line["4"]["error_code"] == "unknown_participant"
    assert by_line["5"]["member_number"] == c["member_number"]

    # Fix the file: drop the unknown line, override the conflict, send it back.
    fixed = [[*HEADER, "override_duplicate"]]
    fixed += [[*row, "yes" if row[0] == "2" else "no"] for row in rows[1:] if row[0] != "4"]
    sheet = io.StringIO()
    csv.writer(sheet).writerows(fixed)
    again = coordinator.post(
        "/v1/bulk-registrations",
        data=form(day),
        files={"participants": ("results.csv", sheet.getvalue().encode(), "text/csv")},
    )
    assert again.status_code == 202, again.text
    resent = wait_terminal(coordinator, again.json()["job_id"])
    assert resent["status"] == "succeeded", resent
    assert [i["outcome"] for i in resent["items"]] == ["overridden", "registered", "registered"]
    other = coordinator.get(f"/v1/bulk-registrations/{job_id}/results.csv", params={"x": 1})
    assert other.status_code == 200  # any status, any time


def test_a_norwegian_sheet_goes_in_and_an_excel_results_file_comes_back_and_goes_in_again(
    stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    # The results file's separator follows the caller's language: bokmål here, whatever
    # another test of the session picked for this coordinator on the screen.
    with superuser(stack) as conn:
        conn.execute(
            "update users set locale = 'nb' where id = %s", (first_org["coordinators"][0]["id"],)
        )
    a, b = people(first_org, 20, 2)
    day = days_ago(106)
    first = coordinator.post(
        "/v1/bulk-registrations",
        json={
            "activity": {"activity_type": "home_visit", "occurred_on": day, "duration_minutes": 20},
            "participants": [{"email": a["email"]}, {"email": b["email"]}],
        },
    )
    assert wait_terminal(coordinator, first.json()["job_id"])["status"] == "succeeded"

    sheet = f"\ufeffNavn;E-post;Overstyr_duplikat\r\nA;{a['email']};nei\r\nB;{b['email']};JA\r\n"
    accepted = coordinator.post(
        "/v1/bulk-registrations",
        data=form(day, on_conflict="skip"),
        files={"participants": ("liste.csv", sheet.encode(), "text/csv")},
    )
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["job_id"]
    job = wait_terminal(coordinator, job_id)
    assert [i["outcome"] for i in job["items"]] == ["skipped", "overridden"], job
    maybe = sheet.replace(";JA", ";kanskje")
    refused = coordinator.post(
        "/v1/bulk-registrations",
        data=form(day),
        files={"participants": ("liste.csv", maybe.encode(), "text/csv")},
    )
    assert refused.status_code == 422
    assert [(e["loc"], e["msg"]) for e in refused.json()["errors"]] == [
        (
            ["body", "participants", "line", 3, "overstyr_duplikat"],
            "Write yes or no here (or ja/nei, true/false, 1/0), not 'kanskje'.",
        )
    ]

    excel = coordinator.get(
        f"/v1/bulk-registrations/{job_id}/results.csv", params={"dialect": "excel"}
    )
    assert excel.status_code == 200 and excel.headers["content-type"].startswith("text/csv")
    data = excel.content
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == HEADER
    assert [(r[4], r[5]) for r in rows[1:]] == [(a["name"], "skipped"), (b["name"], "overridden")]
    plain = coordinator.get(f"/v1/bulk-registrations/{job_id}/results.csv").content
    assert (
        not plain.startswith(codecs.BOM_UTF8)
        and plain.split(b"\r\n")[0] == ",".join(HEADER).encode()
    )

    # The bytes as downloaded, a column added in the spreadsheet, sent back as they are.
    lines = data.split(b"\r\n")
    assert lines[-1] == b""
    edited = [lines[0] + b";overstyr_duplikat"] + [line + b";ja" for line in lines[1:-1]]
    again = coordinator.post(
        "/v1/bulk-registrations",
        data=form(day),
        files={"participants": ("results.csv", b"\r\n".join([*edited, b""]), "text/csv")},
    )
    assert again.status_code == 202, again.text
    resent = wait_terminal(coordinator, again.json()["job_id"])
    assert resent["status"] == "succeeded", resent
    assert [(i["peer_mentor_id"], i["outcome"]) for i in resent["items"]] == [
        (a["id"], "overridden"),
        (b["id"], "overridden"),
    ]

    for bad in ("xlsx", "EXCEL", ""):
        wrong = coordinator.get(
            f"/v1/bulk-registrations/{job_id}/results.csv", params={"dialect": bad}
        )
        assert wrong.status_code == 422, bad
        assert wrong.headers["content-type"].startswith("application/problem+json")
        assert [e["loc"] for e in wrong.json()["errors"]] == [["query", "dialect"]]
    schema = coordinator.get("/openapi.json").json()
    operation = schema["paths"]["/v1/bulk-registrations/{job_id}/results.csv"]["get"]
    dialect = next(p for p in operation["parameters"] if p["name"] == "dialect")
    assert dialect["in"] == "query" and dialect["required"] is False
    assert schema["components"]["schemas"]["Dialect"]["enum"] == ["rfc4180", "excel"]


def test_the_directory_answers_who_am_i_who_are_my_mentors_and_what_can_i_register(
    stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    me = coordinator.get("/v1/me").json()
    boss = first_org["coordinators"][0]
    assert (me["id"], me["role"], me["email"]) == (boss["id"], "coordinator", boss["email"])
    kari = people(first_org, 0, 1)[0]
    first_name = kari["name"].split()[0]
    found = coordinator.get("/v1/peer-mentors", params={"q": first_name[:3].lower()}).json()
    assert kari["id"] in [p["id"] for p in found["items"]]
    assert all(
        any(w.lower().startswith(first_name[:3].lower()) for w in p["display_name"].split())
        or p["email"].startswith(first_name[:3].lower())
        for p in found["items"]
    )
    by_number = coordinator.get("/v1/peer-mentors", params={"q": kari["member_number"]}).json()
    assert [p["id"] for p in by_number["items"]] == [kari["id"]]
    inactive = coordinator.get("/v1/peer-mentors", params={"active": "false"}).json()["items"]
    assert inactive and not any(p["active"] for p in inactive)
    page = coordinator.get("/v1/peer-mentors", params={"limit": 5}).json()
    rest = coordinator.get("/v1/peer-mentors", params={"cursor": page["next_cursor"]}).json()
    assert len({p["id"] for p in page["items"] + rest["items"]}) == 5 + len(rest["items"])
    types = {t["code"]: t["active"] for t in coordinator.get("/v1/activity-types").json()["items"]}
    assert types["home_visit"] is True and types["legacy_visit"] is False

    mentor = stack.client(kari["token"])
    assert mentor.get("/v1/me").json()["id"] == kari["id"]
    assert mentor.get("/v1/peer-mentors").status_code == 403
    assert mentor.get("/v1/activity-types").status_code == 200
    for params in ({"q": "a\x00"}, {"limit": "0"}, {"cursor": "bm90LW91cnM"}, {"active": "x"}):
        assert coordinator.get("/v1/peer-mentors", params=params).status_code == 422, params


def test_a_proxy_registration_names_its_peer_mentor_by_any_one_key(
    coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    a, b = people(first_org, 28, 2)
    activity = {"activity_type": "phone_call", "occurred_on": days_ago(105), "duration_minutes": 5}
    by_email = coordinator.post(
        "/v1/proxy-registrations", json={"email": a["email"].upper(), "activity": activity}
    )
    assert by_email.status_code == 201 and by_email.json()["peer_mentor_id"] == a["id"]
    by_number = coordinator.post(
        "/v1/proxy-registrations", json={"member_number": b["member_number"], "activity": activity}
    )
    assert by_number.status_code == 201 and by_number.json()["peer_mentor_id"] == b["id"]
    again = coordinator.post(
        "/v1/proxy-registrations", json={"email": a["email"], "activity": activity}
    )
    assert again.status_code == 409 and again.json()["conflict"]["duration_minutes"] == 5
    nobody = coordinator.post(
        "/v1/proxy-registrations", json={"email": "nobody@example.org", "activity": activity}
    )
    assert nobody.status_code == 422
    assert nobody.json()["errors"][0]["loc"] == ["body", "email"]
    two = coordinator.post(
        "/v1/proxy-registrations",
        json={"email": a["email"], "member_number": b["member_number"], "activity": activity},
    )
    assert two.status_code == 422
    for bad in ({"email": 5}, {"email": "a\x00@b.org"}, {"member_number": ""}, {}):
        body = {"activity": activity} | bad
        assert coordinator.post("/v1/proxy-registrations", json=body).status_code == 422, bad
    participants = [{"email": a["email"], "member_number": a["member_number"]}, {}]
    both = coordinator.post(
        "/v1/bulk-registrations",
        json={"activity": activity, "participants": participants},
    )
    assert both.status_code == 422
    assert [e["loc"] for e in both.json()["errors"]] == [
        ["body", "participants", 0],
        ["body", "participants", 1],
    ]
