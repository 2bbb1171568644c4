"""``bulkreg sign-in-link --send``: the link goes to its coordinator by email, through the
mail outbox the relay sends (docs/api.md, "Signing in and hearing back"), instead of being
printed. Without ``--send`` the link is printed (``bulkreg.cli.onboarding.sign_in_link``)."""

from __future__ import annotations

import argparse

from sqlalchemy import Engine, text

from bulkreg.cli import onboarding
from bulkreg.devstack.where import api_database_url
from bulkreg.foundation.settings import Settings
from domain.services import email_sign_in, mail
from persistence import provisioning
from persistence.database import make_engine
from persistence.uow import SqlUnitsOfWork

NAME = text("select name from organizations where id = :org")


def sign_in_link(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    if not args.send:
        return onboarding.sign_in_link(args, engine, settings)
    if not 0 < args.ttl <= settings.max_token_ttl_seconds:
        return onboarding.fail(f"--ttl must be 1 to {settings.max_token_ttl_seconds} seconds")
    org = provisioning.find_org(engine, args.org)
    user = provisioning.find_user(engine, org, args.email)
    link = provisioning.sign_in_link(engine, user, args.ttl)
    with engine.connect() as conn:
        name = str(conn.execute(NAME, {"org": org}).scalar_one())
    url = email_sign_in.sign_in_url(settings.links_base, link)
    # The email is written as the API writes it: under the coordinator's own identity.
    api = make_engine(api_database_url(settings), pool_size=1)
    try:
        uows = SqlUnitsOfWork(api, lambda _job: None)
        minutes = max(1, args.ttl // 60)
        email_sign_in.send_sign_in_link(uows, mail.enqueue_email, user, url, minutes, name)
    finally:
        api.dispose()
    print(f"A sign-in link is on its way to {args.email}.")
    return 0
