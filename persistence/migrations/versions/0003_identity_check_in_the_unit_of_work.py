"""Verify the acting identity in the statement that sets it.

Revision ID: 0003
Revises: 0002

A unit of work sets ``app.user_id`` / ``app.org_id`` / ``app.role`` and, in the same
statement, asks ``app.identity_is_valid`` whether that user exists, is active and has that
organization and role. The function runs as the owner (SECURITY DEFINER, fixed search_path)
so it can see the user before the identity exists, and answers only yes or no. The API thus
checks a token against the database in the transaction that serves the request, instead of
in a transaction of its own.
"""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.execute(
        """create function app.identity_is_valid(p_user uuid, p_org uuid, p_role text)
           returns boolean language sql stable security definer
           set search_path = pg_catalog, public
           as $$ select exists (select 1 from public.users
                                where id = p_user and org_id = p_org and role = p_role
                                  and active) $$"""
    )
    op.execute("revoke all on function app.identity_is_valid(uuid, uuid, text) from public")
    op.execute("grant execute on function app.identity_is_valid(uuid, uuid, text) to bulkreg_app")


def downgrade() -> None:
    op.execute("drop function app.identity_is_valid(uuid, uuid, text)")
