"""The unit of work: one transaction, under one identity, on one pooled connection.

The statement that sets the identity also verifies it against the database
(``app.require_identity``), and an identity that fails stops the transaction before any
statement queued behind it runs: a unit of work never acts as a user who is unknown,
inactive, or no longer has that role or organization.

The identity is set with ``set_config(…, true)``: transaction-local, so a connection
returned to the pool carries nothing to its next user. Messages wait for the commit: on
rollback they are dropped, so a worker never sees a job that was not written.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self
from uuid import UUID

from sqlalchemy import Engine

from domain.model import Principal
from domain.ports import Activities, Anomalies, Audit, Directory, Jobs, MaintenanceJobs
from persistence.repositories import (
    SqlActivities,
    SqlAnomalies,
    SqlAudit,
    SqlDirectory,
    SqlJobs,
    SqlMaintenanceJobs,
)
from persistence.roles import MAINTENANCE_ROLE
from persistence.wire import Params, Sql, Wire

Publisher = Callable[[UUID], None]

SET_IDENTITY = Sql(
    "select set_config('app.user_id', :user_id, true), set_config('app.org_id', :org_id, true), "
    "set_config('app.role', :role, true), "
    "app.require_identity(cast(:user_id as uuid), cast(:org_id as uuid), :role)"
)
# The maintenance role for this transaction only, and commits that do not wait for their WAL
# to reach the disk: a bookkeeping commit lost to a server crash (the last fraction of a
# second) is one the sweeper and the reconciler redo — a claim or a release found missing is
# a job whose lease runs out — and never a torn one. (``set_config('role', …, true)`` is
# ``SET LOCAL ROLE``, with the same membership check.)
BECOME_MAINTENANCE = Sql(
    f"select set_config('role', '{MAINTENANCE_ROLE}', true), "
    "set_config('synchronous_commit', 'off', true)"
)


class _Transaction:
    def __init__(
        self, engine: Engine, publish: Publisher, opening: list[tuple[Sql, Params]]
    ) -> None:
        self._engine = engine
        self._publish = publish
        self._opening = opening
        self._outbox: list[UUID] = []
        self._committed = False
        self.wire: Wire

    def _open(self) -> Wire:
        self.wire = Wire(self._engine, self._opening)
        return self.wire

    def commit(self) -> None:
        self.wire.commit()
        self._committed = True

    def enqueue_after_commit(self, job_id: UUID) -> None:
        self._outbox.append(job_id)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.wire.close()
        if self._committed and exc is None:
            for job_id in self._outbox:
                self._publish(job_id)


class SqlUnitOfWork(_Transaction):
    directory: Directory
    jobs: Jobs
    activities: Activities
    anomalies: Anomalies
    audit: Audit

    def __init__(self, engine: Engine, publish: Publisher, principal: Principal) -> None:
        identity = {
            "user_id": str(principal.user_id),
            "org_id": str(principal.org_id),
            "role": principal.role.value,
        }
        super().__init__(engine, publish, [(SET_IDENTITY, identity)])
        self.principal = principal

    def __enter__(self) -> Self:
        wire = self._open()
        self.directory = SqlDirectory(wire)
        self.jobs = SqlJobs(wire)
        self.activities = SqlActivities(wire)
        self.anomalies = SqlAnomalies(wire)
        self.audit = SqlAudit(wire)
        return self


class SqlMaintenanceUnitOfWork(_Transaction):
    jobs: MaintenanceJobs

    def __init__(self, engine: Engine, publish: Publisher) -> None:
        super().__init__(engine, publish, [(BECOME_MAINTENANCE, None)])

    def __enter__(self) -> Self:
        self.jobs = SqlMaintenanceJobs(self._open())
        return self


class SqlUnitsOfWork:
    """The factory the use cases receive: ``uows(principal)`` or ``uows.maintenance()``."""

    def __init__(self, engine: Engine, publish: Publisher) -> None:
        self.engine = engine
        self.publish = publish

    def __call__(self, principal: Principal) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.publish, principal)

    def maintenance(self) -> SqlMaintenanceUnitOfWork:
        return SqlMaintenanceUnitOfWork(self.engine, self.publish)
