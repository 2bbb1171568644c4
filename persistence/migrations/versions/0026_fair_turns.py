"""Fair turns across organizations for small jobs.

Revision ID: 0026
Revises: 0025

Workers used to run jobs in the order the broker delivered their messages: while one
organization's burst of 500 small jobs was queued, another's job waited behind all of them.
The claim now picks the job itself (``persistence.lifecycle.CLAIM``): among the queued small
jobs, the one of the organization served least recently (``jobs_served_at``, which each claim
sets), so organizations take turns whatever order the messages arrive in. The partial index
serves that pick: the queued jobs, by organization and age.
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"

MAINTENANCE = "bulkreg_maintenance"
# The maintenance role reads no organization: it learns and sets an organization's turn
# only through these two functions.
DEFINER = "security definer set search_path = pg_catalog, pg_temp"


def upgrade() -> None:
    op.execute(
        f"""alter table organizations add column jobs_served_at timestamptz;
        comment on column organizations.jobs_served_at is
            'When a worker last claimed one of this organization''s jobs: the least recently
             served organization''s queued small job is claimed first.';
        create function app.served_at(org uuid) returns timestamptz
            language sql stable {DEFINER}
            as $$ select jobs_served_at from public.organizations where id = org $$;
        create function app.serve(org uuid) returns void
            language sql volatile {DEFINER}
            as $$ update public.organizations set jobs_served_at = now() where id = org $$;
        revoke all on function app.served_at(uuid), app.serve(uuid) from public;
        grant execute on function app.served_at(uuid), app.serve(uuid) to {MAINTENANCE};
        create index bulk_jobs_queued on bulk_jobs (org_id, created_at)
            where status = 'queued';"""
    )


def downgrade() -> None:
    op.execute(
        """drop index bulk_jobs_queued;
        drop function app.serve(uuid);
        drop function app.served_at(uuid);
        alter table organizations drop column jobs_served_at;"""
    )
