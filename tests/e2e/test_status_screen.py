"""The coordinator's screen in a real headless Chromium, against the running stack, at a
desktop's 1280x800 and a phone's 390x844. Screenshots are kept under test-artifacts/."""

from __future__ import annotations

import codecs
import csv
import io
import time
from datetime import date
from typing import Any

import httpx
from babel.dates import format_date
from playwright.sync_api import FilePayload, Page, expect

from tests.support.browser import check_page, csv_file, shot, sign_in, token_of
from tests.support.http import bulk_body as body
from tests.support.http import days_ago, prepare_review, wait_terminal
from tests.support.http import demo_mentors as mentors
from tests.support.stack import Stack, plant_orphan


def open_review(
    page: Page, coordinator: httpx.Client, org: dict[str, Any], day: str
) -> tuple[list[str], str]:
    """A 15-participant job in review (four conflicts), its page open, signed in."""
    pms, _, job_id = prepare_review(coordinator, org, day, start=0)
    sign_in(page, token_of(org))
    page.goto(f"/ui/jobs/{job_id}")
    return pms, job_id


def test_sign_in_with_a_pasted_header_watch_a_job_finish_and_sign_out(
    page: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    page.goto("/ui/")
    expect(page.locator("h1")).to_have_text("Sign in")
    sign_in(page, f"Bearer {token_of(first_org)}")  # as copied from an Authorization header
    expect(page.locator("h1")).to_have_text("Bulk registrations")
    cookie = next(c for c in page.context.cookies() if c["name"] == "bulkreg_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"

    job_id = coordinator.post(
        "/v1/bulk-registrations", json=body(mentors(first_org, 3, start=5), days_ago(50))
    ).json()["job_id"]
    page.goto(f"/ui/jobs/{job_id}")
    expect(page.locator("#status")).to_have_text("succeeded", timeout=30_000)
    expect(page.locator("#counts")).to_contain_text("3 registered")
    page.goto("/ui/")
    row = page.locator(f'#jobs tr[data-job="{job_id}"]')
    day = format_date(date.fromisoformat(days_ago(50)), "medium", locale="en")
    expect(row).to_contain_text(f"Home visit · {day}")  # the type by its name, the date in words
    expect(row).to_contain_text(first_org["coordinators"][0]["name"])  # who submitted it
    page.select_option("#status-filter", "needs_review")
    page.click("#filter button")
    expect(page.locator(f'#jobs tr[data-job="{job_id}"]')).to_have_count(0)

    page.click("#sign-out")
    expect(page.locator("h1")).to_have_text("Sign in")
    page.goto("/ui/")
    expect(page.locator("h1")).to_have_text("Sign in")


def _results(page: Page) -> list[dict[str, str]]:
    with page.expect_download() as download:
        page.click("#results-link")
    data = download.value.path().read_bytes()
    assert data.startswith(codecs.BOM_UTF8)  # the link asks for the excel dialect
    # The page speaks English here, whose spreadsheets split at commas (bokmål's at ';').
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=","))


