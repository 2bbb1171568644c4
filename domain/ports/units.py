"""Units of work: one transaction each, and the repositories it may use under its identity."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

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


class Transaction(Protocol):
    """One transaction: rolls back unless ``commit()`` was called; messages queued with
    ``enqueue_after_commit`` leave only after a successful commit."""

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def enqueue_after_commit(self, job: Sendable) -> None: ...


class UnitOfWork(Transaction, Protocol):
    """A transaction under one identity, the repositories it may use."""

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


class MaintenanceUnitOfWork(Transaction, Protocol):
    """A transaction as the maintenance role: leases, sweeps, the reconciler, the relay."""

    jobs: MaintenanceJobs
    relay: Relay
    mail: MailRelay


class ClaimingUnitOfWork(UnitOfWork, Protocol):
    """A worker's attempt at a job: the claim (a lease and a token, if the job is queued or
    its lease has run out), then one transaction under the identity of the job's submitter,
    both sent in one round trip. The claim commits on its own at once, whatever the unit of
    work does next: it is the worker's public statement that it holds the job, and its
    attempt is counted even if the worker dies."""

    job_id: UUID  # the job the claim holds: the named one until ``claimed`` finds another

    def claimed(self) -> Claimed:
        """The claim and, if it was made and its submitter may still register, the job
        locked with the screening of its participants. Raises ``LeaseLost`` if the job was
        claimed but changed hands (or state) before it could be locked."""
        ...


class SignInUnitOfWork(Transaction, Protocol):
    sign_ins: SignIns


class UnitsOfWork(Protocol):
    def __call__(self, principal: Principal) -> UnitOfWork: ...
    def signing_in(self) -> SignInUnitOfWork: ...
    def maintenance(self) -> MaintenanceUnitOfWork: ...
    def claiming(self, job_id: UUID, token: UUID, lease_seconds: float) -> ClaimingUnitOfWork: ...
