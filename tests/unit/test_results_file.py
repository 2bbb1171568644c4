"""The results file's two dialects, byte for byte, and the excel one read back as a
participant file."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from api.results import HEADER, Dialect, results_csv
from domain.csvfiles import participants_from_csv
from domain.errors import ExistingActivity
from domain.jobs import BulkJob
from domain.languages import Language
from domain.model import (
    ActivityDraft,
    Given,
    JobItem,
    JobStatus,
    KeyKind,
    OnConflict,
    Outcome,
    Role,
    UserRecord,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DAY = date(2026, 11, 30)


def _job() -> tuple[BulkJob, dict[UUID, UserRecord]]:
    org, ase, kare, berit = uuid4(), uuid4(), uuid4(), uuid4()
    people = {
        ase: UserRecord(ase, org, Role.PEER_MENTOR, "Åse Tjøstheim", True, "ase@example.org"),
        kare: UserRecord(kare, org, Role.PEER_MENTOR, "Kåre Ærlend", True, "kare@example.org"),
        berit: UserRecord(berit, org, Role.COORDINATOR, "Berit Koordinator", True),
    }
    conflict = ExistingActivity(uuid4(), kare, berit, "home_visit", DAY, NOW)
    items = [
        JobItem.of_person(0, ase, display_name="Åse Tjøstheim", outcome=Outcome.READY),
        JobItem.of_person(
            1, kare, display_name="Kåre Ærlend", outcome=Outcome.CONFLICT, conflict=conflict
        ),
        JobItem(
            2,
            Given(KeyKind.EMAIL, "=ukjent@example.org"),
            outcome=Outcome.INVALID,
            error_code="unknown_participant",
            error_message="no peer mentor; not in this organization",
        ),
    ]
    draft = ActivityDraft(activity_type="home_visit", occurred_on=DAY, duration_minutes=30)
    job = BulkJob(
        uuid4(), org, uuid4(), JobStatus.NEEDS_REVIEW, OnConflict.REVIEW, draft, 3, NOW, items=items
    )
    return job, people


def _bytes(dialect: Dialect, job_and_people: tuple[BulkJob, dict[UUID, UserRecord]]) -> bytes:
    job, people = job_and_people
    return "".join(results_csv(job, people, dialect)).encode("utf-8")


def test_the_excel_dialect_opens_as_columns_with_norwegian_letters_intact() -> None:
    data = _bytes(Dialect.EXCEL, _job())
    assert data.startswith(codecs.BOM_UTF8) and data.count(codecs.BOM_UTF8) == 1
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(HEADER)
    assert "," not in text.splitlines()[0]
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert [row[4] for row in rows[1:]] == ["Åse Tjøstheim", "Kåre Ærlend", ""]
    assert rows[3][2] == "'=ukjent@example.org"  # never a formula
    assert rows[3][HEADER.index("error_message")] == "no peer mentor; not in this organization"
    assert all(len(row) == len(HEADER) for row in rows)
    assert "Ã" not in text and text.endswith("\r\n")


def test_the_rfc4180_dialect_is_commas_without_a_byte_order_mark() -> None:
    data = _bytes(Dialect.RFC4180, _job())
    assert not data.startswith(codecs.BOM_UTF8)
    assert data.decode("utf-8").splitlines()[0] == ",".join(HEADER)
    assert "Åse Tjøstheim".encode() in data


def test_an_excel_results_file_edited_and_sent_back_is_a_participant_file() -> None:
    job, people = _job()
    data = _bytes(Dialect.EXCEL, (job, people))
    lines = data.split(b"\r\n")
    # What a spreadsheet saves: a column added for the decision, the unknown line dropped.
    edited = [lines[0] + b";overstyr_duplikat", lines[1] + b";nei", lines[2] + b";ja", b""]
    read = participants_from_csv(b"\r\n".join(edited))
    assert [(p.given.kind, p.given.value, p.override_duplicate) for p in read] == [
        (KeyKind.PEER_MENTOR_ID, str(job.items[0].peer_mentor_id), False),
        (KeyKind.PEER_MENTOR_ID, str(job.items[1].peer_mentor_id), True),
    ]
    unknown = participants_from_csv(data)[2]
    assert (unknown.given.kind, unknown.email) == (KeyKind.EMAIL, "=ukjent@example.org")


def test_an_english_readers_excel_file_is_split_at_commas() -> None:
    """Where the decimal mark is a point, a spreadsheet's list separator is a comma."""
    job, people = _job()
    text = "".join(results_csv(job, people, Dialect.EXCEL, Language.EN))
    assert text.startswith("\ufeff") and text[1:].splitlines()[0] == ",".join(HEADER)
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert [row[4] for row in rows[1:]] == ["Åse Tjøstheim", "Kåre Ærlend", ""]


def test_a_conflict_names_its_registrar_by_id_and_name() -> None:
    job, people = _job()
    rows = list(csv.reader(io.StringIO("".join(results_csv(job, people)), newline="")))
    by_name = dict(zip(HEADER, rows[2], strict=True))
    conflict = job.items[1].conflict
    assert conflict is not None
    assert by_name["conflict_registered_by"] == str(conflict.registered_by)
    assert by_name["conflict_registered_by_name"] == "Berit Koordinator"
    assert dict(zip(HEADER, rows[1], strict=True))["conflict_registered_by_name"] == ""
