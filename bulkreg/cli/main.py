"""The ``bulkreg`` command: run the stack, onboard an organization, submit from a terminal."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from uuid import UUID

from sqlalchemy import Engine

from bulkreg.cli import email_link, exposure, onboarding, privacy
from bulkreg.devstack import demo, where
from bulkreg.devstack.where import owner_database_url
from bulkreg.foundation.settings import Settings, get_settings
from domain.languages import DEFAULT_LANGUAGE, Language
from domain.model import Role
from persistence import migrate
from persistence.database import make_engine
from persistence.provisioning import ProvisioningError

Command = Callable[[argparse.Namespace, Settings], int]

DESCRIPTION = "Run the bulkreg stack, set up organizations and submit bulk registrations."
EPILOG = (
    "submit and status exit with 0 when the job succeeded, 3 when it needs review, 4 (status "
    "only) while it is still queued or running, 1 when it failed, was cancelled or undone or "
    "anything went wrong, and 2 for a mistake in the command line."
)


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
        print(privacy.demo_hint(payload))
    return 0


@contextmanager
def owner_engine(settings: Settings) -> Iterator[Engine]:
    """The owner's engine on a database that answers (the embedded one started if needed)."""
    with where.database(settings):
        engine = make_engine(owner_database_url(settings), pool_size=1)
        try:
            yield engine
        finally:
            engine.dispose()


def provisioning(run: onboarding.Command) -> Command:
    """An onboarding command on the owner's engine; a problem is one line and exit 1."""

    def command(args: argparse.Namespace, settings: Settings) -> int:
        try:
            with owner_engine(settings) as engine:
                return run(args, engine, settings)
        except ProvisioningError as error:
            return onboarding.fail(str(error))

    return command


def cmd_submit(args: argparse.Namespace, settings: Settings) -> int:
    from bulkreg.cli import client

    return client.submit(args, settings)


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from bulkreg.cli import client

    return client.status(args, settings)


def _token_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--token",
        default=os.environ.get("BULKREG_TOKEN"),
        help="bearer token of a coordinator (default: $BULKREG_TOKEN)",
    )


def _org_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--org", required=True, help="the organization's id or exact name")


