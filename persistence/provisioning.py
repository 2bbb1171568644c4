"""Provisioning, as the database owner: organizations, users, activity types, rosters and
sign-in links — what an operator does from the CLI. Each function is one transaction."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from domain.model import Principal, Role
from domain.services.identity import link_digest
from persistence.collation import sort_key


class ProvisioningError(ValueError):
    """Something the operator asked for cannot be done; the message says why."""


@dataclass(frozen=True)
class RosterLine:
    line: int
    name: str
    email: str
    member_number: str | None
    active: bool


@dataclass(frozen=True)
class RosterChanges:
    created: int
    updated: int
    unchanged: int


UNIQUE_NAMES = {
    "users_org_email": "another user of this organization has this email",
    "users_org_member_number": "another user of this organization has this member number",
    "users_auth_subject": "another user has this auth subject",
    "organizations_name": "an organization with this name exists",
    "activity_types_pkey": "this organization has an activity type with this code",
}


AUDIT = text(
    """insert into audit_log (org_id, actor_id, action, target, details)
       values (:org, null, :action, :target, cast(:details as jsonb))"""
)


def _audited(conn: Connection, org_id: UUID, action: str, target: str, **details: Any) -> None:
    """An operator's change, in the audit log with the change (no actor: the CLI's)."""
    conn.execute(
        AUDIT,
        {
            "org": org_id,
            "action": action,
            "target": target,
            "details": json.dumps({"via": "cli"} | details, default=str),
        },
    )


def _explained(error: IntegrityError) -> ProvisioningError:
    text_of = str(error.orig)
    for constraint, message in UNIQUE_NAMES.items():
        if constraint in text_of:
            return ProvisioningError(message)
    return ProvisioningError(text_of.splitlines()[0])


def find_org(engine: Engine, org: str) -> UUID:
    """An organization by its id or its exact name."""
    try:
        by_id: UUID | None = UUID(org)
    except ValueError:
        by_id = None
    with engine.connect() as conn:
        found = conn.execute(
            text("select id from organizations where id = :id or name = :name"),
            {"id": by_id, "name": org},
        ).scalar()
    if found is None:
        raise ProvisioningError(f"no organization '{org}' (give its id or exact name)")
    return UUID(str(found))


def add_org(engine: Engine, name: str, timezone: str, locale: str = "nb") -> UUID:
    org_id = uuid4()
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    """insert into organizations (id, name, timezone, locale)
                       values (:id, :n, :tz, :locale)"""
                ),
                {"id": org_id, "n": name, "tz": timezone, "locale": locale},
            )
            _audited(
                conn,
                org_id,
                "org.add",
                f"org:{org_id}",
                name=name,
                timezone=timezone,
                locale=locale,
            )
    except IntegrityError as error:
        raise _explained(error) from None
    return org_id


def set_org_locale(engine: Engine, org_id: UUID, locale: str) -> None:
    """The organization's default language on the screen; a user's own pick still wins."""
    with engine.begin() as conn:
        conn.execute(
            text("update organizations set locale = :locale where id = :id"),
            {"id": org_id, "locale": locale},
        )
        _audited(conn, org_id, "org.set", f"org:{org_id}", locale=locale)


def add_user(
    engine: Engine,
    org_id: UUID,
    *,
    role: Role,
    name: str,
    email: str,
    member_number: str | None = None,
    auth_subject: str | None = None,
) -> UUID:
    user_id = uuid4()
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    """insert into users (id, org_id, role, display_name, name_sort_key,
                           name_sort_key_en, active, email, member_number, auth_subject)
                       values (:id, :org, :role, :name, :sort_key, :sort_key_en, true, :email,
                               :member, :subject)"""
                ),
                {
                    "id": user_id,
                    "org": org_id,
                    "role": role.value,
                    "name": name,
                    "sort_key": sort_key(name, "nb"),
                    "sort_key_en": sort_key(name, "en"),
                    "email": email,
                    "member": member_number,
                    "subject": auth_subject,
                },
            )
            _audited(conn, org_id, "user.add", f"user:{user_id}", role=role.value, email=email)
    except IntegrityError as error:
        raise _explained(error) from None
    return user_id


def find_user(engine: Engine, org_id: UUID, email: str) -> Principal:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                """select id, org_id, role, active from users
                   where org_id = :org
                     and email_key = lower(:email collate pg_catalog.pg_unicode_fast)"""
            ),
            {"org": org_id, "email": email},
        ).first()
    if row is None:
        raise ProvisioningError(f"no user with email {email} in this organization")
    if not row.active:
        raise ProvisioningError(f"{email} is deactivated")
    return Principal(row.id, row.org_id, Role(row.role))


def deactivate_user(engine: Engine, org_id: UUID, email: str) -> UUID:
    with engine.begin() as conn:
        found = conn.execute(
            text(
                """update users set active = false
                   where org_id = :org
                     and email_key = lower(:email collate pg_catalog.pg_unicode_fast)
                   returning id"""
            ),
            {"org": org_id, "email": email},
        ).scalar()
        if found is not None:
            _audited(conn, org_id, "user.deactivate", f"user:{found}", email=email)
    if found is None:
        raise ProvisioningError(f"no user with email {email} in this organization")
    return UUID(str(found))


def add_activity_type(engine: Engine, org_id: UUID, code: str, name: str) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    """insert into activity_types (org_id, code, name, active)
                       values (:org, :code, :name, true)"""
                ),
                {"org": org_id, "code": code, "name": name},
            )
            _audited(conn, org_id, "activity_type.add", f"activity_type:{code}", name=name)
    except IntegrityError as error:
        raise _explained(error) from None


def import_roster(engine: Engine, org_id: UUID, lines: list[RosterLine]) -> RosterChanges:
    """Create or update the organization's peer mentors, matched by email: all lines or
    none. A line whose email belongs to a coordinator or admin is refused (a roster is for
    peer mentors)."""
    emails = [line.email.lower() for line in lines]
    with engine.begin() as conn:
        existing = {
            row.key: row
            for row in conn.execute(
                text(
                    """select email_key as key, id, role, display_name, member_number, active
                       from users where org_id = :org and email_key = any(:emails)
                       for update"""
                ),
                {"org": org_id, "emails": emails},
            )
        }
        staff = [
            line
            for line in lines
            if line.email.lower() in existing and existing[line.email.lower()].role != "peer_mentor"
        ]
        if staff:
            raise ProvisioningError(
                "; ".join(f"line {line.line}: {line.email} is not a peer mentor" for line in staff)
            )
        created = updated = unchanged = 0
        for line in lines:
            row = existing.get(line.email.lower())
            wanted = (line.name, line.member_number, line.active)
            if row is None:
                created += 1
            elif (row.display_name, row.member_number, row.active) == wanted:
                unchanged += 1
                continue
            else:
                updated += 1
            try:
                changed = conn.execute(
                    text(
                        """insert into users (id, org_id, role, display_name, name_sort_key,
                               name_sort_key_en, active, email, member_number)
                           values (:id, :org, 'peer_mentor', :name, :sort_key, :sort_key_en,
                                   :active, :email, :member)
                           on conflict (org_id, email_key) do update
                           set display_name = excluded.display_name,
                               name_sort_key = excluded.name_sort_key,
                               name_sort_key_en = excluded.name_sort_key_en,
                               member_number = excluded.member_number,
                               active = excluded.active
                           returning id"""
                    ),
                    {
                        "id": uuid4(),
                        "org": org_id,
                        "name": line.name,
                        "sort_key": sort_key(line.name, "nb"),
                        "sort_key_en": sort_key(line.name, "en"),
                        "active": line.active,
                        "email": line.email,
                        "member": line.member_number,
                    },
                ).scalar()
            except IntegrityError as error:
                raise ProvisioningError(f"line {line.line}: {_explained(error)}") from None
            _audited(
                conn,
                org_id,
                "roster.create" if row is None else "roster.update",
                f"user:{changed}",
                line=line.line,
                email=line.email,
                active=line.active,
            )
    return RosterChanges(created, updated, unchanged)


def sign_in_link(engine: Engine, user: Principal, ttl_seconds: int) -> str:
    """A new single-use link secret for a coordinator or admin; the database keeps only its
    digest (``identity.link_digest``)."""
    if user.role not in (Role.COORDINATOR, Role.ADMIN):
        raise ProvisioningError("sign-in links are for coordinators and admins")
    link = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            text(
                """insert into sign_in_links (digest, user_id, expires_at)
                   values (:digest, :user, :expires)"""
            ),
            {
                "digest": link_digest(link),
                "user": user.user_id,
                "expires": datetime.now(UTC) + timedelta(seconds=ttl_seconds),
            },
        )
    return link


def find_user_by_id(engine: Engine, user_id: UUID) -> Principal:
    with engine.connect() as conn:
        row = conn.execute(
            text("select id, org_id, role from users where id = :id"), {"id": user_id}
        ).first()
    if row is None:
        raise ProvisioningError(f"no user {user_id}")
    return Principal(row.id, row.org_id, Role(row.role))
