"""Sign-in links by email (docs/api.md, "Signing in and hearing back"): asked for on the
sign-in page by anyone, for an address; or sent by an operator with ``bulkreg sign-in-link
--send``.

The answer to whoever asks never depends on the address: the database counts the request
and, within the limits (5 an hour for an address, 30 for a client's network address, both
kept only as keyed digests), makes a link, good once for 15 minutes, for every active
coordinator or admin with that address — one per organization the address belongs to, each
signing in to its own. Each link goes to the mail outbox in its recipient's language, under
the recipient's identity, and the relay sends it.
"""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from domain.model import Principal
from domain.ports.units import UnitOfWork, UnitsOfWork

KIND = "sign_in_link"
LINK_MINUTES = 15
SIGN_IN_PAGE = "/ui/sign-in"


class Enqueue(Protocol):
    """The mail outbox's writer of a message that no event causes."""

    def __call__(
        self,
        uow: UnitOfWork,
        *,
        org_id: UUID,
        recipient_user_id: UUID,
        kind: str,
        payload: dict[str, Any],
    ) -> Any: ...


def sign_in_url(links_base: str, link: str) -> str:
    """The link's URL: the secret travels in the fragment, which browsers never send, so no
    access log holds it."""
    return f"{links_base.rstrip('/')}{SIGN_IN_PAGE}#{link}"


def email_sign_in_links(
    uows: UnitsOfWork,
    enqueue: Enqueue,
    *,
    email: str,
    address_key: bytes,
    client_key: bytes,
    links_base: str,
) -> int:
    """Ask for links for ``email`` and put one email per link in the outbox; how many (the
    caller must not tell anyone)."""
    with uows.signing_in() as uow:
        links = uow.sign_ins.request_links(email, address_key, client_key)
        uow.commit()
    for made in links:
        url = sign_in_url(links_base, made.link)
        send_sign_in_link(uows, enqueue, made.principal, url, LINK_MINUTES, made.organization)
    return len(links)


def send_sign_in_link(
    uows: UnitsOfWork,
    enqueue: Enqueue,
    principal: Principal,
    url: str,
    minutes: int,
    organization: str,
) -> None:
    """One email with a sign-in link to its user, in their language (the outbox picks it),
    saying which organization it signs in to: an address may belong to several."""
    with uows(principal) as uow:
        enqueue(
            uow,
            org_id=principal.org_id,
            recipient_user_id=principal.user_id,
            kind=KIND,
            payload={"link": url, "minutes": minutes, "organization": organization},
        )
        uow.commit()
