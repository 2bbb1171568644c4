"""The unit of work: one transaction, under one identity, on one pooled connection.

Setting the identity also verifies it against the database (``app.identity_is_valid``):
a unit of work never runs as a user who is unknown, inactive, or no longer has that role
or organization.

The identity is set with ``set_config(…, true)``: transaction-local, so a connection
returned to the pool carries nothing to its next user. Messages wait for the commit: on
rollback they are dropped, so a worker never sees a job that was not written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Self
from uuid import UUID

from sqlalchemy import Connection, Engine, RootTransaction, text

from domain.errors import TransientError, Unauthenticated
from domain.model import Principal
from domain.ports import Activities, Anomalies, Audit, Directory, Jobs, MaintenanceJobs
from persistence.database import transient_reason, translated_errors
from persistence.repositories import (
    SqlActivities,
    SqlAnomalies,
    SqlAudit,
    SqlDirectory,
    SqlJobs,
    SqlMaintenanceJobs,
)
from persistence.roles import MAINTENANCE_ROLE

log = logging.getLogger(__name__)

Publisher = Callable[[UUID], None]

SET_IDENTITY = text(
    "select set_config('app.user_id', :user_id, true), set_config('app.org_id', :org_id, true), "
    "set_config('app.role', :role, true), "
    "app.identity_is_valid(cast(:user_id as uuid), cast(:org_id as uuid), :role) as valid"
)
BECOME_MAINTENANCE = text(f"set local role {MAINTENANCE_ROLE}")


class _Transaction:
    def __init__(self, engine: Engine, publish: Publisher) -> None:
        self._engine = engine
        self._publish = publish
        self._outbox: list[UUID] = []
        self._committed = False
        self.conn: Connection
        self._tx: RootTransaction

    def _begin(self) -> None:
        with translated_errors():
            self.conn = self._engine.connect()
            self._tx = self.conn.begin()

    def _close(self, exc: BaseException | None) -> None:
        try:
            if self._tx.is_active:
                self._tx.rollback()
        finally:
            self.conn.close()
        if self._committed and exc is None:
            for job_id in self._outbox:
                self._publish(job_id)

    def commit(self) -> None:
        with translated_errors():
            self._tx.commit()
        self._committed = True

    def enqueue_after_commit(self, job_id: UUID) -> None:
        self._outbox.append(job_id)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with translated_errors():
            self._close(exc)
        reason = transient_reason(exc) if exc is not None else None
        if reason is not None:
            # A driver error inside the block reaches the use case as the domain's error.
            raise TransientError(reason) from exc


class SqlUnitOfWork(_Transaction):
    directory: Directory
    jobs: Jobs
    activities: Activities
    anomalies: Anomalies
    audit: Audit

    def __init__(self, engine: Engine, publish: Publisher, principal: Principal) -> None:
        super().__init__(engine, publish)
        self.principal = principal

    def __enter__(self) -> Self:
        self._begin()
        try:
            with translated_errors():
                valid = self.conn.execute(
                    SET_IDENTITY,
                    {
                        "user_id": str(self.principal.user_id),
                        "org_id": str(self.principal.org_id),
                        "role": self.principal.role.value,
                    },
                ).one()
            if not valid.valid:
                # The database is the source of truth: unknown, inactive, or a role or
                # organization that no longer matches.
                raise Unauthenticated(
                    "unknown or inactive user, or the role or organization changed"
                )
        except BaseException:
            self.conn.close()
            raise
        self.directory = SqlDirectory(self.conn)
        self.jobs = SqlJobs(self.conn)
        self.activities = SqlActivities(self.conn)
        self.anomalies = SqlAnomalies(self.conn)
        self.audit = SqlAudit(self.conn)
        return self


class SqlMaintenanceUnitOfWork(_Transaction):
    jobs: MaintenanceJobs

    def __enter__(self) -> Self:
        self._begin()
        try:
            with translated_errors():
                self.conn.execute(BECOME_MAINTENANCE)
        except BaseException:
            self.conn.close()
            raise
        self.jobs = SqlMaintenanceJobs(self.conn)
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
