"""The in-memory store the fakes share, and its directory."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from domain.jobs import BulkJob
from domain.languages import Language
from domain.model import Activity, Anomaly, Given, KeyKind, Principal, Role, UserRecord
from domain.ports.audit import AuditEntry
from domain.ports.choices import NotificationChoices
from domain.ports.common import Page
from domain.ports.directory import ActivityType, Directory, DraftFacts
from domain.ports.identity import EmailedLink, SignIns
from tests.support.fake_events import EventStore
from tests.support.fake_mail import Letter


@dataclass
class Store:
    users: dict[UUID, UserRecord] = field(default_factory=dict)
    types: dict[tuple[UUID, str], bool] = field(default_factory=dict)
    jobs: dict[UUID, BulkJob] = field(default_factory=dict)
    keys: dict[tuple[UUID, str], tuple[UUID, str | None]] = field(default_factory=dict)
    activities: dict[UUID, Activity] = field(default_factory=dict)
    deleted: dict[UUID, tuple[Activity, UUID, str]] = field(default_factory=dict)
    anomalies: dict[UUID, Anomaly] = field(default_factory=dict)
    resolutions: dict[UUID, tuple[UUID, str]] = field(default_factory=dict)
    claims: dict[UUID, UUID] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    sent: list[UUID] = field(default_factory=list)
    subjects: dict[str, UUID] = field(default_factory=dict)  # auth_subject → user
    links: dict[bytes, tuple[UUID, bool]] = field(default_factory=dict)  # digest → (user, used)
    sessions: dict[bytes, UUID] = field(default_factory=dict)  # digest → user, while live
    outbox: EventStore = field(default_factory=EventStore)
    languages: dict[UUID, Language] = field(default_factory=dict)  # a user's own pick
    org_languages: dict[UUID, Language] = field(default_factory=dict)  # none: nb
    choices: dict[UUID, NotificationChoices] = field(default_factory=dict)  # none: defaults
    letters: list[Letter] = field(default_factory=list)  # the mail outbox


class FakeSignIns(SignIns):
    def __init__(self, store: Store) -> None:
        self.store = store

    def _principal(self, user_id: UUID | None) -> Principal | None:
        user = self.store.users.get(user_id) if user_id else None
        return Principal(user.id, user.org_id, user.role) if user and user.active else None

    def for_subject(self, subject: str) -> Principal | None:
        return self._principal(self.store.subjects.get(subject))

    def redeem(self, digest: bytes) -> Principal | None:
        user_id, used = self.store.links.get(digest, (None, True))
        if used or user_id is None:
            return None
        self.store.links[digest] = (user_id, True)
        return self._principal(user_id)

    def open_session(self, digest: bytes, user_id: UUID, lifetime_seconds: int) -> bool:
        principal = self._principal(user_id)
        if principal is None or not principal.is_staff:
            return False
        self.store.sessions[digest] = user_id
        return True

    def session(self, digest: bytes, idle_seconds: int) -> Principal | None:
        principal = self._principal(self.store.sessions.get(digest))
        return principal if principal and principal.is_staff else None

    def end_session(self, digest: bytes) -> None:
        self.store.sessions.pop(digest, None)

    def request_links(self, email: str, address_key: bytes, client_key: bytes) -> list[EmailedLink]:
        """Links for the active staff with that address (the limits are the database's)."""
        found = []
        for user in self.store.users.values():
            principal = self._principal(user.id)
            if principal and principal.is_staff and (user.email or "").lower() == email.lower():
                link = f"link-{len(self.store.links)}"
                self.store.links[hashlib.sha256(link.encode()).digest()] = (user.id, False)
                found.append(EmailedLink(principal, link, f"organization {user.org_id}"))
        return found


class FakeDirectory(Directory):
    def __init__(self, store: Store, principal: Principal) -> None:
        self.store, self.principal = store, principal

    def user(self, user_id: UUID) -> UserRecord | None:
        return self.users([user_id]).get(user_id)

    def users(self, user_ids: Sequence[UUID]) -> dict[UUID, UserRecord]:
        return {
            u: self.store.users[u]
            for u in user_ids
            if u in self.store.users and self.store.users[u].org_id == self.principal.org_id
        }

    def draft_facts(self, org_id: UUID, activity_type: str) -> DraftFacts:
        return DraftFacts("UTC", self.store.types.get((org_id, activity_type), False))

    def person(self, org_id: UUID, given: Given) -> UserRecord | None:
        for user in self.store.users.values():
            if user.org_id != org_id or user.org_id != self.principal.org_id:
                continue
            if given.kind is KeyKind.PEER_MENTOR_ID and str(user.id) == given.value:
                return user
            if given.kind is KeyKind.EMAIL and (user.email or "").lower() == given.canonical:
                return user
            if given.kind is KeyKind.MEMBER_NUMBER and user.member_number == given.value:
                return user
        return None

    def peer_mentors(
        self, org_id: UUID, query: str | None, active: bool | None, cursor: str | None, limit: int
    ) -> Page[UserRecord]:
        found = sorted(
            (
                u
                for u in self.store.users.values()
                if u.org_id == org_id and u.role is Role.PEER_MENTOR and active in (None, u.active)
            ),
            key=lambda u: (u.display_name, u.id),
        )
        return Page(found[:limit], None)

    def activity_types(self, org_id: UUID) -> list[ActivityType]:
        return [
            ActivityType(code, code, active)
            for (org, code), active in self.store.types.items()
            if org == org_id
        ]
