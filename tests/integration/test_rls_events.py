"""Row-level security of events and webhooks on its own: the identity sealed by the
superuser, then the API's role — the route guard, the service check and ``app.act_as``
all bypassed. Staff read their organization's events; only admins read or write webhooks,
their deliveries and attempts; nobody writes an event but the changes' triggers."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import psycopg
import pytest
from psycopg.errors import InsufficientPrivilege

from domain.services import events
from domain.webhooks import WebhookRequest, check_url
from persistence.database import libpq_url
from persistence.uow import SqlUnitsOfWork
from tests.support.identity import sealed_as_api
from tests.support.jobs import submit
from tests.support.orgs import Org
from tests.support.servers import Servers

TABLES = ("events", "webhooks", "webhook_deliveries")


def _visible(servers: Servers, org: Org, user: object, role: str) -> dict[str, int]:
    with psycopg.connect(libpq_url(servers.superuser_url)) as conn:
        sealed_as_api(conn, user, org.id, role)
        return {
            t: conn.execute(f"select count(*) from {t}").fetchone()[0]  # type: ignore[index]
            for t in TABLES
        }


@pytest.fixture
def hooked(uows: SqlUnitsOfWork, org: Org) -> Org:
    """An organization with a webhook, a job (its event) and so a delivery."""
    request = WebhookRequest(url="http://127.0.0.1:9/hook", types=["*"])
    events.create_webhook(
        uows, org.admin, request, check_url=lambda u: check_url(u, allow_private=True)
    )
    submit(uows, org, org.peer_mentors[:1])
    return org


def test_staff_see_their_events_and_only_admins_see_webhooks(
    servers: Servers, hooked: Org, other_org: Org
) -> None:
    org = hooked
    assert _visible(servers, org, org.admin.user_id, "admin") == dict.fromkeys(TABLES, 1)
    assert _visible(servers, org, org.coordinator.user_id, "coordinator") == {
        "events": 1,
        "webhooks": 0,
        "webhook_deliveries": 0,
    }
    mentor = org.peer_mentors[0]
    assert _visible(servers, org, mentor, "peer_mentor") == dict.fromkeys(TABLES, 0)
    theirs = other_org.admin.user_id
    assert _visible(servers, other_org, theirs, "admin") == dict.fromkeys(TABLES, 0)


def _as_api(servers: Servers, org: Org, user: object, role: str, statement: str) -> None:
    with psycopg.connect(libpq_url(servers.superuser_url)) as conn:
        sealed_as_api(conn, user, org.id, role)
        conn.execute(statement, {"id": uuid4(), "org": org.id})


@pytest.mark.parametrize(
    "statement",
    [
        "insert into events (id, org_id, type, data) values ('evt_x', %(org)s, 'anomaly.opened', '{}')",
        "select app.emit_event(%(org)s, 'anomaly.opened', '{}')",
        "update webhook_deliveries set status = 'delivered'",
    ],
)
def test_no_one_writes_an_event_or_marks_a_delivery_sent_but_the_stack(
    servers: Servers, hooked: Org, statement: str
) -> None:
    with pytest.raises(InsufficientPrivilege):
        _as_api(servers, hooked, hooked.admin.user_id, "admin", statement)


def test_no_one_reads_a_webhooks_secret_back_through_the_api_role(
    servers: Servers, hooked: Org
) -> None:
    with pytest.raises(InsufficientPrivilege):
        _as_api(servers, hooked, hooked.admin.user_id, "admin", "select secret from webhooks")


def test_a_coordinator_cannot_add_a_webhook_even_with_the_route_and_service_bypassed(
    servers: Servers, org: Org
) -> None:
    statement = """insert into webhooks (id, org_id, url, types, secret)
                   values (%(id)s, %(org)s, 'http://127.0.0.1:9/x', '{*}', 'whsec_x')"""
    with pytest.raises(InsufficientPrivilege):  # refused by the admin-only policy
        _as_api(servers, org, org.coordinator.user_id, "coordinator", statement)
    _as_api(servers, org, org.admin.user_id, "admin", statement)  # an admin's passes


def test_an_admin_cannot_add_a_webhook_to_another_organization(
    servers: Servers, org: Org, other_org: Org
) -> None:
    statement: Any = f"""insert into webhooks (id, org_id, url, types, secret)
                        values (%(id)s, '{other_org.id}', 'http://127.0.0.1:9/x', '{{*}}', 'w')"""
    with pytest.raises(InsufficientPrivilege):
        _as_api(servers, org, org.admin.user_id, "admin", statement)
