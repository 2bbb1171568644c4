"""pg_dump's schema, regrouped by table: how ``persistence/schema.sql`` is laid out.

``pg_dump --schema-only`` prints by kind of object: every table, then every constraint,
every index, every policy, every grant. :func:`regroup` moves each of its entries beside what
it belongs to and changes nothing inside one:

1. the preamble: pg_dump's session settings, schemas, extensions, types, sequences no table
   owns, and the grants on schemas;
2. each table (``public`` first, then ``app``; by name), followed by its identity sequence,
   constraints, indexes, triggers, row-level security and policies, comments and grants;
3. the functions, grouped by what they serve (:data:`FUNCTION_GROUPS`), each followed by its
   comments and grants; a function no group names yet lands in a last group;
4. any entry of a kind not placed above, in pg_dump's order, so none is ever lost.

Why split pg_dump's plain-text output on its entry headers (``-- Name: …; Type: …; Schema:
…; Owner: …``) rather than reorder a ``pg_restore --list`` and replay it: both read the same
table of contents (name, type, schema, owner), but the text also carries each statement,
which is the only place that says which table an index or an identity sequence belongs to
(the list names an index, not its table). The header format has been stable for decades,
one ``pg_dump`` call is all it takes, and the entries are pg_dump's own text, byte for byte.
What ``pg_restore -L`` adds — the session settings each entry needs, re-emitted wherever it
lands — only matters for a script one restores, and this file cannot be one: a policy here
precedes the function it calls. Every entry is placed exactly once (an assertion checks).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# (title, what the group serves, the functions) in the order the file shows them.
FUNCTION_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Identity checks",
        "Who the session acts for: set only by act_as and act_for_claim, sealed by\n"
        "identity_seal, read back by the policies through current_user_id, current_org_id,\n"
        "current_role and is_staff (each NULL or false when the seal does not match).",
        (
            "app.identity_seal",
            "app.act_as",
            "app.act_for_claim",
            "app.claim_is_running",
            "app.current_user_id",
            "app.current_org_id",
            "app.current_role",
            "app.is_staff",
        ),
    ),
    (
        "Sign-in",
        "A user found by their identity provider's subject, a sign-in link redeemed once, and\n"
        "links asked for by email, within their limits.",
        ("app.user_for_subject", "app.redeem_sign_in_link", "app.request_sign_in_links"),
    ),
    (
        "Screen sessions",
        "The screen's sessions: opened at sign-in, looked up and kept alive by each use, ended\n"
        "by signing out or by their user's deactivation (trigger\n"
        "users_deactivated_end_their_sessions).",
        (
            "app.open_screen_session",
            "app.screen_session",
            "app.end_screen_session",
            "app.end_sessions_of_deactivated",
        ),
    ),
    (
        "Directory",
        "Peer mentors found by name, email or member number, within the staff's organization,"
        " listed in the caller's language's order.",
        ("app.search_peer_mentors", "app.caller_language"),
    ),
    (
        "Reference checks",
        "An inserted activity's user, type, job and duplicate must be of its organization:\n"
        "checked once per statement (trigger activities_references).",
        ("app.check_activity_references",),
    ),
    (
        "Role history",
        "Each change of a user's organization, role or activity closes one period of\n"
        "user_roles and opens the next (trigger users_role_history).",
        ("app.record_role_period",),
    ),
    (
        "Job states",
        "The edges of the bulk jobs' state machine, who may take them, and the items'\n"
        "outcomes that change only with their job.",
        ("app.guard_job_status", "app.guard_item_outcomes", "app.job_cannot_become"),
    ),
    (
        "Events and the outbox",
        "Events written by the changes themselves (triggers bulk_jobs_event, anomalies_event),\n"
        "one webhook delivery per matching webhook, and the notifications that wake the relay\n"
        "and the long polls (bulkreg_deliveries, bulkreg_job_changed).",
        ("app.emit_event", "app.job_event", "app.anomaly_event", "app.job_changed"),
    ),
    (
        "Email",
        "The mail outbox: a job's notification written with its event (trigger\n"
        "bulk_jobs_notify, after bulk_jobs_event), and mail to the caller only.",
        ("app.write_email", "app.enqueue_email", "app.job_notification"),
    ),
    (
        "Queue depths and job counts",
        "Numbers the API's role may learn about every organization's jobs without reading one.",
        ("app.job_counts", "app.queue_depths"),
    ),
)
UNGROUPED = (
    "Other functions",
    "Not yet given a group: name them in FUNCTION_GROUPS (bulkreg/devstack/schema_layout.py).",
)

HEADER = re.compile(
    r"^--\n-- Name: (?P<name>.*?); Type: (?P<type>.*?); Schema: (?P<schema>[^;\n]*)[^\n]*\n--\n",
    re.MULTILINE,
)
TRAILER = "--\n-- PostgreSQL database dump complete\n--\n"
# Emitted by pg_dump before the first entry that needs them, i.e. at the end of the entry
# before it: they belong to the session, so to the preamble.
SESSION_SETTING = re.compile(r"^SET default_(?:tablespace|table_access_method) = .*;$")
IDENT = r'(?:"(?:[^"]|"")*"|[^\s."(),;]+)'
QUALIFIED = re.compile(rf"({IDENT})\.({IDENT})")
INDEX_TABLE = re.compile(rf"\bINDEX .*? ON (?:ONLY )?({IDENT})\.({IDENT})")
IDENTITY_TABLE = re.compile(rf"^ALTER TABLE (?:ONLY )?({IDENT})\.({IDENT}) ALTER COLUMN", re.M)
OWNED_BY_TABLE = re.compile(rf"\bOWNED BY ({IDENT})\.({IDENT})\.{IDENT}")

RELATIONS = ("TABLE", "VIEW", "MATERIALIZED VIEW", "FOREIGN TABLE")
ROUTINES = ("FUNCTION", "PROCEDURE", "AGGREGATE")
PREAMBLE = ("SCHEMA", "EXTENSION", "TYPE", "DOMAIN", "COLLATION", "SEQUENCE", "SHELL TYPE")
# Within a table's section, by type; a type not listed comes after the triggers.
TABLE_ORDER = {
    **dict.fromkeys(RELATIONS, 0),
    "SEQUENCE": 1,
    "SEQUENCE OWNED BY": 1,
    "DEFAULT": 2,
    "CONSTRAINT": 3,
    "CHECK CONSTRAINT": 3,
    "FK CONSTRAINT": 4,
    "INDEX": 5,
    "INDEX ATTACH": 5,
    "TRIGGER": 6,
    "ROW SECURITY": 8,
    "POLICY": 9,
    "COMMENT": 10,
    "ACL": 11,
}
RULE = "-- " + "=" * 90 + "\n"


@dataclass(frozen=True)
class Entry:
    """One entry of pg_dump's table of contents: its header and its statements."""

    name: str
    type: str
    schema: str
    text: str  # the header and the statements, ending in two blank lines, as pg_dump spaces them


