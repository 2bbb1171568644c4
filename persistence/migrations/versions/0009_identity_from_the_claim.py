"""The worker's identity for a job, from the job and the claim's token, on the server.

Revision ID: 0009
Revises: 0008

A worker claimed a job in one round trip (as ``bulkreg_maintenance``), read the submitter
from the claim's answer, and only then opened the transaction that processes the job under
that identity (``app.require_identity``). ``app.act_for_claim`` lets both travel in one
round trip: it sets the identity itself, to the submitter of the job that is running under
this claim's token, and refuses (SQLSTATE 28000, like ``app.require_identity``, so nothing
queued behind it runs) when there is no such claim or the submitter may no longer register:
inactive, no longer a coordinator or admin, or no longer of the job's organization.

The identity is thus never named by the worker. The token is a fresh random value per
attempt that only the claimant and the maintenance role can see (the API does not expose
it), and the function grants nothing the claim did not already hold: the identity of the
one user whose job it is. It runs as the owner, with a fixed search_path, and
``set_config(…, true)`` keeps the identity for the calling transaction only.
"""

from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.execute(
        """create function app.act_for_claim(p_job uuid, p_token uuid)
           returns void language plpgsql volatile security definer
           set search_path = pg_catalog, public
           as $$
           declare
               v_user uuid;
               v_org uuid;
               v_role text;
           begin
               select j.submitted_by, j.org_id, u.role into v_user, v_org, v_role
               from public.bulk_jobs j
               join public.users u on u.id = j.submitted_by and u.org_id = j.org_id
               where j.id = p_job and j.status = 'running' and j.claim_token = p_token
                 and u.active and u.role in ('coordinator', 'admin');
               if not found then
                   raise exception 'no running claim with this token, or its submitter may no longer register'
                       using errcode = '28000';
               end if;
               perform set_config('app.user_id', v_user::text, true),
                       set_config('app.org_id', v_org::text, true),
                       set_config('app.role', v_role, true);
           end $$"""
    )
    op.execute("revoke all on function app.act_for_claim(uuid, uuid) from public")
    op.execute("grant execute on function app.act_for_claim(uuid, uuid) to bulkreg_app")


def downgrade() -> None:
    op.execute("drop function app.act_for_claim(uuid, uuid)")