def test_start_a_job_from_the_roster_review_it_and_download_the_results(
    page: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    """Fifteen people picked on the roster (one found by a search), four of whom already have
    the activity; one registered anyway, three skipped; the results file says so."""
    day, people = days_ago(60), [p for p in first_org["peer_mentors"] if p["active"]][:15]
    for p in people[:4]:
        r = coordinator.post(
            "/v1/proxy-registrations",
            json={
                "peer_mentor_id": p["id"],
                "activity": {
                    "activity_type": "group_meeting",
                    "occurred_on": day,
                    "duration_minutes": 25,
                    "notes": "met at the library",
                },
            },
        )
        assert r.status_code == 201, r.text
    sign_in(page, token_of(first_org))
    page.click("#new-link")
    page.select_option("#activity_type", label="Group meeting")
    page.fill("#occurred_on", day)
    page.fill("#duration_minutes", "90")
    for p in people[:14]:
        page.check(f'#roster input[value="{p["id"]}"]')
    expect(page.locator("#picked-count")).to_have_text("14")
    page.fill("#q", people[14]["email"])
    page.click("#search")
    expect(page.locator("#chosen input:checked")).to_have_count(14)  # kept across the search
    expect(page.locator("#activity_type")).to_have_value("group_meeting")
    page.check(f'#roster input[value="{people[14]["id"]}"]')
    expect(page.locator("#picked-count")).to_have_text("15")
    page.click("#submit-job")

    expect(page.locator("#status")).to_have_text("needs review", timeout=30_000)
    job_id = page.url.rsplit("/", 1)[1]
    conflicts = page.locator("fieldset.conflict-item")
    expect(conflicts).to_have_count(4)
    first = conflicts.first
    expect(first).to_contain_text("Conflict")  # in words, not only in amber
    expect(first).to_contain_text("25 min")
    expect(first).to_contain_text("met at the library")
    expect(first).to_contain_text("registered on their behalf")
    expect(page.locator("#skip-all button")).to_have_text(
        "Skip the 4 conflicts and register the other 11 people"
    )
    check_page(page, "desktop-review")
    page.check(f'input[name="decision:{people[0]["id"]}"][value="override"]')
    page.click("#apply-decisions")
    expect(page.locator("#status")).to_have_text("succeeded", timeout=30_000)
    expect(page.locator("#counts")).to_contain_text("11 registered, 1 overridden, 3 cancelled")

    rows = {r["peer_mentor_id"]: r for r in _results(page)}
    assert rows[people[0]["id"]]["outcome"] == "overridden"
    assert {rows[p["id"]]["outcome"] for p in people[1:4]} == {"cancelled"}
    assert {rows[p["id"]]["outcome"] for p in people[4:]} == {"registered"}
    assert rows[people[14]["id"]]["email"] == people[14]["email"]
    job = wait_terminal(coordinator, job_id)
    assert job["activity"] == {
        "activity_type": "group_meeting",
        "occurred_on": day,
        "duration_minutes": 90,
        "notes": None,
    }


def test_a_csv_with_a_bad_line_is_shown_with_its_line_and_nothing_is_queued(
    phone: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    newest = coordinator.get("/v1/bulk-registrations", params={"limit": 1}).json()["items"]
    emails = [p["email"] for p in first_org["peer_mentors"] if p["active"]][:2]
    sign_in(phone, token_of(first_org))
    phone.goto("/ui/new")
    phone.select_option("#activity_type", label="Home visit")
    phone.fill("#occurred_on", days_ago(61))
    phone.fill("#duration_minutes", "30")
    data = f"email\n{emails[0]}\nnot-an-email\n{emails[1]}\n".encode()
    phone.set_input_files("#csv", files=csv_file(data))
    phone.click("#submit-job")
    problems = phone.locator("#problems")
    expect(problems).to_contain_text("CSV line 3, column email")
    expect(problems).to_contain_text("choose the file again")
    expect(phone.locator("#duration_minutes")).to_have_value("30")  # the form is kept
    check_page(phone, "phone-csv-error")
    after = coordinator.get("/v1/bulk-registrations", params={"limit": 1}).json()["items"]
    assert after == newest  # nothing queued

    good = f"email\n{emails[0]}\n{emails[1]}\n".encode()
    phone.set_input_files("#csv", files=csv_file(good))
    phone.click("#submit-job")
    expect(phone.locator("#status")).to_have_text("succeeded", timeout=30_000)
    expect(phone.locator("#counts")).to_contain_text("2 registered")


def test_a_job_back_in_review_says_which_conflicts_are_new_and_why(
    page: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    pms, _ = open_review(page, coordinator, first_org, days_ago(62))
    expect(page.locator("#status")).to_have_text("needs review")
    # Meanwhile, another job registers two of the people this one is about to register.
    other = coordinator.post(
        "/v1/bulk-registrations", json=body(pms[10:12], days_ago(62), activity_type="phone_call")
    ).json()["job_id"]
    assert wait_terminal(coordinator, other)["status"] == "succeeded"
    page.click("#skip-all button")
    expect(page.locator("#back-in-review")).to_contain_text("2 conflicts are new", timeout=30_000)
    new = page.locator("fieldset.conflict-item", has=page.locator(".badge.new"))
    expect(new).to_have_count(2)
    expect(new.first.locator(f'a[href="/ui/jobs/{other}"]').first).to_be_visible()
    expect(page.locator("fieldset.conflict-item")).to_have_count(2)  # the first four: decided
    shot(page, "desktop-back-in-review")


def test_cancelling_a_job_asks_first(
    page: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    _, job_id = open_review(page, coordinator, first_org, days_ago(63))
    page.click("#cancel-job")
    expect(page.locator("h1")).to_have_text("Cancel this bulk registration?")
    check_page(page, "desktop-cancel-confirm")
    page.click("#keep-job")
    expect(page.locator("#status")).to_have_text("needs review")
    assert coordinator.get(f"/v1/bulk-registrations/{job_id}").json()["status"] == "needs_review"
    page.click("#cancel-job")
    page.click("#confirm-cancel")
    expect(page.locator("#status")).to_have_text("cancelled")


def test_skip_all_conflicts_on_a_phone(
    phone: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    open_review(phone, coordinator, first_org, days_ago(52))
    check_page(phone, "phone-review")
    # The decision is reachable without scrolling past every participant: conflicts first,
    # the ready ones folded away below the buttons.
    apply = phone.locator("#apply-decisions").bounding_box()
    ready = phone.locator("#ready-list").bounding_box()
    assert apply is not None and ready is not None and apply["y"] < ready["y"]
    assert phone.locator("#ready-list li").first.is_hidden()
    phone.click("#skip-all button")
    expect(phone.locator("#status")).to_have_text("succeeded", timeout=30_000)
    expect(phone.locator("#counts")).to_contain_text("11 registered, 4 cancelled")
    check_page(phone, "phone-succeeded")


def test_an_anomaly_in_words_with_names_resolved_on_the_anomalies_page(
    page: Page, stack: Stack, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    inactive = next(p["id"] for p in first_org["peer_mentors"] if not p["active"])
    job_id = coordinator.post(
        "/v1/bulk-registrations", json=body([inactive], days_ago(53), "fail")
    ).json()["job_id"]
    assert wait_terminal(coordinator, job_id)["status"] == "failed"
    victim = [p for p in first_org["peer_mentors"] if p["active"]][29]
    plant_orphan(stack, first_org, job_id, victim["id"], days_ago(53))
    deadline = time.monotonic() + 60
    while (
        time.monotonic() < deadline
        and not coordinator.get(f"/v1/bulk-registrations/{job_id}").json()["anomalies"]
    ):
        time.sleep(0.5)
    sign_in(page, token_of(first_org))
    page.goto("/ui/")
    expect(page.locator(f'#jobs tr[data-job="{job_id}"] .anomaly-mark')).to_have_text(
        "Open anomaly"
    )
    page.click("#anomalies-link")
    card = page.locator(".anomaly", has_text=victim["name"])
    expect(card).to_contain_text("Records written by a job that did not succeed")
    expect(card).to_contain_text("ended failed")
    expect(card.locator(f'a[href="/ui/jobs/{job_id}"]')).to_contain_text("Home visit")
    check_page(page, "desktop-anomalies")
    card.locator('input[name="reason"]').fill("written by a failed job (test)")
    card.locator('button[value="delete_records"]').click()
    resolved = page.locator(".anomaly", has_text=victim["name"])
    expect(resolved.locator(".resolution")).to_contain_text(
        f"by {first_org['coordinators'][0]['name']}: the records were deleted"
    )
    expect(resolved.locator(".resolution")).to_contain_text("written by a failed job (test)")
    resolved_ones = coordinator.get("/v1/anomalies", params={"status": "resolved"}).json()
    mine = [a for a in resolved_ones["items"] if a["bulk_job_id"] == job_id]
    assert [a["resolution"] for a in mine] == ["delete_records"]


def test_same_authorization_as_the_api(
    page: Page, demo: dict[str, Any], coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    mentor = next(p for p in first_org["peer_mentors"] if p["active"])
    sign_in(page, mentor["token"])
    expect(page.locator("[role=alert]")).to_contain_text("coordinators and admins")
    assert not [c for c in page.context.cookies() if c["name"] == "bulkreg_session"]

    job_id = coordinator.post(
        "/v1/bulk-registrations", json=body(mentors(first_org, 1, start=6), days_ago(54))
    ).json()["job_id"]
    sign_in(page, token_of(demo["organizations"][1]))
    response = page.goto(f"/ui/jobs/{job_id}")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    results = page.request.get(f"/ui/jobs/{job_id}/results.csv")
    assert results.status == 404 and "text/html" in results.headers["content-type"]

    forged = page.request.post(f"/ui/jobs/{job_id}/cancel", form={"csrf": "forged"})
    assert forged.status == 403
    assert coordinator.get(f"/v1/bulk-registrations/{job_id}").json()["status"] != "cancelled"


def test_the_job_page_follows_a_change_made_elsewhere_with_one_long_poll(
    page: Page, coordinator: httpx.Client, first_org: dict[str, Any]
) -> None:
    _, _, job_id = prepare_review(coordinator, first_org, days_ago(64), start=0)
    sign_in(page, token_of(first_org))
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/changes?" in r.url else None)
    page.goto(f"/ui/jobs/{job_id}")
    expect(page.locator("#status")).to_have_text("needs review")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0 or page.evaluate(
        "document.querySelector('meta[http-equiv=refresh]').closest('noscript') !== null"
    )
    page.wait_for_timeout(3000)  # a page that polled every two seconds would have asked twice
    assert len(asked) == 1  # one request, waiting on the server
    resolved = coordinator.post(
        f"/v1/bulk-registrations/{job_id}/resolution", json={"default": "cancel"}
    )
    assert resolved.status_code == 202
    expect(page.locator("#status")).to_have_text("succeeded", timeout=30_000)
    expect(page.locator("#counts")).to_contain_text("11 registered, 4 cancelled")


def test_a_form_sent_twice_queues_one_job(page: Page, first_org: dict[str, Any]) -> None:
    sign_in(page, token_of(first_org))
    page.goto("/ui/new")
    form: dict[str, str | float | bool | bytes | FilePayload] = {
        "csrf": page.locator('#new-job input[name="csrf"]').input_value(),
        "idem": page.locator('input[name="idem"]').input_value(),
        "activity_type": "home_visit",
        "occurred_on": days_ago(65),
        "duration_minutes": "30",
        "on_conflict": "review",
        "participant": mentors(first_org, 1, start=25)[0],
        "action": "submit",
    }
    sent = [page.request.post("/ui/new", multipart=form, max_redirects=0) for _ in range(2)]
    assert [r.status for r in sent] == [303, 303]
    assert sent[0].headers["location"] == sent[1].headers["location"]  # one job, twice shown
    changed = page.request.post("/ui/new", multipart=form | {"duration_minutes": "45"})
    assert changed.status == 409 and "submitted already" in changed.text()
