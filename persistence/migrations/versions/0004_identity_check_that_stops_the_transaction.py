"""Refuse an invalid identity with an error instead of a ``false``.

Revision ID: 0004
Revises: 0003

A unit of work now sends its first statements without waiting for each answer (psycopg's
pipeline mode): ``BEGIN``, the identity, and the first query travel in one round trip. An
answer of ``false`` would arrive only after the query behind it had run under an identity
nobody had checked. ``app.require_identity`` raises instead (SQLSTATE 28000,
invalid_authorization_specification), which aborts everything queued behind it: no
statement ever runs under an identity that failed the check. It answers with the same
facts as ``app.identity_is_valid`` (which stays, for callers that want a yes or no) and,
like it, runs as the owner with a fixed search_path.
"""

from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.execute(
        """create function app.require_identity(p_user uuid, p_org uuid, p_role text)
           returns void language plpgsql stable security definer
           set search_path = pg_catalog, public
           as $$
           begin
               if not app.identity_is_valid(p_user, p_org, p_role) then
                   raise exception 'unknown or inactive user, or the role or organization changed'
                       using errcode = '28000';
               end if;
           end $$"""
    )
    op.execute("revoke all on function app.require_identity(uuid, uuid, text) from public")
    op.execute("grant execute on function app.require_identity(uuid, uuid, text) to bulkreg_app")


def downgrade() -> None:
    op.execute("drop function app.require_identity(uuid, uuid, text)")