def unquote(ident: str) -> str:
    return ident[1:-1].replace('""', '"') if ident.startswith('"') else ident


def split(dump: str) -> tuple[str, list[Entry], str]:
    """pg_dump's plain output as (what precedes the first entry, the entries, what follows)."""
    headers = list(HEADER.finditer(dump))
    if not headers:
        return dump, [], ""
    head, entries, moved = dump[: headers[0].start()], [], []
    end = dump.find(TRAILER, headers[-1].end())
    trailer = dump[end:] if end >= 0 else ""
    stops = [h.start() for h in headers[1:]] + [end if end >= 0 else len(dump)]
    for header, stop in zip(headers, stops, strict=True):
        lines = dump[header.end() : stop].strip("\n").split("\n")
        settings: list[str] = []
        while lines and (SESSION_SETTING.match(lines[-1]) or not lines[-1]):
            line = lines.pop()
            if line:
                settings.insert(0, line)
        moved += settings
        body = "\n".join(lines)
        entries.append(
            Entry(
                name=header["name"],
                type=header["type"],
                schema=header["schema"],
                text=f"{header.group(0)}\n{body}\n\n\n",
            )
        )
    if moved:
        head = head.rstrip("\n") + "\n\n" + "".join(f"{line}\n\n" for line in moved)
    return head, entries, trailer


