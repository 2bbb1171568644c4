"""Onboarding from the terminal: organizations, their people and activity types, rosters,
tokens and sign-in links (docs/api.md, "CLI"). Each command works on the owner's engine, which the
CLI opens (``bulkreg.cli.main``), prints one clear line on success, and on a problem one clear
message per problem and exit status 1, with nothing written."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError
from sqlalchemy import Engine

from bulkreg import tokens
from bulkreg.foundation.settings import Settings
from domain.csvfiles import Table, flag
from domain.errors import ValidationFailed
from domain.explain import explained, field_errors
from domain.model import Email, MemberNumber, Role
from domain.rules import NewActivityTypeCode
from domain.text import one_line
from persistence import provisioning
from persistence.provisioning import ProvisioningError, RosterLine

Command = Callable[[argparse.Namespace, Engine, Settings], int]
CHECKS: dict[str, TypeAdapter[str]] = {
    "email": TypeAdapter(Email),
    "member_number": TypeAdapter(MemberNumber),
    "code": TypeAdapter(NewActivityTypeCode),
}
ROSTER_COLUMNS = ("name", "email", "member_number", "active")


def fail(message: str) -> int:
    print(f"bulkreg: {message}", file=sys.stderr)
    return 1


def problem(field: str, value: str) -> str | None:
    """What is wrong with an option's value, in plain words (``domain.explain``)."""
    try:
        CHECKS[field].validate_python(value)
    except ValidationError as error:
        return f"--{field.replace('_', '-')} '{value}': {field_errors(error, (field,))[0].msg}"
    return None


def _why_not(value: str) -> str | None:
    """Why a name cannot be one: empty, or it holds a character that cannot be seen."""
    if not value.strip():
        return str(explained("string_too_short", (), {"min_length": 1}))
    try:
        one_line(value)
    except PydanticCustomError as refused:
        return str(explained(refused.type, (), refused.context))
    return None


def _text(value: str, option: str) -> str | None:
    return f"{option}: {why}" if (why := _why_not(value)) else None


def org_add(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return fail(f"--timezone '{args.timezone}' is not a time zone (e.g. Europe/Oslo)")
    if message := _text(args.name, "--name"):
        return fail(message)
    print(provisioning.add_org(engine, args.name.strip(), args.timezone, args.locale))
    return 0


def org_set(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    provisioning.set_org_locale(engine, provisioning.find_org(engine, args.org), args.locale)
    return 0


def user_add(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    problems = [
        p
        for p in (
            _text(args.name, "--name"),
            problem("email", args.email),
            problem("member_number", args.member_number) if args.member_number else None,
            _text(args.auth_subject, "--auth-subject") if args.auth_subject is not None else None,
        )
        if p
    ]
    for found in problems:
        fail(found)  # one line each
    if problems:
        return 1
    user_id = provisioning.add_user(
        engine,
        provisioning.find_org(engine, args.org),
        role=Role(args.role),
        name=args.name.strip(),
        email=args.email,
        member_number=args.member_number,
        auth_subject=args.auth_subject,
    )
    print(user_id)
    return 0


def user_deactivate(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    user_id = provisioning.deactivate_user(
        engine, provisioning.find_org(engine, args.org), args.email
    )
    print(f"{user_id} deactivated: their tokens no longer work")
    return 0


def activity_type_add(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    if message := problem("code", args.code) or _text(args.name, "--name"):
        return fail(message)
    provisioning.add_activity_type(
        engine, provisioning.find_org(engine, args.org), args.code, args.name.strip()
    )
    print(f"activity type {args.code} added")
    return 0


def read_roster(path: str) -> list[RosterLine]:
    """The roster file, every bad line reported (``ValidationFailed``)."""
    try:
        with open(path, "rb") as handle:
            table = Table(handle.read(), where=())
    except OSError as error:
        raise ProvisioningError(f"{path}: {error.strerror}") from None
    if table.columns:
        table.require(ROSTER_COLUMNS, needs=("name", "email"))
    table.check_header()
    lines: list[RosterLine] = []
    first: dict[tuple[str, str], int] = {}
    for line in table.lines:
        values = line.values
        name, email = values.get("name", ""), values.get("email", "")
        member = values.get("member_number") or None
        active = flag(table, line, "active") if values.get("active") else True
        if not name:
            table.problem(line.number, "name", "The name is empty: write the person's name.")
        elif found := _why_not(name):
            table.problem(line.number, "name", found)
        for column, value in (("email", email), ("member_number", member)):
            if value is None:
                continue
            try:
                CHECKS[column].validate_python(value)
            except ValidationError as error:
                table.invalid(line.number, column, error)
                continue
            seen = first.setdefault((column, value.lower()), line.number)
            if seen != line.number:
                same = f"This is the same as on line {seen}: give each person once."
                table.problem(line.number, column, same, "duplicate")
        lines.append(RosterLine(line.number, name, email, member, bool(active)))
    table.check()
    return lines


def roster_import(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    try:
        lines = read_roster(args.file)
    except ValidationFailed as failed:
        for error in failed.errors:
            _, line, *column = error.loc
            where = f"line {line}" + (f", {column[0]}" if column else "")
            print(f"bulkreg: {args.file}: {where}: {error.msg}", file=sys.stderr)
        return 1
    changes = provisioning.import_roster(engine, provisioning.find_org(engine, args.org), lines)
    print(f"created {changes.created}, updated {changes.updated}, unchanged {changes.unchanged}")
    return 0


def token(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    if not 0 < args.ttl <= settings.max_token_ttl_seconds:
        return fail(
            f"--ttl must be 1 to {settings.max_token_ttl_seconds} seconds "
            "(BULKREG_MAX_TOKEN_TTL_SECONDS): the API refuses longer-lived tokens"
        )
    if args.user_id is not None:
        found = provisioning.find_user_by_id(engine, args.user_id)
    elif args.email and args.org:
        found = provisioning.find_user(engine, provisioning.find_org(engine, args.org), args.email)
    else:
        return fail("name the user by --user-id, or by --email and --org")
    print(tokens.issue(found, settings.signing_secret(), args.ttl))
    return 0


def sign_in_link(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    if not 0 < args.ttl <= settings.max_token_ttl_seconds:
        return fail(f"--ttl must be 1 to {settings.max_token_ttl_seconds} seconds")
    user = provisioning.find_user(engine, provisioning.find_org(engine, args.org), args.email)
    link = provisioning.sign_in_link(engine, user, args.ttl)
    # The secret travels in the fragment: browsers do not send it, so no access log has it.
    print(f"http://{settings.api_host}:{settings.api_port}/ui/sign-in#{link}")
    return 0
