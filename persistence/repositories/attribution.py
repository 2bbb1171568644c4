"""Who registered what, and whether they could: the registrar's role when each record was
written (``user_roles``, kept by the trigger ``users_role_history``), and the records that look misattributed — live,
for someone else, by a registrar who was not active staff of that organization then.

One definition serves the reconciler (``RECORD_MISATTRIBUTED``, as the maintenance role) and
the responder's exposure report (``EXPOSURE``, as the owner from the CLI)."""

from __future__ import annotations

from persistence.wire import sql

# The registrar's period of ``user_roles`` in force when ``a`` was written, as ``r``.
ROLE_AT_THE_TIME = """left join lateral (
        select r.role, r.active from user_roles r
        where r.user_id = a.registered_by and r.org_id = a.org_id
          and r.valid_from <= a.created_at
          and (r.valid_to is null or r.valid_to > a.created_at)
        limit 1) as r on true"""
MISATTRIBUTED = """(a.deleted_at is null and a.registered_by <> a.peer_mentor_id
        and not coalesce(r.role in ('coordinator', 'admin') and r.active, false))"""
# Activities written before the last look, less this margin, were looked at then: a job's
# transaction (whose rows carry its start time) runs at most the task time limit (600 s).
MARGIN = "interval '15 minutes'"

RECORD_MISATTRIBUTED = sql(
    f"""with mark as (
           select coalesce((select checked_until from app.reconcile_marks
                            where kind = 'misattributed_records'), '-infinity') as since,
                  statement_timestamp() as now),
       found as (
           select a.org_id, a.bulk_job_id, array_agg(a.id order by a.id) as activity_ids
           from mark, activities a
           {ROLE_AT_THE_TIME}
           where a.created_at >= mark.since - {MARGIN} and {MISATTRIBUTED}
             and not exists (select 1 from anomalies x
                             where x.kind = 'misattributed_records'
                               and a.id = any(x.activity_ids))
           group by a.org_id, a.bulk_job_id),
       filed as (
           insert into anomalies (id, org_id, kind, bulk_job_id, activity_ids)
           select gen_random_uuid(), f.org_id, 'misattributed_records', f.bulk_job_id,
                  f.activity_ids
           from found f
           on conflict (org_id, coalesce(bulk_job_id, '00000000-0000-0000-0000-000000000000'),
                        kind) where resolved_at is null
           do update set activity_ids = array(
               select distinct x from unnest(anomalies.activity_ids || excluded.activity_ids) x
               order by x)
           returning 1),
       marked as (
           insert into app.reconcile_marks (kind, checked_until)
           select 'misattributed_records', now from mark
           on conflict (kind) do update set checked_until = excluded.checked_until)
       select count(*) from filed"""
)

EXPOSURE = sql(
    f"""select a.id as activity_id, a.created_at, a.peer_mentor_id, a.registered_by,
               r.role as registrar_role, r.active as registrar_active, a.source,
               a.bulk_job_id, a.deleted_at, {MISATTRIBUTED} as misattributed
        from activities a
        {ROLE_AT_THE_TIME}
        where a.org_id = :org and a.created_at >= :from and a.created_at < :to
          and (cast(:by as uuid) is null or a.registered_by = :by)
        order by a.created_at, a.id"""
)

FILE_EXPOSED = sql(
    """insert into anomalies (id, org_id, kind, bulk_job_id, activity_ids)
       select gen_random_uuid(), :org, 'misattributed_records', f.job, f.ids
       from (select a.bulk_job_id as job, array_agg(a.id order by a.id) as ids
             from activities a where a.id = any(cast(:ids as uuid[]))
               and not exists (select 1 from anomalies x
                               where x.kind = 'misattributed_records'
                                 and a.id = any(x.activity_ids))
             group by a.bulk_job_id) f
       on conflict (org_id, coalesce(bulk_job_id, '00000000-0000-0000-0000-000000000000'),
                    kind) where resolved_at is null
       do update set activity_ids = array(
           select distinct x from unnest(anomalies.activity_ids || excluded.activity_ids) x
           order by x)"""
)
