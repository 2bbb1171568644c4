"""Events and webhooks as clients see them (docs/api.md, "Events and webhooks"): the feed for staff, the webhooks
for admins. The events themselves are written by the changes (triggers on ``bulk_jobs`` and ``anomalies``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from uuid import UUID, uuid4

from domain.clock import Clock, utcnow
from domain.errors import FieldError, NotFound, ValidationFailed
from domain.model import Principal
from domain.policy import require_admin, require_staff
from domain.ports.audit import AuditEntry
from domain.ports.common import Page
from domain.ports.units import UnitsOfWork
from domain.webhooks import (
    Delivery,
    Event,
    Webhook,
    WebhookRequest,
    check_types,
    new_secret,
)

UrlCheck = Callable[[str], object]  # raises ValidationFailed for a URL a webhook may not call


def events(
    uows: UnitsOfWork, principal: Principal, *, after: str | None, types: Sequence[str], limit: int
) -> list[Event]:
    require_staff(principal, "read events")
    check_types(types)
    with uows(principal) as uow:
        found = uow.events.page(after, types, limit)
    if found is None:
        raise ValidationFailed(
            [FieldError(("query", "after"), "names no event of this organization kept now")]
        )
    return found


def create_webhook(
    uows: UnitsOfWork,
    principal: Principal,
    request: WebhookRequest,
    *,
    check_url: UrlCheck,
    clock: Clock = utcnow,
) -> Webhook:
    """A webhook with a fresh secret, returned once with it."""
    require_admin(principal, "manage webhooks")
    types = check_types(request.types)
    check_url(request.url)
    secret = new_secret()
    hook = Webhook(uuid4(), principal.org_id, request.url, types, clock(), secret)
    with uows(principal) as uow:
        uow.webhooks.add(hook, secret, principal.user_id)
        uow.audit.record(
            [
                AuditEntry(
                    principal.org_id,
                    principal.user_id,
                    "webhook.create",
                    f"webhook:{hook.id}",
                    {"url": hook.url, "types": types},
                )
            ]
        )
        uow.commit()
    return hook


def webhooks(uows: UnitsOfWork, principal: Principal) -> list[Webhook]:
    require_admin(principal, "manage webhooks")
    with uows(principal) as uow:
        return uow.webhooks.listing()


def delete_webhook(uows: UnitsOfWork, principal: Principal, webhook_id: UUID) -> None:
    require_admin(principal, "manage webhooks")
    with uows(principal) as uow:
        if not uow.webhooks.remove(webhook_id):
            raise NotFound("no such webhook")
        uow.audit.record(
            [
                AuditEntry(
                    principal.org_id,
                    principal.user_id,
                    "webhook.delete",
                    f"webhook:{webhook_id}",
                    {},
                )
            ]
        )
        uow.commit()


def deliveries(
    uows: UnitsOfWork, principal: Principal, webhook_id: UUID, *, cursor: str | None, limit: int
) -> Page[Delivery]:
    require_admin(principal, "manage webhooks")
    with uows(principal) as uow:
        found = uow.webhooks.deliveries(webhook_id, cursor, limit)
    if found is None:
        raise NotFound("no such webhook")
    return found
