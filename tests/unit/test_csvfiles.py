"""The one CSV reader of participant lists (upload and CLI) and rosters."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest

from bulkreg.cli.onboarding import read_roster
from domain.csvfiles import participants_from_csv
from domain.errors import ValidationFailed
from domain.model import KeyKind
from domain.rules import Limits, check_participants


def problems(data: bytes | str) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationFailed) as failed:
        participants_from_csv(data)
    return [(e.loc, e.msg) for e in failed.value.errors]


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_separators_header_case_bom_and_crlf_are_what_spreadsheets_export(
    separator: str,
) -> None:
    pm = uuid4()
    text = f"\ufeff Email {separator}Override_Duplicate\r\nkari@example.org{separator}yes\r\n"
    text += f"OLA@example.org{separator}\r\n"
    read = participants_from_csv(text.encode())
    assert [(p.email, p.override_duplicate) for p in read] == [
        ("kari@example.org", True),
        ("OLA@example.org", False),
    ]
    by_id = participants_from_csv(f"PEER_MENTOR_ID\n{pm}\n")
    assert by_id[0].given.kind is KeyKind.PEER_MENTOR_ID and by_id[0].peer_mentor_id == pm


def test_every_bad_line_is_reported_with_its_spreadsheet_line_number() -> None:
    text = "email,override_duplicate\nok@example.org,no\nnot-an-email,no\n\nb@example.org,maybe\n"
    text += "OK@example.org,1\n,no\n"
    found = problems(text)
    assert [loc for loc, _ in found] == [
        ("body", "participants", "line", 3, "email"),
        ("body", "participants", "line", 5, "override_duplicate"),
        ("body", "participants", "line", 6, "email"),  # the same as line 2, without case
        ("body", "participants", "line", 7),  # no key at all
    ]
    assert found[2][1] == "This is the same person as on line 2: name each person once."
    assert found[0][1] == "This is not an email address: write it as name@example.org."


def test_an_empty_file_a_header_alone_and_unknown_columns_are_said_plainly() -> None:
    empty = "The file is empty: it needs a header line and a line for each person."
    assert problems(b"") == [(("body", "participants", "line", 1), empty)]
    assert problems("\r\n  \r\n")[0][1] == empty
    assert problems("email\n")[0][1] == (
        "The file has a header line but nobody on the lines below it."
    )
    unknown = problems("email,overide_duplicate\na@b.org,yes\n")
    assert unknown[0][0] == ("body", "participants", "line", 1, "overide_duplicate")
    assert problems("name\nKari\n")[-1][1] == (
        "No column names the people: the header needs a column peer_mentor_id, email or "
        "member_number."
    )
    split = problems("email,override_duplicate\na@b.org,1,2,3\n")[0][1]
    assert split.startswith("This line has 4 values, but the header has 2 columns.")
    one = problems("email\na@b.org,x\n")[0][1]
    assert one.startswith("This line has 2 values, but the header has 1 column. A value with ")


def test_norwegian_headers_in_any_case_are_the_english_columns() -> None:
    text = (
        " Navn ;E-POST;Overstyr_Duplikat\r\nKåre Ødegård;kare@example.org;Ja\r\n"
        "Åse;ase@example.org;NEI\r\nØystein;oy@example.org;\r\n"
    )
    read = participants_from_csv(text)
    assert [(p.email, p.override_duplicate) for p in read] == [
        ("kare@example.org", True),
        ("ase@example.org", False),
        ("oy@example.org", False),
    ]
    by_number = participants_from_csv("epost;medlemsnummer\n;A-1042\n")
    assert by_number[0].member_number == "A-1042"


@pytest.mark.parametrize(
    ("word", "meant"),
    [
        *[("true", True), ("YES", True), ("Ja", True), ("1", True)],
        *[("False", False), ("no", False), ("NEI", False), ("0", False), ("", False)],
    ],
)
def test_override_duplicate_is_yes_or_no_in_either_language(word: str, meant: bool) -> None:
    read = participants_from_csv(f"email,override_duplicate\na@example.org,{word}\n")
    assert read[0].override_duplicate is meant


def test_a_problem_names_the_column_as_the_file_does_in_plain_words() -> None:
    found = problems("e-post;overstyr_duplikat\nikke-epost;ja\nb@example.org;kanskje\n")
    assert [loc for loc, _ in found] == [
        ("body", "participants", "line", 2, "e-post"),
        ("body", "participants", "line", 3, "overstyr_duplikat"),
    ]
    assert found[1][1] == "Write yes or no here (or ja/nei, true/false, 1/0), not 'kanskje'."
    twice = problems("email;E-post\na@example.org;a@example.org\n")
    assert twice == [
        (
            ("body", "participants", "line", 1, "e-post"),
            "'email' and 'e-post' are the same column: keep one of them.",
        )
    ]
    roster_only = problems("epost,aktiv\na@example.org,ja\n")
    assert roster_only[0][0] == ("body", "participants", "line", 1, "aktiv")
    assert "There is no column 'aktiv' in such a file" in roster_only[0][1]
    assert "email (or e-post, epost)" in roster_only[0][1]


def test_a_roster_takes_norwegian_headers_and_yes_or_no_words(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_bytes(
        "\ufeffNavn;E-post;Medlemsnummer;Aktiv\r\n"
        "Åse Ødegård;ase@example.org;F-1;ja\r\n"
        "Ærlend Øy;aerlend@example.org;;NEI\r\n"
        "Kari;kari@example.org;F-3;\r\n".encode()
    )
    lines = read_roster(str(roster))
    assert [(r.line, r.name, r.email, r.member_number, r.active) for r in lines] == [
        (2, "Åse Ødegård", "ase@example.org", "F-1", True),
        (3, "Ærlend Øy", "aerlend@example.org", None, False),
        (4, "Kari", "kari@example.org", "F-3", True),  # no word: active
    ]
    roster.write_text("navn,epost,aktiv\nKari,kari@example.org,kanskje\n")
    with pytest.raises(ValidationFailed) as failed:
        read_roster(str(roster))
    assert [(e.loc, e.msg) for e in failed.value.errors] == [
        (("line", 2, "aktiv"), "Write yes or no here (or ja/nei, true/false, 1/0), not 'kanskje'.")
    ]
    roster.write_text("navn,medlemsnummer\nKari,F-1\n")
    with pytest.raises(ValidationFailed) as failed:
        read_roster(str(roster))
    assert [e.msg for e in failed.value.errors] == [
        "The column email (or e-post, epost) is missing: add it to the header line."
    ]


def test_a_results_file_sent_back_names_each_participant_by_its_strongest_key() -> None:
    pm = uuid4()
    text = (
        "line,peer_mentor_id,email,member_number,display_name,outcome,error_code\n"
        f"2,{pm},kari@example.org,A-1,Kari,conflict,\n"
        "3,,'=cmd@example.org,,,invalid,unknown_participant\n"
        "4,,,A-7,,invalid,unknown_participant\n"
    )
    read = participants_from_csv(text)
    assert [p.given.kind for p in read] == [
        KeyKind.PEER_MENTOR_ID,
        KeyKind.EMAIL,
        KeyKind.MEMBER_NUMBER,
    ]
    assert read[1].email == "=cmd@example.org"  # the results file's apostrophe is taken off


def test_a_participant_names_exactly_one_key_and_no_key_twice() -> None:
    from domain.model import ParticipantRequest as P

    pm = uuid4()
    errors = check_participants(
        [
            P(peer_mentor_id=pm),
            P(),
            P(peer_mentor_id=uuid4(), email="a@example.org"),
            P(email="Kari@Example.org"),
            P(email="kari@example.org"),
            P(member_number="A-1"),
            P(peer_mentor_id=pm),
        ],
        Limits(),
    )
    assert [(e.loc, e.type) for e in errors] == [
        (("body", "participants", 1), "one_key"),
        (("body", "participants", 2), "one_key"),
        (("body", "participants", 4, "email"), "duplicate"),
        (("body", "participants", 6, "peer_mentor_id"), "duplicate"),
    ]


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b'email\n"a@b.org\n', "A quoted value is never closed: add the closing double quote."),
        (
            b'email\n"a@b.org"x\n',
            "A quote is followed by more text in the same value: put the whole value in quotes.",
        ),
    ],
)
def test_a_file_the_csv_reader_cannot_read_is_explained_in_plain_words(
    data: bytes, why: str
) -> None:
    """The csv module's own reasons ("unexpected end of data") never reach a person."""
    with pytest.raises(ValidationFailed) as failed:
        participants_from_csv(data)
    [problem] = failed.value.errors
    assert problem.msg == f"This line cannot be read as CSV. {why}"


