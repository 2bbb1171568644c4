"""CSV files as people make them: one reader for participant lists (the API's upload and
``bulkreg submit``) and rosters (``bulkreg roster import``).

What a spreadsheet exports is accepted: a UTF-8 byte-order mark, CRLF line ends, ``,``,
``;`` or tab between values (told from the header row), header names in any case and with
spaces around them, in English or Norwegian (``ALIASES``), and yes/no cells in either
(``flag``). Problems name the line as a spreadsheet numbers it (the header is line 1) and
the column as the file's header names it; every bad line is reported, not just the first.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError

from domain.errors import FieldError, ValidationFailed
from domain.model import KeyKind, ParticipantRequest
from domain.words import N_, Phrase, phrase

SEPARATORS = (",", ";", "\t")
# A cell a spreadsheet would run as a formula is written with a leading apostrophe
# (``api.results``); reading takes it off.
FORMULA_STARTS = frozenset("=+-@")
# Norwegian column names, each for the English one the readers know; both readers
# (participants here, rosters in ``bulkreg.cli.onboarding``) see only the English names.
ALIASES = {
    "navn": "name",
    "e-post": "email",
    "epost": "email",
    "medlemsnummer": "member_number",
    "overstyr_duplikat": "override_duplicate",
    "aktiv": "active",
}
TRUE = frozenset({"true", "yes", "ja", "1"})
FALSE = frozenset({"false", "no", "nei", "0", ""})
KEY_COLUMNS = tuple(kind.value for kind in KeyKind)  # the strongest key first
# Columns of the results file (docs/api.md, "Bulk registrations") that a resubmitted file may still carry, and a
# name column for the person who keeps the list: read past, never used.
IGNORED = frozenset(
    {
        "line",
        "name",
        "display_name",
        "outcome",
        "activity_id",
        "conflict_activity_id",
        "conflict_registered_by",
        "conflict_created_at",
        "error_code",
        "error_message",
    }
)


@dataclass(frozen=True)
class Line:
    number: int  # as a spreadsheet shows it: the header is line 1
    values: dict[str, str]  # by English column name (``ALIASES``), stripped


def _also(column: str) -> Phrase | str:
    """A column's name with its Norwegian ones: ``email (or e-post, epost)``."""
    others = [alias for alias, name in ALIASES.items() if name == column]
    if not others:
        return column
    return phrase(N_("%(column)s (or %(others)s)"), column=column, others=", ".join(others))


# The csv module's reasons are its own English; a person reads these words instead.
CSV_REASONS = (
    ("end of data", N_("a quoted value is never closed")),
    ("expected after", N_("a quote is followed by more text in the same value")),
    ("NUL", N_("it contains a NUL character")),
    ("field limit", N_("a value is too long")),
)


def unreadable_why(error: csv.Error) -> Phrase:
    said = str(error)
    for found, reason in CSV_REASONS:
        if found in said:
            return phrase(reason)
    return phrase(N_("its quotes or line breaks do not make rows and values"))


