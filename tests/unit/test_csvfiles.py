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
    assert "the same as line 2" in found[2][1]


def test_an_empty_file_a_header_alone_and_unknown_columns_are_said_plainly() -> None:
    assert problems(b"") == [(("body", "participants", "line", 1), "the file is empty")]
    assert problems("\r\n  \r\n")[0][1] == "the file is empty"
    assert "no data lines" in problems("email\n")[0][1]
    unknown = problems("email,overide_duplicate\na@b.org,yes\n")
    assert unknown[0][0] == ("body", "participants", "line", 1, "overide_duplicate")
    assert "no key column" in problems("name\nKari\n")[-1][1]
    assert "not UTF-8" in problems("email\nkåre@example.org\n".encode("latin-1"))[0][1]
    assert "4 values for 2 columns" in problems("email,override_duplicate\na@b.org,1,2,3\n")[0][1]


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
    assert found[1][1] == "must be yes or no (ja/nei, true/false, 1/0), not 'kanskje'"
    twice = problems("email;E-post\na@example.org;a@example.org\n")
    assert twice == [
        (("body", "participants", "line", 1, "e-post"), "'email' and 'e-post' are the same column")
    ]
    roster_only = problems("epost,aktiv\na@example.org,ja\n")
    assert roster_only[0][0] == ("body", "participants", "line", 1, "aktiv")
    assert "unknown column 'aktiv'" in roster_only[0][1]
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
        (("line", 2, "aktiv"), "must be yes or no (ja/nei, true/false, 1/0), not 'kanskje'")
    ]
    roster.write_text("navn,medlemsnummer\nKari,F-1\n")
    with pytest.raises(ValidationFailed) as failed:
        read_roster(str(roster))
    assert [e.msg for e in failed.value.errors] == ["missing column email (or e-post, epost)"]


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
        (b'email\n"a@b.org\n', "a quoted value is never closed"),
        (b'email\n"a@b.org"x\n', "a quote is followed by more text in the same value"),
    ],
)
def test_a_file_the_csv_reader_cannot_read_is_explained_in_plain_words(
    data: bytes, why: str
) -> None:
    """The csv module's own reasons ("unexpected end of data") never reach a person."""
    with pytest.raises(ValidationFailed) as failed:
        participants_from_csv(data)
    [problem] = failed.value.errors
    assert problem.msg == f"not readable as CSV: {why}"
