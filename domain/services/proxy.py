"""Proxy registration: a coordinator registers one activity for one peer mentor, at once."""

from __future__ import annotations

from domain.errors import DuplicateActivity, FieldError, ValidationFailed
from domain.model import (
    Activity,
    JobItem,
    OnConflict,
    Outcome,
    Principal,
    ProxyRegistration,
    Source,
    time_ordered_id,
)
from domain.policy import require_staff
from domain.ports import UnitsOfWork
from domain.rules import Limits, check_activity
from domain.services.bulk import Clock, utcnow
from domain.services.registration import register_items, today_in


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
        if errors:
            raise ValidationFailed(errors)
        item = JobItem(0, registration.peer_mentor_id, registration.override_duplicate)
        register_items(
            uow,
            [item],
            draft=draft,
            org_id=principal.org_id,
            registered_by=principal.user_id,
            on_conflict=OnConflict.FAIL,
            source=Source.PROXY,
            bulk_job_id=None,
            new_id=time_ordered_id,
        )
        if item.outcome is Outcome.INVALID:
            raise ValidationFailed(
                [
                    FieldError(
                        ("body", "peer_mentor_id"), item.error_message or "", item.error_code or ""
                    )
                ]
            )
        if item.outcome is Outcome.CONFLICT:
            assert item.conflict is not None
            raise DuplicateActivity(item.conflict)
        assert item.activity_id is not None
        activity = uow.activities.get(item.activity_id)
        uow.commit()
    assert activity is not None
    return activity
