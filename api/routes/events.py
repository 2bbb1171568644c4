"""The events feed (staff) and the webhooks (admins), docs/api.md, "Events and webhooks"."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import StringConstraints

from api.body import json_body, openapi_request_body
from api.deps import AdminPrincipal, SettingsDep, StaffPrincipal, UnitsOfWorkDep
from api.routes.bulk import PROBLEMS
from api.schemas.common import json_response
from api.schemas.events import EventOut, EventPage
from api.schemas.webhooks import CreatedWebhook, DeliveryOut, DeliveryPage, WebhookOut, WebhookPage
from domain.services import events
from domain.webhooks import PATTERNS, WebhookRequest, check_url

router = APIRouter(tags=["events and webhooks"])
EVENT_ID = r"^evt_[0-9a-f]{32}$"
TYPE = r"^[a-z_.*]{1,64}$"


@router.get("/v1/events", response_model=EventPage, responses=PROBLEMS)
def event_feed(
    principal: StaffPrincipal,
    uows: UnitsOfWorkDep,
    after: Annotated[str | None, Query(pattern=EVENT_ID, description="an event's id")] = None,
    type: Annotated[
        list[Annotated[str, StringConstraints(pattern=TYPE)]] | None,
        Query(max_length=len(PATTERNS), description="a type, or a family (anomaly.*)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    """The organization's events of the last 30 days, oldest first, after ``after``: pass
    the last id you have to get exactly the ones you missed, in the order they happened."""
    found = events.events(uows, principal, after=after, types=type or [], limit=limit)
    return json_response(EventPage(items=[EventOut.of(e) for e in found]))


@router.post(
    "/v1/webhooks",
    status_code=201,
    response_model=CreatedWebhook,
    responses=PROBLEMS,
    openapi_extra=openapi_request_body(WebhookRequest),
)
def create_webhook(
    principal: AdminPrincipal,
    body: Annotated[WebhookRequest, json_body(WebhookRequest)],
    uows: UnitsOfWorkDep,
    settings: SettingsDep,
) -> Response:
    """The secret is in this answer only: keep it to verify the signatures."""
    allow = settings.private_webhooks
    hook = events.create_webhook(
        uows, principal, body, check_url=lambda url: check_url(url, allow_private=allow)
    )
    return json_response(CreatedWebhook.of(hook), 201, {"Location": f"/v1/webhooks/{hook.id}"})


@router.get("/v1/webhooks", response_model=WebhookPage, responses=PROBLEMS)
def list_webhooks(principal: AdminPrincipal, uows: UnitsOfWorkDep) -> Response:
    found = events.webhooks(uows, principal)
    return json_response(WebhookPage(items=[WebhookOut.model_validate(w) for w in found]))


@router.delete("/v1/webhooks/{webhook_id}", status_code=204, responses=PROBLEMS)
def delete_webhook(webhook_id: UUID, principal: AdminPrincipal, uows: UnitsOfWorkDep) -> Response:
    """Its pending deliveries are cancelled; its deliveries stay listed."""
    events.delete_webhook(uows, principal, webhook_id)
    return Response(status_code=204)


@router.get("/v1/webhooks/{webhook_id}/deliveries", response_model=DeliveryPage, responses=PROBLEMS)
def deliveries(
    webhook_id: UUID,
    principal: AdminPrincipal,
    uows: UnitsOfWorkDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Newest first, each with every attempt made."""
    page = events.deliveries(uows, principal, webhook_id, cursor=cursor, limit=limit)
    return json_response(
        DeliveryPage(items=[DeliveryOut.of(d) for d in page.items], next_cursor=page.next_cursor)
    )
