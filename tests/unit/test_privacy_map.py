"""docs/privacy.md names every column that could hold something about a person: each text,
JSON, binary or array column of every table in persistence/schema.sql is there, either
where personal data lives or among the columns that hold nothing about a person."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "persistence" / "schema.sql"
PRIVACY = ROOT / "docs" / "privacy.md"

TABLE = re.compile(r"^CREATE TABLE \w+\.(\w+) \((.*?)^\)", re.M | re.S)
# A column whose type can carry words or bytes: the rule is every one of them, with no
# guessing by name.
COLUMN = re.compile(r"^\s*(\w+) (text|character varying|character|jsonb|json|bytea|[\w ]+\[\])\b")


def columns_that_may_hold_words() -> set[str]:
    found = set()
    for table, body in TABLE.findall(SCHEMA.read_text()):
        for line in body.splitlines():
            match = COLUMN.match(line)
            if match and match.group(1) != "CONSTRAINT":
                found.add(f"{table}.{match.group(1)}")
    return found


def test_the_schema_parses_into_the_columns_we_know() -> None:
    columns = columns_that_may_hold_words()
    assert {"users.email", "audit_log.details", "bulk_job_items.given_value"} <= columns
    assert "users.id" not in columns and "activities.occurred_on" not in columns


def test_every_such_column_is_on_the_privacy_page() -> None:
    page = PRIVACY.read_text()
    missing = sorted(c for c in columns_that_may_hold_words() if f"`{c}`" not in page)
    assert not missing, f"docs/privacy.md does not say what these columns hold: {missing}"
