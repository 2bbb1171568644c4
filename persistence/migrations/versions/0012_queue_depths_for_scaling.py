"""Queue depths for scaling, from the job table: how many jobs wait, and for how long.

Revision ID: 0012
Revises: 0011

``/metrics`` reports, per queue, the jobs waiting and the age of the oldest
(``bulkreg_queue_depth``, ``bulkreg_queue_oldest_age_seconds``): the signal to scale workers
on. Redis' list lengths would hide the jobs a worker has prefetched; the job table is the
truth. Like ``app.job_counts()`` (0010), the function lets the API's role learn numbers
across organizations, never read a job; it runs as the owner with ``search_path =
pg_catalog, pg_temp`` and qualified names, executable by ``bulkreg_api`` alone. A job is in
the large queue when it has more than ``p_large`` participants (the setting the publisher
routes by).
"""

from alembic import op

revision = "0012"
down_revision = "0011"

API = "bulkreg_api"


def upgrade() -> None:
    op.execute(
        """create function app.queue_depths(p_large integer)
               returns table (queue text, waiting bigint, oldest_age_seconds double precision)
               language sql stable security definer set search_path = pg_catalog, pg_temp
               as $$
               select case when j.total > p_large then 'bulk.large' else 'bulk.small' end,
                      pg_catalog.count(*),
                      extract(epoch from pg_catalog.now() - pg_catalog.min(j.updated_at))::float8
               from public.bulk_jobs j
               where j.status = 'queued'
               group by 1
               $$"""
    )
    op.execute("revoke all on function app.queue_depths(integer) from public")
    op.execute(f"grant execute on function app.queue_depths(integer) to {API}")


def downgrade() -> None:
    op.execute("drop function app.queue_depths(integer)")