class Table:
    """The lines of a CSV file, with the problems found so far (``problem``, ``check``).

    ``columns`` are the English names (a Norwegian header is read as its English name);
    a problem names a column by its English name and is reported under the name the
    file's header gives it, so the person who made the file finds it."""

    def __init__(self, data: bytes | str, *, where: tuple[str | int, ...]) -> None:
        self.where = where
        self.problems: list[FieldError] = []
        self.columns: list[str] = []
        self.headers: dict[str, str] = {}  # English name -> as the header writes it
        self.lines: list[Line] = []
        self._read(data)

    def problem(
        self, line: int, column: str | None, message: Phrase | str, kind: str = "csv"
    ) -> None:
        """A problem in the file: the domain's own words (a phrase), or pydantic's."""
        named = self.headers.get(column, column) if column else None
        loc = (*self.where, "line", line) + ((named,) if named else ())
        if isinstance(message, Phrase):
            self.problems.append(FieldError.said(loc, message, kind))
        else:
            self.problems.append(FieldError(loc, message, kind))

    def check(self) -> None:
        if self.problems:
            raise ValidationFailed(self.problems)

    def require(self, allowed: Iterable[str], *, needs: Iterable[str] = ()) -> None:
        allowed = set(allowed)
        for column in self.columns:
            if column not in allowed:
                expected = tuple(_also(c) for c in sorted(allowed - IGNORED))
                unknown = N_("unknown column '%(name)s' (expected: %(expected)s)")
                self.problem(
                    1, column, phrase(unknown, name=self.headers[column], expected=expected)
                )
        for column in needs:
            if column not in self.columns:
                missing = N_("missing column %(column)s")
                self.problem(1, column, phrase(missing, column=_also(column)))

    def _read(self, data: bytes | str) -> None:
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                not_utf8 = N_("the file is not UTF-8 text (byte %(byte)s)")
                self.problem(1, None, phrase(not_utf8, byte=error.start))
                return
        text = data.removeprefix("\ufeff")
        if not text.strip():
            self.problem(1, None, phrase(N_("the file is empty")), "empty")
            return
        header_line = text.splitlines()[0]
        separator = max(SEPARATORS, key=header_line.count)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
        try:
            records = list(reader)
        except csv.Error as error:
            unreadable = N_("not readable as CSV: %(error)s")
            self.problem(reader.line_num, None, phrase(unreadable, error=unreadable_why(error)))
            return
        written = [name.strip().lower() for name in records[0]]
        self.columns = [ALIASES.get(name, name) for name in written]
        for column, name in zip(self.columns, written, strict=True):
            if column not in self.headers:
                self.headers[column] = name
                continue
            first = self.headers[column]  # a second column of that name, in either language
            twice = phrase(
                N_("'%(first)s' and '%(name)s' are the same column"), first=first, name=name
            )
            again = phrase(N_("column '%(name)s' appears more than once"), name=name)
            message = twice if first != name else again
            self.problems.append(FieldError.said((*self.where, "line", 1, name), message, "csv"))
        for number, record in enumerate(records[1:], start=2):
            if not any(value.strip() for value in record):
                continue  # a blank line: nothing to read, and its number still counts
            if len(record) > len(self.columns):
                too_many = N_("%(values)s values for %(columns)s columns")
                counts = {"values": len(record), "columns": len(self.columns)}
                self.problem(number, None, phrase(too_many, **counts))
                continue
            values = dict(zip(self.columns, map(_value, record), strict=False))
            self.lines.append(Line(number, values))
        if not self.lines and not self.problems:
            self.problem(2, None, phrase(N_("the file has a header but no data lines")), "empty")


def _value(raw: str) -> str:
    value = raw.strip()
    if value[:1] == "'" and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value


def flag(table: Table, line: Line, column: str) -> bool | None:
    """A yes/no column: true/false, yes/no, ja/nei, 1/0, in any case (empty is no).
    None when unreadable."""
    value = line.values.get(column, "")
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    not_a_flag = N_("must be yes or no (ja/nei, true/false, 1/0), not '%(value)s'")
    table.problem(line.number, column, phrase(not_a_flag, value=value))
    return None


def participants_from_csv(data: bytes | str) -> list[ParticipantRequest]:
    """A participant list: a key column (``peer_mentor_id``, ``email`` or
    ``member_number``) and optionally ``override_duplicate``, or their Norwegian names
    (``ALIASES``). A file with several key columns (a results file sent back) names each
    participant by the first one filled in, in that order. Raises ``ValidationFailed`` naming every bad line."""
    table = Table(data, where=("body", "participants"))
    if not table.problems:
        table.require({*KEY_COLUMNS, "override_duplicate", *IGNORED})
        if not any(column in table.columns for column in KEY_COLUMNS):
            no_column = N_("no key column: name one of %(columns)s")
            table.problem(1, None, phrase(no_column, columns=", ".join(KEY_COLUMNS)))
    table.check()
    participants: list[ParticipantRequest] = []
    seen: dict[tuple[str, str], int] = {}
    for line in table.lines:
        key = next((k for k in KEY_COLUMNS if line.values.get(k)), None)
        override = flag(table, line, "override_duplicate")
        if key is None:
            no_key = N_("no key: %(columns)s is empty")
            table.problem(line.number, None, phrase(no_key, columns=" / ".join(KEY_COLUMNS)))
            continue
        try:
            participant = ParticipantRequest.model_validate(
                {key: line.values[key], "override_duplicate": bool(override)}
            )
        except ValidationError as error:
            for e in error.errors(include_url=False, include_input=False):
                table.problem(line.number, key, e["msg"], e["type"])
            continue
        given = participant.given
        first = seen.setdefault((key, given.canonical), line.number)
        if first != line.number:
            same = phrase(N_("the same as line %(line)s"), line=first)
            table.problem(line.number, key, same, "duplicate")
        participants.append(participant)
    table.check()
    return participants
