"""Plans that stay right while the tables grow from empty.

Revision ID: 0005
Revises: 0004

A statement the application runs often is prepared on its connection and, after a few runs,
planned once for good — with the statistics of that moment, which on a new installation say
nothing. PostgreSQL then guesses that ``org_id = …`` keeps 0.5% of the rows and that a peer
mentor has one activity. With those guesses the newest-first listing index looked like the
cheapest way to find a job by id (``org_id`` from the row-level security policy plus ``id``
made two conditions against the primary key's one), and the peer mentor's listing index like
the cheapest way to look for a duplicate. Each read every row of the organization, or of the
participant, on every job, until an ANALYZE replaced the plan.

So the tables start with what we know of their shape before ANALYZE has seen a row — an
organization's rows are all of a tenant's rows (``org_id`` has one value as far as a query
under one identity is concerned), and a peer mentor has a history (a hundred activities) —
set with ``pg_restore_attribute_stats`` (PostgreSQL 18). ANALYZE replaces these with what it
measures. TRUNCATE keeps them. The hot tables are also analyzed on a steadier schedule
(after 1,000 rows plus 5% have changed, instead of 50 plus 10%: soon after a young table
has a history, then not so often that every connection keeps re-planning); PostgreSQL
re-plans after each ANALYZE.
"""

from alembic import op

revision = "0005"
down_revision = "0004"

# (table, column, n_distinct): positive is a count of values, negative a fraction of rows.
SHAPE = (
    ("bulk_jobs", "org_id", 1.0),
    ("bulk_job_items", "org_id", 1.0),
    ("activities", "org_id", 1.0),
    ("activities", "peer_mentor_id", -0.01),
)
TABLES = ("activities", "bulk_job_items", "bulk_jobs")


def upgrade() -> None:
    for table, column, n_distinct in SHAPE:
        op.execute(
            f"""select pg_restore_attribute_stats(
                    'schemaname', 'public', 'relname', '{table}', 'attname', '{column}',
                    'inherited', false, 'null_frac', 0::real, 'avg_width', 16,
                    'n_distinct', {n_distinct}::real)"""
        )
    for table in TABLES:
        op.execute(
            f"alter table {table} set (autovacuum_analyze_threshold = 1000, "
            "autovacuum_analyze_scale_factor = 0.05)"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(
            f"alter table {table} reset (autovacuum_analyze_threshold, "
            "autovacuum_analyze_scale_factor)"
        )