def test_every_problem_of_a_file_is_in_one_answer_whatever_its_kind() -> None:
    """A line split in two by an unquoted comma does not stop the checks of the other lines:
    the bad email, the yes/no that is neither and the key given twice are in the same answer."""
    text = (
        "email,override_duplicate\n"
        "kari@example.org,no\n"
        "Nordmann, Kari,ola@example.org,no\n"  # line 3: split
        "not-an-email,no\n"  # line 4
        "KARI@example.org,yes\n"  # line 5: line 2 again
        "per@example.org,maybe\n"  # line 6
        '"never closed\n'  # line 7: the rest of the file is inside the quotes
    )
    found = problems(text)
    assert found == [
        (
            ("body", "participants", "line", 3),
            "This line has 4 values, but the header has 2 columns. A value with a comma in it "
            'must be in double quotes, like "Nordmann, Kari".',
        ),
        (
            ("body", "participants", "line", 4, "email"),
            "This is not an email address: write it as name@example.org.",
        ),
        (
            ("body", "participants", "line", 5, "email"),
            "This is the same person as on line 2: name each person once.",
        ),
        (
            ("body", "participants", "line", 6, "override_duplicate"),
            "Write yes or no here (or ja/nei, true/false, 1/0), not 'maybe'.",
        ),
        (
            ("body", "participants", "line", 7),
            "This line cannot be read as CSV. A quoted value is never closed: add the closing "
            "double quote.",
        ),
    ]
    assert not any("should" in message or "pattern" in message for _, message in found)


