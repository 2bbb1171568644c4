"""The ``bulkreg`` command."""

from __future__ import annotations

import argparse
import json
import sys
from uuid import UUID

from api import tokens
from bulkreg.devstack import demo, where
from bulkreg.devstack.where import owner_database_url
from bulkreg.settings import Settings, get_settings
from domain.model import Principal, Role
from persistence import migrate, seed
from persistence.database import make_engine


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    from bulkreg.devstack import stack  # the supervisor: a dev dependency (supervisor)

    return stack.up(settings)


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    with where.database(settings):
        migrate.upgrade(owner_database_url(settings))
    print("migrations applied")
    return 0


def cmd_seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    with where.database(settings):
        migrate.upgrade(owner_database_url(settings))
        payload = demo.demo_payload(settings, args.peer_mentors)
    if args.json:
        json.dump(payload, sys.stdout)
        print()
    else:
        for org in payload["organizations"]:
            print(f"{org['name']} ({org['id']}): {len(org['peer_mentors'])} peer mentors")
    return 0


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    if not 0 < args.ttl <= settings.max_token_ttl_seconds:
        print(
            f"bulkreg: --ttl must be 1 to {settings.max_token_ttl_seconds} seconds "
            "(BULKREG_MAX_TOKEN_TTL_SECONDS): the API refuses longer-lived tokens",
            file=sys.stderr,
        )
        return 1
    with where.database(settings):
        engine = make_engine(owner_database_url(settings), pool_size=1)
        try:
            found = seed.user_record(engine, args.user_id)
        finally:
            engine.dispose()
    if found is None:
        print(f"bulkreg: no user {args.user_id}", file=sys.stderr)
        return 1
    org_id, role = found
    print(
        tokens.issue(
            Principal(args.user_id, org_id, Role(role)), settings.signing_secret(), args.ttl
        )
    )
    return 0


def cmd_submit(args: argparse.Namespace, settings: Settings) -> int:
    from bulkreg import client

    return client.submit(args, settings)


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from bulkreg import client

    return client.status(args, settings)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bulkreg", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="run the whole stack in the foreground").set_defaults(func=cmd_up)
    sub.add_parser("migrate", help="apply migrations").set_defaults(func=cmd_migrate)
    s = sub.add_parser("seed-demo", help="create the demo data if missing and print it")
    s.add_argument("--json", action="store_true")
    s.add_argument("--peer-mentors", type=int, default=30)
    s.set_defaults(func=cmd_seed_demo)
    t = sub.add_parser("token", help="print a bearer token for a user")
    t.add_argument("--user-id", type=UUID, required=True)
    t.add_argument("--ttl", type=int, default=3600)
    t.set_defaults(func=cmd_token)
    b = sub.add_parser("submit", help="submit a bulk registration from a CSV of peer_mentor_id")
    b.add_argument("file")
    b.add_argument("--activity-type", required=True)
    b.add_argument("--date", required=True)
    b.add_argument("--duration", type=int, required=True)
    b.add_argument("--notes")
    b.add_argument("--on-conflict", choices=["review", "skip", "fail"], default="review")
    b.add_argument("--token", required=True)
    b.set_defaults(func=cmd_submit)
    st = sub.add_parser("status", help="print a bulk registration's status")
    st.add_argument("job_id")
    st.add_argument("--token", required=True)
    st.set_defaults(func=cmd_status)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args, get_settings()))


if __name__ == "__main__":
    sys.exit(main())