def _locale_option(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument(
        "--locale",
        choices=[language.value for language in Language],
        required=required,
        default=None if required else DEFAULT_LANGUAGE.value,
        help="the screen's language for its users who have not picked one (nb: bokmål)",
    )


def _ttl_option(p: argparse.ArgumentParser, default: int) -> None:
    p.add_argument("--ttl", type=int, default=default, help=f"seconds (default {default})")


def _day(text: str) -> date:
    """A ``--date`` argparse refuses in plain words (a usage error) unless it is YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD") from None


def _job_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a job id") from None


def _show_all_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--show-all", action="store_true", help="list every participant, not only those left out"
    )


def _describe(p: argparse.ArgumentParser) -> None:
    """Each command's --help opens with its one-line help, as the list of commands shows it."""
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, child in action.choices.items():
                if child.description is None:
                    child.description = helps.get(name)
                _describe(child)


def _group(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help: str
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """A command whose actions are subcommands: ``bulkreg org add``."""
    return sub.add_parser(name, help=help).add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bulkreg", description=DESCRIPTION, epilog=EPILOG)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("up", help="run the whole stack in the foreground").set_defaults(func=cmd_up)
    sub.add_parser("migrate", help="apply migrations (idempotent)").set_defaults(func=cmd_migrate)
    s = sub.add_parser("seed-demo", help="create the demo data if missing and print it")
    s.add_argument("--json", action="store_true", help="print it as JSON, with fresh tokens")
    s.add_argument(
        "--peer-mentors", type=int, default=30, help="active peer mentors of the first org"
    )
    s.set_defaults(func=cmd_seed_demo)

    t = sub.add_parser("token", help="print a bearer token for a user")
    t.add_argument("--user-id", type=UUID, help="the user's id")
    t.add_argument("--email", help="the user's email (with --org)")
    t.add_argument("--org", help="the organization's id or exact name (with --email)")
    _ttl_option(t, 3600)
    t.set_defaults(func=provisioning(onboarding.token))

    link = sub.add_parser("sign-in-link", help="print a single-use sign-in URL of the screen")
    link.add_argument("--email", required=True, help="the coordinator's email")
    _org_option(link)
    _ttl_option(link, 900)
    link.add_argument(
        "--send",
        action="store_true",
        help="email the link to the coordinator instead of printing it",
    )
    link.set_defaults(func=provisioning(email_link.sign_in_link))

    org = _group(sub, "org", "organizations")
    o = org.add_parser("add", help="create an organization and print its id")
    o.add_argument("--name", required=True, help="its name (unique)")
    o.add_argument("--timezone", required=True, help="an IANA time zone, e.g. Europe/Oslo")
    _locale_option(o, required=False)
    o.set_defaults(func=provisioning(onboarding.org_add))
    os_ = org.add_parser("set", help="change an organization's settings")
    _org_option(os_)
    _locale_option(os_, required=True)
    os_.set_defaults(func=provisioning(onboarding.org_set))

    user = _group(sub, "user", "users")
    u = user.add_parser("add", help="create a user and print their id")
    _org_option(u)
    u.add_argument("--role", required=True, choices=[r.value for r in Role], help="their role")
    u.add_argument("--name", required=True, help="their name as people see it")
    u.add_argument("--email", required=True, help="their email (unique in the organization)")
    u.add_argument("--member-number", help="their member number (unique in the organization)")
    u.add_argument(
        "--auth-subject", help="the subject (sub) an identity provider puts in their tokens"
    )
    u.set_defaults(func=provisioning(onboarding.user_add))
    d = user.add_parser("deactivate", help="deactivate a user: their tokens stop working")
    _org_option(d)
    d.add_argument("--email", required=True, help="their email")
    d.set_defaults(func=provisioning(onboarding.user_deactivate))

    types = _group(sub, "activity-type", "activity types")
    a = types.add_parser("add", help="add an activity type to an organization")
    _org_option(a)
    a.add_argument("--code", required=True, help="its code, as submissions name it")
    a.add_argument("--name", required=True, help="its name, as people read it")
    a.set_defaults(func=provisioning(onboarding.activity_type_add))

    roster = _group(sub, "roster", "the peer mentors of an organization")
    r = roster.add_parser("import", help="create or update peer mentors from a CSV, by email")
    r.add_argument("file", help="CSV with name, email, optional member_number and active")
    _org_option(r)
    r.set_defaults(func=provisioning(onboarding.roster_import))

    audit = _group(sub, "audit", "for incident responders")
    e = audit.add_parser(
        "exposure", help="every activity written in a window, misattributed ones marked"
    )
    _org_option(e)
    e.add_argument("--from", dest="since", type=exposure.moment, required=True,
                   help="start of the window, RFC 3339 (inclusive)")  # fmt: skip
    e.add_argument("--to", type=exposure.moment, required=True,
                   help="end of the window, RFC 3339 (exclusive)")  # fmt: skip
    e.add_argument("--registered-by", type=UUID, help="only this registrar's records")
    e.add_argument(
        "--format", choices=["csv", "json"], default="csv", help="csv (the default) or json"
    )
    e.add_argument(
        "--open-anomalies",
        action="store_true",
        help="file the marked records as misattributed_records anomalies",
    )
    e.set_defaults(func=provisioning(exposure.run))

    privacy.register(sub, provisioning)
    b = sub.add_parser(
        "submit",
        help="submit a bulk registration from a CSV file, follow it and sum it up",
        epilog="The full results are saved next to the file as NAME.results.csv. " + EPILOG,
    )
    b.add_argument("file", help="CSV naming one participant per line: peer_mentor_id, email "
                   "or member_number, optionally override_duplicate")  # fmt: skip
    b.add_argument(
        "--activity-type", required=True, metavar="CODE", help="the activity type's code"
    )
    b.add_argument(
        "--date", type=_day, required=True, metavar="YYYY-MM-DD", help="when it happened"
    )
    b.add_argument(
        "--duration", type=int, required=True, metavar="MINUTES", help="minutes, 1 to 1440"
    )
    b.add_argument("--notes", help="notes for every participant's record")
    b.add_argument(
        "--on-conflict",
        choices=["review", "skip", "fail"],
        default="review",
        help="when someone already has this activity that day: review (stop and wait for a "
        "person, the default), skip them, or fail the whole job",
    )
    _show_all_option(b)
    _token_option(b)
    b.set_defaults(func=cmd_submit)
    st = sub.add_parser(
        "status",
        help="sum up a bulk registration: its state, counts and who was left out",
        epilog="The full results file's address is printed at the end. " + EPILOG,
    )
    st.add_argument(
        "job_id", type=_job_id, metavar="JOB_ID", help="the job's id, as submit printed it"
    )
    _show_all_option(st)
    _token_option(st)
    st.set_defaults(func=cmd_status)
    _describe(p)
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if "token" in args and args.func in (cmd_submit, cmd_status) and not args.token:
        p.error("give --token or set BULKREG_TOKEN")
    return int(args.func(args, get_settings()))


if __name__ == "__main__":
    sys.exit(main())
