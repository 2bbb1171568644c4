"""Who may do what — checked inside every use case, whatever the route already checked."""

from __future__ import annotations

from domain.errors import Forbidden
from domain.model import Principal, Role


def require_staff(principal: Principal, action: str) -> None:
    """Registering for someone else, and everything about bulk jobs, is for coordinators and
    admins only."""
    if not principal.is_staff:
        raise Forbidden(f"only coordinators and admins may {action}")


def require_admin(principal: Principal, action: str) -> None:
    """The audit log and the webhooks are for admins only."""
    if principal.role is not Role.ADMIN:
        raise Forbidden(f"only admins may {action}")
