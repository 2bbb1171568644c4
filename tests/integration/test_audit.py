"""When a role check fails anyway: role history, misattributed records found by the
reconciler, the exposure report, the audit log of every write path, and activity windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Engine, text

from domain.errors import Forbidden
from domain.model import (
    ActivityDraft,
    AnomalyAction,
    AnomalyKind,
    Decision,
    ProxyRegistration,
    Role,
    Source,
)
from domain.ports.activities import ActivityFilter
from domain.ports.audit import AuditFilter
from domain.rules import Limits
from domain.services import activities, anomalies, audit, bulk, maintenance, proxy
from persistence import exposure, provisioning
from persistence.provisioning import RosterLine
from persistence.uow import SqlUnitsOfWork
from tests.support.jobs import process, submit
from tests.support.orgs import Org, yesterday


def plant(engine: Engine, org: Org, participant: UUID, registrar: UUID, days: int) -> UUID:
    """An activity written behind the application's back, by a superuser: row-level
    security refuses it to every role of the stack, the owner's included (the point of
    the exercise)."""
    planted = uuid4()
    with engine.begin() as conn:
        conn.execute(
            text(
                """insert into activities (id, org_id, peer_mentor_id, activity_type,
                       occurred_on, duration_minutes, registered_by, source)
                   values (:id, :org, :pm, 'phone_call', current_date - :days, 5, :by,
                           'proxy')"""
            ),
            {"id": planted, "org": org.id, "pm": participant, "by": registrar, "days": days},
        )
    return planted


def set_role(owner_engine: Engine, user: UUID, role: str) -> None:
    with owner_engine.begin() as conn:
        conn.execute(text("update users set role = :r where id = :id"), {"r": role, "id": user})


def test_misattributed_records_are_found_once_marked_in_the_report_and_resolvable(
    uows: SqlUnitsOfWork, org: Org, owner_engine: Engine, superuser_engine: Engine
) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    mentor, other, promoted = org.peer_mentors[:3]
    # A coordinator's proxy registration, then the coordinator is demoted: still theirs to
    # have written, by their role at the time.
    fair = proxy.register(
        uows,
        org.coordinator2,
        ProxyRegistration(
            peer_mentor_id=mentor,
            activity=ActivityDraft(
                activity_type="home_visit", occurred_on=yesterday(), duration_minutes=5
            ),
        ),
        limits=Limits(),
    )
    set_role(owner_engine, org.coordinator2.user_id, "peer_mentor")
    own = plant(superuser_engine, org, other, other, 3)  # a peer mentor's own record: fine
    wrong = plant(superuser_engine, org, mentor, other, 4)  # a peer mentor registering for another
    before_promotion = plant(superuser_engine, org, mentor, promoted, 5)
    set_role(owner_engine, promoted, "coordinator")
    after_promotion = plant(superuser_engine, org, other, promoted, 6)
    end = datetime.now(UTC) + timedelta(seconds=1)

    assert maintenance.reconcile(uows) >= 1
    found = [
        a
        for a in anomalies.list_anomalies(uows, org.coordinator, None)
        if a.kind is AnomalyKind.MISATTRIBUTED_RECORDS
    ]
    assert len(found) == 1 and found[0].bulk_job_id is None
    assert set(found[0].activity_ids) == {wrong, before_promotion}
    maintenance.reconcile(uows)  # once: not raised again
    again = [
        a
        for a in anomalies.list_anomalies(uows, org.coordinator, None)
        if a.kind is AnomalyKind.MISATTRIBUTED_RECORDS
    ]
    assert [a.id for a in again] == [found[0].id]

    report = exposure.report(owner_engine, org.id, start, end, None)
    marked = {e.activity_id for e in report if e.misattributed}
    assert marked == {wrong, before_promotion}
    assert {e.activity_id for e in report} >= {fair.id, own, after_promotion}
    roles = {e.activity_id: e.registrar_role for e in report}
    assert roles[fair.id] == "coordinator" and roles[before_promotion] == "peer_mentor"
    assert roles[after_promotion] == "coordinator"
    clean = exposure.report(owner_engine, org.id, end, end + timedelta(hours=1), None)
    assert not any(e.misattributed for e in clean)
    assert {e.activity_id for e in exposure.report(owner_engine, org.id, start, end, other)} == {
        own,
        wrong,
    }

    anomalies.resolve(
        uows,
        org.coordinator,
        found[0].id,
        action=AnomalyAction.DELETE_RECORDS,
        reason="written by a peer mentor during the exposure window",
    )
    deleted = activities.list_activities(
        uows,
        org.coordinator,
        ActivityFilter(include_deleted=True, source=Source.PROXY),
        None,
        200,
    )
    gone = {a.id: a for a in deleted.items if a.deleted_at is not None}
    assert set(gone) == {wrong, before_promotion}
    assert gone[wrong].deleted_by == org.coordinator.user_id
    live = activities.list_activities(uows, org.coordinator, ActivityFilter(), None, 200)
    assert not {wrong, before_promotion} & {a.id for a in live.items}
    with pytest.raises(Forbidden):
        activities.list_activities(
            uows, org.principal(mentor), ActivityFilter(include_deleted=True), None, 10
        )
    assert not any(e.misattributed for e in exposure.report(owner_engine, org.id, start, end, None))


def test_role_history_keeps_every_period(org: Org, owner_engine: Engine) -> None:
    user = org.peer_mentors[5]
    set_role(owner_engine, user, "coordinator")
    provisioning.deactivate_user(owner_engine, org.id, Org.email(user))
    with owner_engine.connect() as conn:
        periods = conn.execute(
            text(
                "select role, active, valid_to is null as current from user_roles "
                "where user_id = :u order by valid_from"
            ),
            {"u": user},
        ).all()
    assert [tuple(p) for p in periods] == [
        ("peer_mentor", True, False),
        ("coordinator", True, False),
        ("coordinator", False, True),
    ]


def test_every_write_path_leaves_its_entry_and_only_admins_read_them(
    uows: SqlUnitsOfWork, org: Org, owner_engine: Engine, api_engine: Engine
) -> None:
    mentors = org.peer_mentors[6:9]
    job_id = submit(uows, org, mentors)
    process(uows, job_id)
    cancelled = submit(uows, org, mentors[:1], on_conflict="review")
    process(uows, cancelled)  # a conflict with the first job: in review
    bulk.resolve(
        uows, org.coordinator, cancelled, decisions=[(mentors[0], Decision.CANCEL)], default=None
    )
    to_cancel = submit(uows, org, org.peer_mentors[9:10])
    bulk.cancel(uows, org.coordinator, to_cancel)
    registered = proxy.register(
        uows,
        org.coordinator,
        ProxyRegistration(
            email=Org.email(org.peer_mentors[10]),
            activity=ActivityDraft(
                activity_type="phone_call", occurred_on=yesterday(), duration_minutes=5
            ),
        ),
        limits=Limits(),
    )
    provisioning.import_roster(
        owner_engine, org.id, [RosterLine(2, "Nora", "nora@example.org", None, True)]
    )
    provisioning.add_user(
        owner_engine, org.id, role=Role.COORDINATOR, name="New", email="new@example.org"
    )

    page = audit.entries(uows, org.admin, AuditFilter(), None, 200)
    seen = {(e.action, e.target) for e in page.items}
    assert {
        ("bulk_job.submit", f"bulk_job:{job_id}"),
        ("bulk_job.decision.cancel", f"bulk_job:{cancelled}"),
        ("bulk_job.cancel", f"bulk_job:{to_cancel}"),
        ("activity.proxy", f"activity:{registered.id}"),
    } <= seen
    actions = [e.action for e in page.items]
    assert "roster.create" in actions and "user.add" in actions
    cli = next(e for e in page.items if e.action == "roster.create")
    assert cli.actor_id is None and cli.details["via"] == "cli"
    by_actor = audit.entries(
        uows,
        org.admin,
        AuditFilter(actor_id=org.coordinator.user_id, action="bulk_job.submit"),
        None,
        200,
    )
    assert {e.target for e in by_actor.items} >= {f"bulk_job:{job_id}"}
    assert all(e.action == "bulk_job.submit" for e in by_actor.items)
    first = audit.entries(uows, org.admin, AuditFilter(), None, 2)
    rest = audit.entries(uows, org.admin, AuditFilter(), first.next_cursor, 200)
    assert [e.id for e in first.items + rest.items] == [e.id for e in page.items]

    with pytest.raises(Forbidden):  # the service, whatever the route did
        audit.entries(uows, org.coordinator, AuditFilter(), None, 10)
    with uows(org.coordinator) as uow:  # the database, whatever the service did
        assert uow.audit.page(AuditFilter(), None, 10).items == []


def test_a_window_of_activities_is_bounded_and_filtered(uows: SqlUnitsOfWork, org: Org) -> None:
    before = datetime.now(UTC)
    job_id = submit(uows, org, org.peer_mentors[11:13])
    process(uows, job_id)
    after = datetime.now(UTC)
    inside = activities.list_activities(
        uows,
        org.coordinator,
        ActivityFilter(
            registered_by=org.coordinator.user_id,
            created_from=before,
            created_to=after,
            source=Source.BULK,
        ),
        None,
        50,
    )
    assert {a.peer_mentor_id for a in inside.items} == set(org.peer_mentors[11:13])
    assert (
        activities.list_activities(
            uows, org.coordinator, ActivityFilter(created_from=after), None, 50
        ).items
        == []
    )
    assert (
        activities.list_activities(
            uows, org.coordinator, ActivityFilter(bulk_job_id=job_id, source=Source.PROXY), None, 50
        ).items
        == []
    )
