"""Every statement that changes a job's status is an edge of the state machine
(``domain.jobs.TRANSITIONS``), says so, and lives in ``persistence/lifecycle.py``.

The checks read the SQL itself — the status an UPDATE sets, the statuses its WHERE admits,
the status an INSERT writes — rather than trusting each statement's declaration, so a
statement edited without its declaration, or a declaration off the state machine, fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from domain.jobs import INITIAL, TRANSITIONS
from domain.model import JobStatus
from persistence import lifecycle
from persistence.lifecycle import Transition
from persistence.wire import Sql, sql

ROOT = Path(__file__).resolve().parents[2]
QUEUED, RUNNING, SUCCEEDED = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED

UPDATE = re.compile(r"\bupdate\s+bulk_jobs\s+set\b", re.IGNORECASE)
INSERT = re.compile(r"\binsert\s+into\s+bulk_jobs\s*\(([^)]*)\)\s*values\s*\(", re.IGNORECASE)
STATUS_TEST = re.compile(
    r"(?<![\w.])(?:\w+\.)?status\s*(?:(=)\s*('[^']*'|:\w+|any\b|\S+)|(in)\s*\(([^)]*)\))",
    re.IGNORECASE,
)
STATUS_SET = re.compile(r"(?<![\w.])status\s*=\s*('[^']*'|[^,\s]+)", re.IGNORECASE)


@dataclass(frozen=True)
class StatusWrite:
    """What one UPDATE or INSERT of ``bulk_jobs`` does to ``status``, as its SQL says.

    ``target`` is the literal status set (or the expression, when it is not a literal);
    ``sources`` the literal statuses its WHERE admits; ``unreadable`` the status
    conditions that are not literals (bound, or ``any(...)``)."""

    kind: str
    target: str
    sources: frozenset[str]
    unreadable: tuple[str, ...] = ()


def _clause(text: str, start: int, ends: tuple[str, ...]) -> tuple[str, int]:
    """The text from ``start`` up to a top-level keyword of ``ends`` or the parenthesis
    that closes the statement (a CTE's), and where it stopped."""
    depth = 0
    i = start
    while i < len(text):
        char = text[i]
        if char == "'":
            i = text.index("'", i + 1) + 1
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                break
        elif depth == 0:
            found = next((e for e in ends if re.match(rf"{e}\b", text[i:], re.I)), None)
            if found and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
                break
        i += 1
    return text[start:i], i


def _value(token: str) -> str:
    return token[1:-1] if token.startswith("'") else token


def status_writes(text: str) -> list[StatusWrite]:
    """Every write of ``bulk_jobs.status`` in one statement's SQL."""
    writes = []
    for match in UPDATE.finditer(text):
        assignments, stop = _clause(text, match.end(), ("where",))
        condition, _ = _clause(text, stop, ("returning",))
        targets = [_value(t) for t in STATUS_SET.findall(assignments)]
        if not targets:
            continue
        sources: set[str] = set()
        unreadable: list[str] = []
        for equals, operand, _in, listed in STATUS_TEST.findall(condition):
            operands = [operand] if equals else [o.strip() for o in listed.split(",")]
            for o in operands:
                if o.startswith("'"):
                    sources.add(_value(o))
                else:
                    unreadable.append(o)
        writes.append(StatusWrite("update", ", ".join(targets), frozenset(sources), (*unreadable,)))
    for match in INSERT.finditer(text):
        columns = [c.strip().lower() for c in match.group(1).split(",")]
        if "status" in columns:
            values, _ = _clause(text, match.end(), ())
            parts = [p.strip() for p in _top_level_commas(values)]
            writes.append(
                StatusWrite("insert", _value(parts[columns.index("status")]), frozenset())
            )
    return writes


def _top_level_commas(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def violations(transition: Transition) -> list[str]:
    """What is wrong with this statement: it is not an edge of ``TRANSITIONS``, or its SQL
    does something else than its declaration says."""
    name, found = transition.name, []
    edges = {(s, t) for s, targets in TRANSITIONS.items() for t in targets}
    found += [f"{name}: {s} → {t} is not an edge" for s, t in transition.edges - edges]
    if transition.keeps - {transition.target}:
        found.append(f"{name}: keeps {set(transition.keeps)} yet sets {transition.target}")
    writes = status_writes(transition.statement.text)
    if len(writes) != 1:
        return [*found, f"{name}: writes a job's status {len(writes)} times, not once"]
    (write,) = writes
    if write.target not in {s.value for s in JobStatus}:
        found.append(f"{name}: sets status to {write.target}, not a status one can check")
    elif write.target != transition.target:
        found.append(f"{name}: sets {write.target}, declared {transition.target}")
    if write.kind == "insert":
        if transition.sources or transition.target is not INITIAL:
            found.append(f"{name}: a new job is {INITIAL}, not {transition.target}")
        return found
    if write.unreadable:
        found.append(f"{name}: its WHERE tests status against {list(write.unreadable)}")
    if not write.sources:
        found.append(f"{name}: moves a job from any status")
    declared = {s.value for s in transition.sources | transition.keeps}
    if write.sources != declared:
        found.append(f"{name}: its WHERE admits {sorted(write.sources)}, declared {declared}")
    return found


def writes_outside_lifecycle(source: str) -> list[str]:
    """UPDATEs and INSERTs of ``bulk_jobs`` in a module's text that set its status, or might:
    an interpolated SET clause or column list (``{...}``) cannot be read, so it counts."""
    found = []
    for match in UPDATE.finditer(source):
        assignments, _ = _clause(source, match.end(), ("where",))
        if re.search(r"\bstatus\b|\{", assignments, re.I):
            found.append(" ".join(source[match.start() : match.end() + 60].split()))
    for match in re.finditer(r"\binsert\s+into\s+bulk_jobs\b([^)]*)", source, re.I):
        if re.search(r"\bstatus\b|\{", match.group(1), re.I):
            found.append(" ".join(match.group(0)[:80].split()))
    return found


def _statements(value: Any, seen: list[Sql]) -> list[Sql]:
    if isinstance(value, Sql):
        seen.append(value)
    elif isinstance(value, Transition):
        seen.append(value.statement)
    elif isinstance(value, dict):
        for item in value.values():
            _statements(item, seen)
    elif isinstance(value, list | tuple):
        for item in value:
            _statements(item, seen)
    return seen


def module_statements(module: ModuleType) -> list[Sql]:
    return [s for value in vars(module).values() for s in _statements(value, [])]


def test_every_status_changing_statement_is_an_edge_of_the_state_machine() -> None:
    assert len(lifecycle.ALL) >= 5
    assert [v for transition in lifecycle.ALL for v in violations(transition)] == []


def test_every_status_write_of_the_module_is_declared_with_its_edges() -> None:
    writing = [s for s in module_statements(lifecycle) if status_writes(s.text)]
    declared = {transition.statement for transition in lifecycle.ALL}
    assert writing and [s.text for s in writing if s not in declared] == []
    assert len({t.name for t in lifecycle.ALL}) == len(lifecycle.ALL)


def test_a_save_updates_a_job_only_from_the_statuses_that_may_become_its_new_one() -> None:
    for target in JobStatus:
        legal = frozenset(s for s, targets in TRANSITIONS.items() if target in targets)
        for saves in (lifecycle.SAVE, lifecycle.SAVE_WITH_ITEMS):
            assert saves[target].sources == legal and saves[target].target is target
            (write,) = status_writes(saves[target].statement.text)
            assert write.sources == {s.value for s in legal}
    performed = {edge for transition in lifecycle.ALL for edge in transition.edges}
    assert performed == {(s, t) for s, targets in TRANSITIONS.items() for t in targets}


def test_no_other_persistence_module_writes_a_job_status() -> None:
    modules = [
        path
        for path in sorted((ROOT / "persistence").rglob("*.py"))
        if path.name != "lifecycle.py" and "migrations" not in path.parts
    ]
    assert len(modules) > 15
    writing = {
        str(path.relative_to(ROOT)): found
        for path in modules
        if (found := writes_outside_lifecycle(path.read_text()))
    }
    assert writing == {}


def test_the_checks_refuse_planted_statements() -> None:
    def planted(sources: set[JobStatus], target: JobStatus, text: str) -> list[str]:
        return violations(Transition("planted", frozenset(sources), target, sql(text)))

    skip_review = "update bulk_jobs set status = 'succeeded' where id = :id and status = 'queued'"
    assert planted({QUEUED}, SUCCEEDED, skip_review) == [
        "planted: queued → succeeded is not an edge"
    ]
    disagrees = "update bulk_jobs set status = 'queued' where status in ('running', 'needs_review')"
    assert "declared" in planted({RUNNING}, QUEUED, disagrees)[0]
    bound = "update bulk_jobs set status = :status, version = 2 where id = :id and status = :from"
    unreadable = " ".join(planted({RUNNING}, QUEUED, bound))
    assert "sets status to :status" in unreadable and "against [':from']" in unreadable
    anywhere = "update bulk_jobs set version = 1, status = 'failed' where id = :id"
    assert "from any status" in " ".join(planted({RUNNING}, JobStatus.FAILED, anywhere))
    born_running = "insert into bulk_jobs (id, status) values (:id, 'running')"
    assert planted(set(), RUNNING, born_running) == ["planted: a new job is queued, not running"]

    module = '''BACK = "status = 'queued'"
RELEASE = f"""update bulk_jobs set {BACK} where id = :id"""
FINISH = """update  bulk_jobs
    set finished_at = now(), status = 'succeeded' where id = :id"""
TOUCH = """update bulk_jobs set version = version + 1 where status = 'running'"""
ADD = "insert into bulk_jobs (id, status) values (:id, :status)"'''
    assert len(writes_outside_lifecycle(module)) == 3
