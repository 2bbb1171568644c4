"""Proxy registration: a coordinator registers one activity for one peer mentor, at once."""

from __future__ import annotations

from domain.clock import Clock, today_in, utcnow
from domain.errors import DuplicateActivity, FieldError, ValidationFailed
from domain.model import (
    Activity,
    JobItem,
    KeyKind,
    OnConflict,
    Outcome,
    Principal,
    ProxyRegistration,
    Registration,
    Source,
    time_ordered_id,
)
from domain.policy import require_staff
from domain.ports.audit import AuditEntry
from domain.ports.units import UnitsOfWork
from domain.registration import register_items
from domain.rules import ONE_KEY, Limits, check_activity


def register(
    uows: UnitsOfWork,
    principal: Principal,
    registration: ProxyRegistration,
    *,
    limits: Limits,
    clock: Clock = utcnow,
) -> Activity:
    """``registered_by`` is the principal, always: the request has no say in it."""
    require_staff(principal, "register activities on behalf of a peer mentor")
    draft = registration.activity
    with uows(principal) as uow:
        facts = uow.directory.draft_facts(principal.org_id, draft.activity_type)
        errors = check_activity(
            draft,
            today=today_in(facts.timezone, clock()),
            limits=limits,
            type_is_active=facts.type_is_active,
        )
        participant = registration.participant()
        keys = participant.keys()
        if len(keys) != 1:
            errors.append(FieldError(("body",), ONE_KEY, "one_key"))
        if errors:
            raise ValidationFailed(errors)
        given = keys[0]
        item = JobItem(0, given, override_duplicate=registration.override_duplicate)
        if given.kind is KeyKind.PEER_MENTOR_ID:
            item.peer_mentor_id = registration.peer_mentor_id
        else:
            person = uow.directory.person(principal.org_id, given)
            item.peer_mentor_id = person.id if person else None
        registering = Registration(
            draft=draft,
            org_id=principal.org_id,
            registered_by=principal.user_id,
            on_conflict=OnConflict.FAIL,
            source=Source.PROXY,
            bulk_job_id=None,
            new_id=time_ordered_id,
        )
        register_items(uow, [item], registering)
        if item.outcome is Outcome.INVALID:
            raise ValidationFailed(
                [
                    FieldError(
                        ("body", given.kind.value), item.error_message or "", item.error_code or ""
                    )
                ]
            )
        if item.outcome is Outcome.CONFLICT:
            assert item.conflict is not None
            raise DuplicateActivity(item.conflict)
        assert item.activity_id is not None
        uow.audit.record(
            [
                AuditEntry(
                    principal.org_id,
                    principal.user_id,
                    "activity.proxy",
                    f"activity:{item.activity_id}",
                    {"peer_mentor_id": str(item.peer_mentor_id), "override": bool(item.conflict)},
                )
            ]
        )
        activity = uow.activities.get(item.activity_id)
        uow.commit()
    assert activity is not None
    return activity
