"""The webhooks (docs/api.md, "Events and webhooks"): a webhook, its secret shown once, and its deliveries with
every attempt made."""

from __future__ import annotations

from typing import Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from api.schemas.common import Timestamp
from domain.webhooks import Attempt, Delivery, Webhook


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    url: str
    types: list[str]
    created_at: Timestamp


class CreatedWebhook(WebhookOut):
    secret: str  # shown this once

    @classmethod
    def of(cls, w: Webhook) -> Self:
        assert w.secret is not None
        return cls(id=w.id, url=w.url, types=w.types, created_at=w.created_at, secret=w.secret)


class WebhookPage(BaseModel):
    items: list[WebhookOut]


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    number: int
    at: Timestamp
    status_code: int | None
    error: str | None
    duration_ms: int

    @classmethod
    def of(cls, a: Attempt) -> Self:
        return cls.model_validate(a)


class DeliveryOut(BaseModel):
    id: UUID
    event_id: str
    event_type: str
    status: str
    created_at: Timestamp
    next_attempt_at: Timestamp | None
    delivered_at: Timestamp | None
    attempts: list[AttemptOut]

    @classmethod
    def of(cls, d: Delivery) -> Self:
        return cls(
            id=d.id,
            event_id=d.event_id,
            event_type=d.event_type,
            status=d.status,
            created_at=d.created_at,
            next_attempt_at=d.next_attempt_at,
            delivered_at=d.delivered_at,
            attempts=[AttemptOut.of(a) for a in d.attempts],
        )


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None
