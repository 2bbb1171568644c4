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
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError

from domain.errors import FieldError, ValidationFailed
from domain.explain import explained
from domain.model import KeyKind, ParticipantRequest
from domain.words import N_, N_plural, Phrase, Value, counted, phrase

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
        "conflict_registered_by_name",
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
    ("end of data", N_("A quoted value is never closed: add the closing double quote.")),
    (
        "expected after",
        N_("A quote is followed by more text in the same value: put the whole value in quotes."),
    ),
    ("NUL", N_("This line holds a NUL character: take it out.")),
    ("field limit", N_("A value is too long.")),
)
SEPARATOR_NAMES = {",": N_("a comma"), ";": N_("a semicolon"), "\t": N_("a tab")}
# Bytes that are not UTF-8 are read as lone surrogates (``surrogateescape``), which no UTF-8
# text holds: a line with one is a line with such a byte.
NOT_UTF8 = re.compile("[\udc80-\udcff]")
# Excel's menus are named as Excel shows them, with its own separator.
SAVE_AS_UTF8 = N_("Save the file as CSV UTF-8 (in Excel: File › Save As › CSV UTF-8).")  # noqa: RUF001


def unreadable_why(error: csv.Error) -> Phrase:
    said = str(error)
    for found, reason in CSV_REASONS:
        if found in said:
            return phrase(reason)
    return phrase(
        N_("Its quotes or line breaks do not make values: check the double quotes on this line.")
    )


class Table:
    """The lines of a CSV file, with the problems found so far (``problem``, ``check``).

    Reading goes on past a bad line: a line with bytes that are not UTF-8, quotes that do
    not close or more values than the header has columns is reported and left out, and the
    other lines are read and checked as usual, so one answer names every problem.
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
        """A problem in the file: the domain's own words (a phrase, said in the reader's
        language), or the command line's English (a str)."""
        named = self.headers.get(column, column) if column else None
        loc = (*self.where, "line", line) + ((named,) if named else ())
        if isinstance(message, Phrase):
            self.problems.append(FieldError.said(loc, message, kind))
        else:
            self.problems.append(FieldError(loc, message, kind))

    def invalid(self, line: int, column: str, error: ValidationError) -> None:
        """A value the model refused, in plain words, at its line and column."""
        for detail in error.errors(include_url=False, include_input=False):
            kind = str(detail["type"])
            said = explained(kind, (column,), detail.get("ctx"))
            self.problem(line, column, said, kind)

    def line_of(self, problem: FieldError) -> int:
        at = len(self.where) + 1
        number = problem.loc[at] if len(problem.loc) > at else 0
        return number if isinstance(number, int) else 0

    def check(self) -> None:
        """Every problem found, by line (the header first)."""
        if self.problems:
            raise ValidationFailed(sorted(self.problems, key=self.line_of))

    def check_header(self) -> None:
        """A header with a problem leaves the lines without columns to check them by: the
        problems found so far are the answer."""
        if any(self.line_of(p) == 1 for p in self.problems) or not self.columns:
            self.check()

    def require(self, allowed: Iterable[str], *, needs: Iterable[str] = ()) -> None:
        allowed = set(allowed)
        for column in self.columns:
            if column not in allowed:
                expected = tuple(_also(c) for c in sorted(allowed - IGNORED))
                unknown = N_(
                    "There is no column '%(name)s' in such a file: rename it or take it out "
                    "(the columns are: %(expected)s)."
                )
                self.problem(
                    1, column, phrase(unknown, name=self.headers[column], expected=expected)
                )
        for column in needs:
            if column not in self.columns:
                missing = N_("The column %(column)s is missing: add it to the header line.")
                self.problem(1, column, phrase(missing, column=_also(column)))

    def _read(self, data: bytes | str) -> None:
        if isinstance(data, bytes):
            data = data.decode("utf-8", errors="surrogateescape")
        text = data.removeprefix("\ufeff")
        if not text.strip():
            empty = N_("The file is empty: it needs a header line and a line for each person.")
            self.problem(1, None, phrase(empty), "empty")
            return
        header_line = text.splitlines()[0]
        separator = max(SEPARATORS, key=header_line.count)
        records = self._records(text, separator)
        if not records:
            return
        written = [name.strip().lower() for name in records[0][1]]
        self.columns = [ALIASES.get(name, name) for name in written]
        for column, name in zip(self.columns, written, strict=True):
            if column not in self.headers:
                self.headers[column] = name
                continue
            first = self.headers[column]  # a second column of that name, in either language
            twice = phrase(
                N_("'%(first)s' and '%(name)s' are the same column: keep one of them."),
                first=first,
                name=name,
            )
            again = phrase(N_("The column '%(name)s' is there twice: keep one of them."), name=name)
            message = twice if first != name else again
            self.problems.append(FieldError.said((*self.where, "line", 1, name), message, "csv"))
        for number, record in records[1:]:
            if not any(value.strip() for value in record):
                continue  # a blank line: nothing to read, and its number still counts
            if len(record) > len(self.columns):
                self.problem(number, None, _too_many(len(record), len(self.columns), separator))
                continue
            values = dict(zip(self.columns, map(_value, record), strict=False))
            self.lines.append(Line(number, values))
        if not self.lines and not self.problems:
            no_lines = N_("The file has a header line but nobody on the lines below it.")
            self.problem(2, None, phrase(no_lines), "empty")

    def _records(self, text: str, separator: str) -> list[tuple[int, list[str]]]:
        """The file's rows, numbered as a spreadsheet numbers them; a row the csv module
        cannot read, or that holds bytes that are not UTF-8, is reported and left out."""
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
        records: list[tuple[int, list[str]]] = []
        not_utf8: list[tuple[int, str]] = []
        any_not_utf8 = NOT_UTF8.search(text) is not None  # one look at a good file, not one a line
        number = 0
        while True:
            number += 1
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                unreadable = N_("This line cannot be read as CSV. %(why)s")
                self.problem(number, None, phrase(unreadable, why=unreadable_why(error)))
                continue
            if any_not_utf8 and (found := next(filter(None, map(NOT_UTF8.search, record)), None)):
                not_utf8.append((number, found.group()))
                continue
            records.append((number, record))
        if not_utf8:
            self._not_utf8(not_utf8)
        if records and records[0][0] != 1:
            records = []  # without its header, no line can be read
        return records

    def _not_utf8(self, lines: list[tuple[int, str]]) -> None:
        """Reported once, at the first line that has such a byte, with how many more."""
        (number, escaped), others = lines[0], len(lines) - 1
        byte = ord(escaped) - 0xDC00
        guess = bytes([byte]).decode("cp1252", errors="replace")
        found = N_(
            "This line has a character that is not UTF-8 (byte 0x%(byte)s, perhaps "
            "'%(guess)s' from another encoding). %(fix)s"
        )
        values: dict[str, Value] = {
            "byte": f"{byte:02X}",
            "guess": guess,
            "fix": phrase(SAVE_AS_UTF8),
        }
        if others:
            more = N_plural(
                "%(num)s more line has such characters.", "%(num)s more lines have such characters."
            )
            found = N_(
                "This line has a character that is not UTF-8 (byte 0x%(byte)s, perhaps "
                "'%(guess)s' from another encoding). %(more)s %(fix)s"
            )
            values["more"] = counted(more, others)
        self.problem(number, None, phrase(found, **values))


