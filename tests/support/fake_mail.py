"""The mail outbox in memory: messages written under the recipient's identity, claimed in
turns by organization, recorded per attempt."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from domain.clock import utcnow
from domain.languages import DEFAULT_LANGUAGE, Language
from domain.model import Principal
from domain.ports.mail import Mail, MailRelay, OutgoingEmail


@dataclass
class Letter:
    email: OutgoingEmail
    status: str = "pending"
    next_attempt_at: datetime = field(default_factory=utcnow)
    leased: bool = False
    last_error: str | None = None


class FakeMail(Mail):
    def __init__(
        self,
        letters: list[Letter],
        principal: Principal,
        addresses: dict[UUID, str | None],
        languages: dict[UUID, Language],
    ) -> None:
        self.letters = letters
        self.principal = principal
        self.addresses = addresses
        self.languages = languages

    def enqueue(
        self, org_id: UUID, recipient_user_id: UUID, kind: str, payload: dict[str, Any]
    ) -> UUID | None:
        address = self.addresses.get(recipient_user_id)
        caller = (self.principal.org_id, self.principal.user_id)
        if address is None or (org_id, recipient_user_id) != caller:
            return None  # an email goes to the caller only
        language = self.languages.get(recipient_user_id, DEFAULT_LANGUAGE)
        email = OutgoingEmail(
            uuid4(), org_id, None, kind, language.value, address, payload, 0, utcnow()
        )
        self.letters.append(Letter(email))
        return email.email_id


class FakeMailRelay(MailRelay):
    def __init__(self, letters: list[Letter]) -> None:
        self.letters = letters

    def claim_due(self, limit: int, lease_seconds: float, *, per_org: int) -> list[OutgoingEmail]:
        now = utcnow()
        busy: dict[UUID, int] = {}
        for letter in self.letters:
            if letter.leased:
                busy[letter.email.org_id] = busy.get(letter.email.org_id, 0) + 1
        claimed: list[OutgoingEmail] = []
        for letter in self.letters:
            org = letter.email.org_id
            due = letter.status == "pending" and not letter.leased
            free = busy.get(org, 0) < per_org and len(claimed) < limit
            if free and due and letter.next_attempt_at <= now:
                busy[org] = busy.get(org, 0) + 1
                letter.leased = True
                letter.email = replace(letter.email, attempt=letter.email.attempt + 1)
                claimed.append(letter.email)
        return claimed

    def record(self, email: OutgoingEmail, error: str | None, retry_at: datetime | None) -> None:
        for letter in self.letters:
            if letter.email.email_id == email.email_id and letter.status == "pending":
                letter.leased = False
                letter.last_error = error
                if error is None:
                    letter.status = "sent"
                elif retry_at is None:
                    letter.status = "given_up"
                else:
                    letter.next_attempt_at = retry_at

    def next_due_in(self) -> float | None:
        due = [letter.next_attempt_at for letter in self.letters if letter.status == "pending"]
        return None if not due else max(0.0, (min(due) - utcnow()).total_seconds())