def regroup(dump: str) -> str:
    """pg_dump's plain ``--schema-only`` output, each entry moved beside what it belongs to."""
    head, entries, trailer = split(dump)
    tables = {(e.schema, e.name) for e in entries if e.type in RELATIONS}
    index_tables = {
        (e.schema, e.name): table
        for e in entries
        if e.type == "INDEX" and (table := _table_in(INDEX_TABLE, e.text)) is not None
    }
    preamble: list[Entry] = []
    other: list[Entry] = []
    by_table: dict[tuple[str, str], list[Entry]] = {table: [] for table in tables}
    by_function: dict[str, list[Entry]] = {}
    for entry in entries:
        place, key = home(entry, tables, index_tables)
        if place == "table" and key in by_table:
            by_table[key].append(entry)
        elif place == "function":
            by_function.setdefault(f"{key[0]}.{key[1]}", []).append(entry)
        elif place == "preamble":
            preamble.append(entry)
        else:
            other.append(entry)

    out = [head.rstrip("\n") + "\n\n"]
    if preamble:
        out.append(
            banner(
                "Preamble: schemas, extensions, types, sequences no table owns, grants on schemas"
            )
        )
        out += [e.text for e in preamble]
    for schema, name in sorted(tables, key=lambda table: (table[0] != "public", table)):
        out.append(banner(f"Table {schema}.{name}"))
        out += [e.text for e in sorted(by_table[schema, name], key=_in_table)]
    groups = [*FUNCTION_GROUPS, (*UNGROUPED, tuple(by_function))]
    for title, about, names in groups:
        present = [name for name in names if name in by_function]
        if present:
            out.append(banner(f"Functions: {title}", *about.split("\n")))
            for name in present:
                out += [e.text for e in sorted(by_function.pop(name), key=_in_function)]
    if other:
        out.append(banner("Other entries, in pg_dump's order"))
        out += [e.text for e in other]
    out.append(trailer)
    placed = entries_of(out)
    assert placed == len(entries), f"{len(entries)} entries in the dump, {placed} placed"
    return "".join(out)


def home(
    entry: Entry,
    tables: set[tuple[str, str]],
    index_tables: dict[tuple[str, str], tuple[str, str]],
) -> tuple[str, tuple[str, str]]:
    """Where an entry goes: ("table" | "function", its schema and name), or "preamble" or
    "other"."""
    kind, name, schema = entry.type, entry.name, entry.schema
    nowhere = ("other", ("", ""))
    if kind in RELATIONS or kind == "ROW SECURITY":
        return "table", (schema, name)
    if kind in ROUTINES:
        return "function", (schema, name.split("(")[0])
    if kind == "INDEX":
        return ("table", index_tables[schema, name]) if (schema, name) in index_tables else nowhere
    if kind in ("SEQUENCE", "SEQUENCE OWNED BY"):
        table = _table_in(IDENTITY_TABLE, entry.text) or _table_in(OWNED_BY_TABLE, entry.text)
        return ("table", table) if table else ("preamble", ("", ""))
    if kind in ("ACL", "COMMENT"):
        return _target(name, schema, index_tables)
    if kind in PREAMBLE:
        return "preamble", ("", "")
    # The other entries of a table are tagged "<table> <name>" (constraints, triggers,
    # policies, defaults, rules).
    owners = [t for t in tables if t[0] == schema and name.startswith(f"{t[1]} ")]
    return ("table", max(owners, key=lambda t: len(t[1]))) if owners else nowhere


def _target(
    name: str, schema: str, index_tables: dict[tuple[str, str], tuple[str, str]]
) -> tuple[str, tuple[str, str]]:
    """Where a grant or a comment goes: beside the object it is on ("TABLE users", "COLUMN
    users.id", "FUNCTION f(…)", "POLICY p ON t", "INDEX i", "SCHEMA app", …)."""
    what = next((w for w in ON_WHAT if name.startswith(f"{w} ")), "")
    rest = name[len(what) + 1 :]
    if what in RELATIONS or what == "COLUMN":
        first = re.match(IDENT, rest)
        return "table", (schema, unquote(first[0] if first else rest))
    if what in ROUTINES:
        return "function", (schema, unquote(rest.split("(")[0]))
    if what == "INDEX" and (schema, unquote(rest)) in index_tables:
        return "table", index_tables[schema, unquote(rest)]
    if " ON " in rest:
        return "table", (schema, unquote(rest.rsplit(" ON ", 1)[1]))
    return "preamble", ("", "")


ON_WHAT = sorted(
    {*RELATIONS, *ROUTINES, *PREAMBLE, "COLUMN", "INDEX", "POLICY", "TRIGGER", "CONSTRAINT"},
    key=len,
    reverse=True,
)


def _table_in(pattern: re.Pattern[str], text: str) -> tuple[str, str] | None:
    found = pattern.search(text)
    return (unquote(found[1]), unquote(found[2])) if found else None


def _in_table(entry: Entry) -> int:
    return TABLE_ORDER.get(entry.type, 7)


def _in_function(entry: Entry) -> int:
    return {"COMMENT": 1, "ACL": 2}.get(entry.type, 0)


def banner(*lines: str) -> str:
    return RULE + "".join(f"-- {line}\n" if line else "--\n" for line in lines) + RULE + "\n"


def entries_of(texts: Iterable[str]) -> int:
    """How many of pg_dump's entries the texts hold (an entry's text starts with its header)."""
    return sum(text.startswith("--\n-- Name: ") for text in texts)