def _too_many(values: int, columns: int, separator: str) -> Phrase:
    """A line split into more values than the header has columns: most often a value with
    the separator in it, not in quotes."""
    split = N_(
        "This line has %(values)s, but the header has %(columns)s. A value with %(separator)s "
        'in it must be in double quotes, like "Nordmann, Kari".'
    )
    return phrase(
        split,
        values=counted(N_plural("%(num)s value", "%(num)s values"), values),
        columns=counted(N_plural("%(num)s column", "%(num)s columns"), columns),
        separator=phrase(SEPARATOR_NAMES[separator]),
    )


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
    not_a_flag = N_("Write yes or no here (or ja/nei, true/false, 1/0), not '%(value)s'.")
    table.problem(line.number, column, phrase(not_a_flag, value=value))
    return None


def _either(columns: Iterable[str]) -> Phrase:
    """``peer_mentor_id, email or member_number``."""
    *first, last = columns
    return phrase(N_("%(some)s or %(last)s"), some=", ".join(first), last=last)


def participants_from_csv(data: bytes | str) -> list[ParticipantRequest]:
    """A participant list: a key column (``peer_mentor_id``, ``email`` or
    ``member_number``) and optionally ``override_duplicate``, or their Norwegian names
    (``ALIASES``). A file with several key columns (a results file sent back) names each
    participant by the first one filled in, in that order. Raises ``ValidationFailed``
    naming every problem of every line at once."""
    table = Table(data, where=("body", "participants"))
    if table.columns:
        table.require({*KEY_COLUMNS, "override_duplicate", *IGNORED})
        if not any(column in table.columns for column in KEY_COLUMNS):
            no_column = N_("No column names the people: the header needs a column %(columns)s.")
            table.problem(1, None, phrase(no_column, columns=_either(KEY_COLUMNS)))
    table.check_header()
    participants: list[ParticipantRequest] = []
    seen: dict[tuple[str, str], int] = {}
    for line in table.lines:
        key = next((k for k in KEY_COLUMNS if line.values.get(k)), None)
        override = flag(table, line, "override_duplicate")
        if key is None:
            present = [k for k in KEY_COLUMNS if k in table.columns]
            nobody = N_("Nobody is named on this line: fill in %(columns)s.")
            columns = _either(present) if len(present) > 1 else table.headers[present[0]]
            table.problem(line.number, None, phrase(nobody, columns=columns))
            continue
        try:
            participant = ParticipantRequest.model_validate(
                {key: line.values[key], "override_duplicate": bool(override)}
            )
        except ValidationError as error:
            table.invalid(line.number, key, error)
            continue
        given = participant.given
        first = seen.setdefault((key, given.canonical), line.number)
        if first != line.number:
            same = N_("This is the same person as on line %(line)s: name each person once.")
            table.problem(line.number, key, phrase(same, line=first), "duplicate")
        participants.append(participant)
    table.check()
    return participants
