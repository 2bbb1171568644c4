"""Ask whether a claim is running before acting for it: "nothing to take" is not an error.

Revision ID: 0011
Revises: 0010

The worker's processing transaction opens with ``app.act_for_claim(job, token)``, pipelined
behind the claim itself. When the claim took nothing — a redelivered message of a finished
job, a job another worker holds — ``act_for_claim`` refused with an error, and every such
delivery wrote an ERROR line into PostgreSQL's log (and psycopg a warning for the aborted
pipeline). The worker now asks first, in the same statement:

    select app.act_for_claim(job, token) where app.claim_is_running(job, token)

``act_for_claim`` is unchanged and still refuses, loudly, a claim that is not running or a
submitter who may no longer register; it is simply not called when there is no claim. The
question answers only yes or no, for a token the caller must already know; like every
definer function it runs with ``search_path = pg_catalog, pg_temp`` and qualified names,
executable by the workers' role alone.
"""

from alembic import op

revision = "0011"
down_revision = "0010"

WORKER = "bulkreg_worker"


def upgrade() -> None:
    op.execute(
        """create function app.claim_is_running(p_job uuid, p_token uuid) returns boolean
               language sql stable security definer set search_path = pg_catalog, pg_temp
               as $$ select exists (select 1 from public.bulk_jobs j
                                    where j.id = p_job and j.status = 'running'
                                      and j.claim_token = p_token) $$"""
    )
    op.execute("revoke all on function app.claim_is_running(uuid, uuid) from public")
    op.execute(f"grant execute on function app.claim_is_running(uuid, uuid) to {WORKER}")


def downgrade() -> None:
    op.execute("drop function app.claim_is_running(uuid, uuid)")
