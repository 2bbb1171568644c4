"""The reconciler reports orphaned and missing records once each; staff resolve them."""

from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy import Engine, text

from domain.errors import ValidationFailed
from domain.model import AnomalyAction, AnomalyKind, JobStatus
from domain.services import anomalies, bulk, maintenance
from persistence.uow import SqlUnitsOfWork
from tests.support.db import count
from tests.support.jobs import process, submit
from tests.support.orgs import Org, yesterday


def test_planted_orphan_and_missing_record_are_reported_once_and_resolvable(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    review = submit(uows, org, org.peer_mentors[:2])
    done = submit(uows, org, org.peer_mentors[2:5])
    assert process(uows, done) is JobStatus.SUCCEEDED
    orphan = uuid4()
    with superuser_engine.begin() as conn:
        conn.execute(
            text(
                """insert into activities (id, org_id, peer_mentor_id, activity_type, occurred_on,
                       duration_minutes, registered_by, source, bulk_job_id)
                   values (:id, :org, :pm, 'phone_call', :on, 5, :by, 'bulk', :job)"""
            ),
            {
                "id": orphan,
                "org": org.id,
                "pm": org.peer_mentors[0],
                "on": yesterday(),
                "by": org.coordinator.user_id,
                "job": review,
            },
        )
        missing = conn.execute(
            text(
                "delete from activities where bulk_job_id = :j and peer_mentor_id = :pm returning id"
            ),
            {"j": done, "pm": org.peer_mentors[3]},
        ).scalar_one()

    maintenance.reconcile(uows)
    maintenance.reconcile(uows)  # a second run records nothing new

    found = {
        a.kind: a
        for a in anomalies.list_anomalies(uows, org.coordinator, resolved=False)
        if a.bulk_job_id in (review, done)
    }
    assert set(found) == {AnomalyKind.ORPHANED_RECORDS, AnomalyKind.MISSING_RECORDS}
    assert found[AnomalyKind.ORPHANED_RECORDS].activity_ids == [orphan]
    assert found[AnomalyKind.MISSING_RECORDS].activity_ids == [missing]
    assert [a.kind for a in bulk.get(uows, org.coordinator, review).anomalies] == [
        AnomalyKind.ORPHANED_RECORDS
    ]
    assert (
        count(
            superuser_engine,
            "select count(*) from anomalies where bulk_job_id in (:a, :b)",
            a=review,
            b=done,
        )
        == 2
    )

    with pytest.raises(ValidationFailed):
        anomalies.resolve(
            uows,
            org.coordinator,
            found[AnomalyKind.MISSING_RECORDS].id,
            action=AnomalyAction.DELETE_RECORDS,
            reason="no",
        )
    anomalies.resolve(
        uows,
        org.coordinator,
        found[AnomalyKind.ORPHANED_RECORDS].id,
        action=AnomalyAction.DELETE_RECORDS,
        reason="written by a failed job",
    )
    anomalies.resolve(
        uows,
        org.coordinator2,
        found[AnomalyKind.MISSING_RECORDS].id,
        action=AnomalyAction.DISMISS,
        reason="restored by hand",
    )

    with superuser_engine.connect() as conn:
        deleted = conn.execute(
            text(
                "select deleted_at is not null, deleted_by, deletion_reason from activities where id = :id"
            ),
            {"id": orphan},
        ).one()
        audit = conn.execute(
            text(
                "select actor_id, action from audit_log where org_id = :o and action like 'anomaly.%' order by id"
            ),
            {"o": org.id},
        ).all()
    assert deleted == (True, org.coordinator.user_id, "written by a failed job")
    assert [(a.actor_id, a.action) for a in audit] == [
        (org.coordinator.user_id, "anomaly.delete_records"),
        (org.coordinator2.user_id, "anomaly.dismiss"),
    ]
    maintenance.reconcile(uows)
    assert anomalies.list_anomalies(uows, org.coordinator, resolved=False) == []
    assert len(anomalies.list_anomalies(uows, org.coordinator, resolved=True)) == 2
