"""What the server answers before it knows who is calling: an identity provider's subject,
a sign-in link, a screen session. All through definer functions: the API's role reads
nothing of the directory, nor of the sessions, without an identity."""

from __future__ import annotations

from uuid import UUID

from domain.model import Principal, Role
from domain.ports.identity import EmailedLink
from persistence.repositories.shared import Row
from persistence.wire import Wire, sql

FOR_SUBJECT = sql("select user_id, org_id, role from app.user_for_subject(:subject)")
REDEEM = sql("select user_id, org_id, role from app.redeem_sign_in_link(:digest)")
OPEN_SESSION = sql("select app.open_screen_session(:digest, :user, :lifetime) as opened")
SESSION = sql("select user_id, org_id, role from app.screen_session(:digest, :idle)")
END_SESSION = sql("select app.end_screen_session(:digest)")
REQUEST_LINKS = sql(
    """select user_id, org_id, role, link, organization
       from app.request_sign_in_links(:email, :address, :client)"""
)


def _principal(row: Row | None) -> Principal | None:
    return Principal(row.user_id, row.org_id, Role(row.role)) if row else None


class SqlSignIns:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def for_subject(self, subject: str) -> Principal | None:
        return _principal(self.wire.first(FOR_SUBJECT, {"subject": subject}))

    def redeem(self, digest: bytes) -> Principal | None:
        return _principal(self.wire.first(REDEEM, {"digest": digest}))

    def open_session(self, digest: bytes, user_id: UUID, lifetime_seconds: int) -> bool:
        row = self.wire.first(
            OPEN_SESSION, {"digest": digest, "user": user_id, "lifetime": lifetime_seconds}
        )
        return bool(row and row.opened)

    def session(self, digest: bytes, idle_seconds: int) -> Principal | None:
        return _principal(self.wire.first(SESSION, {"digest": digest, "idle": idle_seconds}))

    def end_session(self, digest: bytes) -> None:
        self.wire.first(END_SESSION, {"digest": digest})

    def request_links(self, email: str, address_key: bytes, client_key: bytes) -> list[EmailedLink]:
        rows = self.wire.rows(
            REQUEST_LINKS, {"email": email, "address": address_key, "client": client_key}
        )
        return [
            EmailedLink(Principal(r.user_id, r.org_id, Role(r.role)), r.link, r.organization)
            for r in rows
        ]