def test_a_bad_quote_on_one_line_leaves_the_next_lines_checked() -> None:
    found = problems('email\n"a@example.org"x\nnot-an-email\nb@example.org\nB@example.org\n')
    assert [loc for loc, _ in found] == [
        ("body", "participants", "line", 2),
        ("body", "participants", "line", 3, "email"),
        ("body", "participants", "line", 5, "email"),
    ]


def test_a_windows_1252_file_is_reported_at_the_line_of_its_bad_byte_with_how_to_fix_it() -> None:
    text = "email\nkari@example.org\nkåre@example.org\nola@example.org\nsøren@example.org\n"
    [(loc, message)] = problems(text.encode("cp1252"))
    assert loc == ("body", "participants", "line", 3)  # not line 1: the å is on line 3
    assert message == (
        "This line has a character that is not UTF-8 (byte 0xE5, perhaps 'å' from another "
        "encoding). 1 more line has such characters. Save the file as CSV UTF-8 (in Excel: "
        "File › Save As › CSV UTF-8)."  # noqa: RUF001
    )
    [(_, alone)] = problems("email\nkåre@example.org\n".encode("cp1252"))
    assert "more line" not in alone and alone.endswith("CSV UTF-8).")
    header = problems("e-pøst\nkari@example.org\n".encode("cp1252"))
    assert header[0][0] == ("body", "participants", "line", 1)


def test_a_roster_reports_every_problem_of_every_line_at_once(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_bytes(
        (
            "name,email,member_number,active\n"
            "Kari,kari@example.org,F-1,yes\n"
            "Nordmann, Ola,ola@example.org,F-2,yes\n"  # line 3: split
            ",empty@example.org,F-3,\n"  # line 4: no name
            "Per,not-an-email,F-4,maybe\n"  # line 5: bad email, bad yes/no
            "Pål,pal@example.org,F-1,\n"  # line 6: member number of line 2
        ).encode()
    )
    with pytest.raises(ValidationFailed) as failed:
        read_roster(str(roster))
    found = [(e.loc, e.msg) for e in failed.value.errors]
    assert [loc for loc, _ in found] == [
        ("line", 3),
        ("line", 4, "name"),
        ("line", 5, "active"),
        ("line", 5, "email"),
        ("line", 6, "member_number"),
    ]
    assert found[0][1].startswith("This line has 5 values, but the header has 4 columns.")
    assert found[1][1] == "The name is empty: write the person's name."
    assert found[3][1] == "This is not an email address: write it as name@example.org."
    assert found[4][1] == "This is the same as on line 2: give each person once."
