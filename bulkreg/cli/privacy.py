"""``bulkreg person export|erase`` and ``bulkreg retention``: the operator's side of personal
data (docs/privacy.md), as the schema's owner."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from bulkreg import composition_root
from bulkreg.foundation.settings import Settings
from domain.errors import DomainError
from domain.services import privacy
from persistence import provisioning
from persistence.privacy import SqlPersonalData, SqlRetention, find_person
from persistence.provisioning import ProvisioningError

Run = Callable[[argparse.Namespace, Engine, Settings], int]
Wrap = Callable[[Run], Callable[[argparse.Namespace, Settings], int]]


def _person(engine: Engine, args: argparse.Namespace) -> Any:
    org_id = provisioning.find_org(engine, args.org)
    found = find_person(engine, org_id, args.email)
    if found is None:
        raise ProvisioningError(f"no person with email {args.email} in this organization")
    return found


def export(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    document = SqlPersonalData(engine).export(None, _person(engine, args))
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2, default=str)
    print()
    return 0


def erase(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    user_id = _person(engine, args)
    try:
        reason = privacy.check_reason(args.reason)
        pseudonym = privacy.answered(SqlPersonalData(engine).erase(None, user_id, reason))
    except DomainError as error:
        raise ProvisioningError(str(error)) from None
    print(f"{args.email} erased: now {pseudonym} ({user_id}), deactivated")
    return 0


def retention(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    keep = composition_root.retention_days(settings)
    store = SqlRetention(engine, maintenance=False)
    if args.dry_run:
        counts = privacy.preview(store, keep)
        print("A run now would delete:")
    else:
        counts = privacy.expire(store, keep)
        print("Deleted:")
    for kind, count in counts.items():
        print(f"  {count:>9,} {keep.words(kind)}")
    return 0


def demo_hint(payload: dict[str, Any]) -> str:
    """What ``seed-demo`` says about personal data: the operator's three commands, for the
    demo's former peer mentor (or, once they are erased, another)."""
    org = payload["organizations"][0]
    people = sorted(org["peer_mentors"], key=lambda p: p["active"])  # the former one first
    email = next((p["email"] for p in people if p["email"]), "EMAIL")
    where = f'--org "{org["name"]}" --email {email}'
    return (
        "A person's data (docs/privacy.md):\n"
        f"  bulkreg person export {where}\n"
        f'  bulkreg person erase {where} --reason "asked to be forgotten"\n'
        "  bulkreg retention --dry-run"
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], wrap: Wrap) -> None:
    """``person export``, ``person erase`` and ``retention``; ``wrap`` runs a command on the
    owner's engine and turns a ``ProvisioningError`` into one line and exit 1."""
    person = sub.add_parser("person", help="a person's data: export it or erase it")
    actions = person.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, run, help in (
        ("export", export, "print everything held about a person as JSON"),
        ("erase", erase, "replace a person's name, email and member number by a pseudonym"),
    ):
        p = actions.add_parser(name, help=help)
        p.add_argument("--org", required=True, help="the organization's id or exact name")
        p.add_argument("--email", required=True, help="the person's email")
        if name == "erase":
            p.add_argument("--reason", required=True, help="why (kept in the audit log)")
        p.set_defaults(func=wrap(run))
    r = sub.add_parser("retention", help="delete what is no longer needed (see docs/privacy.md)")
    r.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    r.set_defaults(func=wrap(retention))
