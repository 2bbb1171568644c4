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


def upgrade() -> None:
    op.execute(
        f"""alter table organizations add column jobs_served_at timestamptz;
        comment on column organizations.jobs_served_at is
            'When a worker last claimed one of this organization''s jobs: the least recently
             served organization''s queued small job is claimed first.';
        grant select (id, jobs_served_at), update (jobs_served_at)
            on organizations to {MAINTENANCE};
        create policy maintenance_read on organizations for select to {MAINTENANCE}
            using (true);
        create policy maintenance_turn on organizations for update to {MAINTENANCE}
            using (true) with check (true);
        create index bulk_jobs_queued on bulk_jobs (org_id, created_at)
            where status = 'queued';"""
    )


def downgrade() -> None:
    op.execute(
        f"""drop index bulk_jobs_queued;
        drop policy maintenance_turn on organizations;
        drop policy maintenance_read on organizations;
        revoke select (id, jobs_served_at), update (jobs_served_at)
            on organizations from {MAINTENANCE};
        alter table organizations drop column jobs_served_at;"""
    )
