"""What the server answers before it knows who is calling: an identity provider's subject,
a sign-in link. Both through definer functions (migration 0013): the API's role reads
nothing of the directory without an identity."""

from __future__ import annotations

from domain.model import Principal, Role
from persistence.repositories.shared import Row
from persistence.wire import Wire, sql

FOR_SUBJECT = sql("select user_id, org_id, role from app.user_for_subject(:subject)")
REDEEM = sql("select user_id, org_id, role from app.redeem_sign_in_link(:digest)")


def _principal(row: Row | None) -> Principal | None:
    return Principal(row.user_id, row.org_id, Role(row.role)) if row else None


class SqlSignIns:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def for_subject(self, subject: str) -> Principal | None:
        return _principal(self.wire.first(FOR_SUBJECT, {"subject": subject}))

    def redeem(self, digest: bytes) -> Principal | None:
        return _principal(self.wire.first(REDEEM, {"digest": digest}))
