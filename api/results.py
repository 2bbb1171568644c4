"""The results file of a bulk job (docs/api.md, "Bulk registrations"): one line per participant, in the order they
were submitted, written as it is sent. A line whose participant had a conflict names the
record it would duplicate, who registered it (id and name) and when — also when a
decision cancelled the participant.

Cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) are
written with a leading apostrophe, as OWASP advises for CSV exports; the CSV reader takes
the apostrophe off again, so a results file can be fixed and sent back as it is.

Two dialects (``Dialect``): ``rfc4180`` for programs, and ``excel`` for the spreadsheet a
Norwegian office opens by double-click. Excel reads a CSV as the system's code page unless
it starts with a UTF-8 byte-order mark (æ, ø and å come out garbled, two signs each), and
splits it at the system's list separator, which is ``;`` where the decimal mark is a comma
(bokmål), ``,`` where it is a point (English). The participant reader (``domain.csvfiles``)
takes every form back.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from enum import StrEnum
from uuid import UUID

from fastapi.responses import StreamingResponse

from domain.csvfiles import FORMULA_STARTS
from domain.jobs import BulkJob
from domain.languages import DEFAULT_LANGUAGE, Language
from domain.model import JobItem, KeyKind, UserRecord

HEADER = (
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
)
LINES_PER_CHUNK = 500
BOM = "\ufeff"


class Dialect(StrEnum):
    """The form of the results file: for programs (rfc4180) or for spreadsheets (excel)."""

    RFC4180 = "rfc4180"  # ``,``, no byte-order mark
    EXCEL = "excel"  # a byte-order mark and the language's list separator


# A spreadsheet's list separator, by the language its user reads: ``;`` where the decimal
# mark is a comma.
LIST_SEPARATOR = {Language.NB: ";", Language.EN: ","}


def separator(dialect: Dialect, language: Language) -> str:
    return LIST_SEPARATOR[language] if dialect is Dialect.EXCEL else ","


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def _row(item: JobItem, person: UserRecord | None, registrar: UserRecord | None) -> list[str]:
    given = item.given
    email = person.email if person else (given.value if given.kind is KeyKind.EMAIL else None)
    member = (
        person.member_number
        if person
        else (given.value if given.kind is KeyKind.MEMBER_NUMBER else None)
    )
    conflict = item.conflict
    values = (
        item.index + 2,
        item.peer_mentor_id,
        email,
        member,
        item.display_name or (person.display_name if person else None),
        item.outcome.value,
        item.activity_id,
        conflict.activity_id if conflict else None,
        conflict.registered_by if conflict else None,
        registrar.display_name if registrar else None,
        conflict.created_at.isoformat() if conflict else None,
        item.error_code,
        item.error_message,
    )
    return [_cell(v) for v in values]


def results_csv(
    job: BulkJob,
    people: dict[UUID, UserRecord],
    dialect: Dialect = Dialect.RFC4180,
    language: Language = DEFAULT_LANGUAGE,
) -> Iterator[str]:
    buffer = io.StringIO()
    if dialect is Dialect.EXCEL:
        buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=separator(dialect, language), lineterminator="\r\n")
    writer.writerow(HEADER)
    for start in range(0, len(job.items), LINES_PER_CHUNK):
        for item in job.items[start : start + LINES_PER_CHUNK]:
            person = people.get(item.peer_mentor_id) if item.peer_mentor_id else None
            registrar = people.get(item.conflict.registered_by) if item.conflict else None
            writer.writerow(_row(item, person, registrar))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def results_response(
    job: BulkJob, people: dict[UUID, UserRecord], dialect: Dialect, language: Language
) -> StreamingResponse:
    """The results file as a download, for the API and the screen alike; ``language`` is
    the reader's, whose spreadsheet's list separator ``excel`` uses."""
    return StreamingResponse(
        results_csv(job, people, dialect, language),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="results-{job.id}.csv"'},
    )
