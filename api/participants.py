"""The people of a job as a participant list (docs/api.md, "Undo and repeat"): a CSV that
``POST /v1/bulk-registrations`` takes back, to register them again.

Each person is written under the key their item was given (``peer_mentor_id``, ``email`` or
``member_number``), in that key's column; the file has a column for each kind of key used,
and the reader (``domain.csvfiles``) names each line by the one filled in. A cell a
spreadsheet would run as a formula gets a leading apostrophe, which the reader takes off.
"""

from __future__ import annotations

import csv
import io
from uuid import UUID

from fastapi.responses import Response

from domain.csvfiles import FORMULA_STARTS, KEY_COLUMNS
from domain.model import Given


def _cell(value: str) -> str:
    return "'" + value if value[:1] in FORMULA_STARTS else value


def participants_csv(people: list[Given]) -> str:
    used = {given.kind.value for given in people}
    columns = [column for column in KEY_COLUMNS if column in used] or [KEY_COLUMNS[0]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for given in people:
        writer.writerow([_cell(given.value) if c == given.kind.value else "" for c in columns])
    return buffer.getvalue()


def participants_response(job_id: UUID, people: list[Given]) -> Response:
    return Response(
        participants_csv(people),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="participants-{job_id}.csv"'},
    )
