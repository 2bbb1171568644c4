"""The unit of work: one transaction, under one identity, on one pooled connection.

The identity is set by the database itself, once it has verified it (``app.act_as``; see
``app.act_as`` in persistence/schema.sql: the policies believe only an identity sealed by that check in this
transaction), and an identity that fails stops the transaction before any statement
queued behind it runs: a unit of work never acts as a user who is unknown,
inactive, or no longer has that role or organization. A worker's unit of work for a job
(``claiming``) names nobody: the server sets the identity to the submitter of the job whose
claim it holds (``app.act_for_claim``), under the same refusal.

The identity lives in ``set_config(…, true)`` settings: transaction-local, so a connection
returned to the pool carries nothing to its next user. Messages wait for the commit: on
rollback they are dropped, so a worker never sees a job that was not written.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self
from uuid import UUID

from sqlalchemy import Engine

from domain.errors import LeaseLost, Unauthenticated
from domain.model import Principal
from domain.ports.activities import Activities
from domain.ports.anomalies import Anomalies
from domain.ports.audit import Audit
from domain.ports.choices import Choices
from domain.ports.directory import Directory
from domain.ports.events import Events
from domain.ports.identity import SignIns
from domain.ports.jobs import Claimed, Jobs, Sendable
from domain.ports.languages import Languages
from domain.ports.mail import Mail, MailRelay
from domain.ports.maintenance import MaintenanceJobs
from domain.ports.webhooks import Relay, Webhooks
from persistence.lifecycle import CLAIM
from persistence.repositories.activities import SqlActivities
from persistence.repositories.anomalies import SqlAnomalies
from persistence.repositories.audit import SqlAudit
from persistence.repositories.choices import SqlChoices
from persistence.repositories.claims import (
    ACT_FOR_CLAIM,
    ORG_TURN,
    LargeJobs,
    SqlMaintenanceJobs,
    claim_from,
    claim_params,
)
from persistence.repositories.directory import SqlDirectory
from persistence.repositories.events import SqlEvents, SqlWebhooks
from persistence.repositories.jobs import SqlJobs
from persistence.repositories.languages import SqlLanguages
from persistence.repositories.mail import SqlMail, SqlMailRelay
from persistence.repositories.relay import SqlRelay
from persistence.repositories.sign_ins import SqlSignIns
from persistence.roles import MAINTENANCE_ROLE
from persistence.wire import BEGIN, COMMIT, Params, PendingAnswer, Queued, Sql, Wire

Publisher = Callable[[Sendable], None]

SET_IDENTITY = Sql("select app.act_as(cast(:user_id as uuid), cast(:org_id as uuid), :role)")
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
        self,
        engine: Engine,
        publish: Publisher,
        opening: list[tuple[Sql, Params]],
        preamble: list[Queued] | None = None,
    ) -> None:
        self._engine = engine
        self._publish = publish
        self._opening = opening
        self._preamble = preamble
        self._outbox: list[Sendable] = []
        self._committed = False
        self.wire: Wire

    def _open(self) -> Wire:
        self.wire = Wire(self._engine, self._opening, self._preamble)
        return self.wire

    def commit(self) -> None:
        self.wire.commit()
        self._committed = True

    def enqueue_after_commit(self, job: Sendable) -> None:
        self._outbox.append(job)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.wire.close()
        if self._committed and exc is None:
            for job in self._outbox:
                self._publish(job)


class _Repositories(_Transaction):
    directory: Directory
    jobs: Jobs
    activities: Activities
    anomalies: Anomalies
    audit: Audit
    events: Events
    webhooks: Webhooks
    languages: Languages
    choices: Choices
    mail: Mail

    def __enter__(self) -> Self:
        wire = self._open()
        self.events = SqlEvents(wire)
        self.webhooks = SqlWebhooks(wire)
        self.directory = SqlDirectory(wire)
        self.jobs = SqlJobs(wire)
        self.activities = SqlActivities(wire)
        self.anomalies = SqlAnomalies(wire)
        self.audit = SqlAudit(wire)
        self.languages = SqlLanguages(wire)
        self.choices = SqlChoices(wire)
        self.mail = SqlMail(wire)
        return self


class SqlUnitOfWork(_Repositories):
    def __init__(self, engine: Engine, publish: Publisher, principal: Principal) -> None:
        identity = {
            "user_id": str(principal.user_id),
            "org_id": str(principal.org_id),
            "role": principal.role.value,
        }
        super().__init__(engine, publish, [(SET_IDENTITY, identity)])


class SqlClaimingUnitOfWork(_Repositories):
    """The claim travels ahead of the transaction, as a transaction of its own:
    ``BEGIN``, the maintenance role, the claim, ``COMMIT``. The transaction that follows
    takes its identity from the server (``app.act_for_claim``: the submitter of the job
    running under this claim's token, refused unless they may still register), so the
    worker never names whom it acts for. Nothing runs under a refused identity: the refusal
    aborts every statement queued behind it, and the claim stands."""

    def __init__(
        self,
        engine: Engine,
        publish: Publisher,
        job_id: UUID,
        token: UUID,
        lease_seconds: float,
        large: LargeJobs,
    ) -> None:
        self._claim = PendingAnswer()
        params = claim_params(job_id, token, lease_seconds, large)
        preamble: list[Queued] = [
            (BEGIN, None, None),
            (BECOME_MAINTENANCE, None, None),
            (ORG_TURN, params, None),
            (CLAIM.statement, params, self._claim),
            (COMMIT, None, None),
        ]
        act = {"job": job_id, "token": token}
        super().__init__(engine, publish, [(ACT_FOR_CLAIM, act)], preamble)
        self.job_id = job_id
        self.token = token

    def claimed(self) -> Claimed:
        try:
            found = self.jobs.lock_claimed(self.job_id, self.token)
        except Unauthenticated:
            row = self.wire.answer(self._claim)
            return Claimed(claim_from(row, self.token) if row else None, None)
        row = self.wire.answer(self._claim)
        if row is None:
            return Claimed(None, None)  # nothing to take: no identity was set, nothing seen
        if row.id != self.job_id:
            # The claim took another organization's turn (or another message's job): the
            # statements that travelled with it saw nothing, and act for that job now, in the
            # same transaction, one more round trip.
            self.job_id = row.id
            self.wire.queue(ACT_FOR_CLAIM, {"job": row.id, "token": self.token})
            try:
                found = self.jobs.lock_claimed(row.id, self.token)
            except Unauthenticated:
                return Claimed(claim_from(row, self.token), None)
        if found is None:
            raise LeaseLost(f"job {self.job_id} changed hands before it could be locked")
        return Claimed(claim_from(row, self.token), *found)


class SqlMaintenanceUnitOfWork(_Transaction):
    jobs: MaintenanceJobs
    relay: Relay
    mail: MailRelay

    def __init__(self, engine: Engine, publish: Publisher) -> None:
        super().__init__(engine, publish, [(BECOME_MAINTENANCE, None)])

    def __enter__(self) -> Self:
        wire = self._open()
        self.jobs = SqlMaintenanceJobs(wire)
        self.relay = SqlRelay(wire)
        self.mail = SqlMailRelay(wire)
        return self


class SqlSignInUnitOfWork(_Transaction):
    """No identity: only what ``SqlSignIns`` asks, through its definer functions."""

    sign_ins: SignIns

    def __init__(self, engine: Engine, publish: Publisher) -> None:
        super().__init__(engine, publish, [])

    def __enter__(self) -> Self:
        self.sign_ins = SqlSignIns(self._open())
        return self


class SqlUnitsOfWork:
    """The factory the use cases receive: ``uows(principal)`` or ``uows.maintenance()``.

    The API's units (``uows(principal)``) and the worker's (``claiming``, ``maintenance``)
    log in as different roles: only the workers' may act as maintenance. The API and the
    workers each build theirs from one engine; a process that plays both parts (the test
    suite, the benchmarks) passes the workers' engine as ``worker_engine``."""

    def __init__(
        self,
        engine: Engine,
        publish: Publisher,
        *,
        worker_engine: Engine | None = None,
        large: LargeJobs | None = None,
    ) -> None:
        self.engine = engine
        self.worker_engine = worker_engine or engine
        self.publish = publish
        self.large = large or LargeJobs()

    def __call__(self, principal: Principal) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.publish, principal)

    def maintenance(self) -> SqlMaintenanceUnitOfWork:
        return SqlMaintenanceUnitOfWork(self.worker_engine, self.publish)

    def signing_in(self) -> SqlSignInUnitOfWork:
        return SqlSignInUnitOfWork(self.engine, self.publish)

    def claiming(self, job_id: UUID, token: UUID, lease_seconds: float) -> SqlClaimingUnitOfWork:
        return SqlClaimingUnitOfWork(
            self.worker_engine, self.publish, job_id, token, lease_seconds, self.large
        )
