"""The database guards the job states: no role moves a job, or its items, off the state
machine.

Revision ID: 0017
Revises: 0016

Row-level security says *who* may update a job; it never said *which changes* are legal. As
the API's role, ``update bulk_jobs set status = 'queued'`` on a succeeded job committed, and so
did ``'succeeded'`` on a job with no activities, and ``outcome = 'registered'`` on its items.

``app.job_transitions`` holds the edges of the state machine — the same edges as the
domain's ``domain.jobs.TRANSITIONS``, which a test compares with this table — each with the
roles that take it in the running system: the API's role submits, resolves and cancels, the
maintenance role claims, releases, fails and sweeps, the workers' role finishes. A trigger on
``bulk_jobs`` refuses, for every role, a new job that is not ``queued`` and a change of status
that is not an edge; an application role may only take the edges listed for it (the owner and
superusers, outside the application, may take any edge).

A job's items change their outcome only with their job: a statement that changes outcomes
is refused unless each of their jobs was written in the same transaction, and only the
workers' role, which writes the activities, may mark an item registered or overridden.

The refusals are ``check_violation`` errors naming the constraint ``job_state_machine``,
which the application reports as an invalid state. ``app.job_cannot_become`` raises the same
for a save whose job was not in a status from which the move is legal.

The reconciler no longer records a missing record as ``NULL`` (an item marked registered
with no activity): ``activity_ids`` holds no ``NULL`` from now on.
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"

API = "bulkreg_api"
WORKER = "bulkreg_worker"
MAINT = "bulkreg_maintenance"
APP_ROLES = f"'{API}', '{WORKER}', '{MAINT}', 'bulkreg_app'"
# (from, to, the roles that take the edge): TRANSITIONS of domain/jobs.py, by who moves it.
EDGES = [
    ("queued", "running", [MAINT]),
    ("queued", "cancelled", [API]),
    ("queued", "failed", [MAINT]),
    ("running", "succeeded", [WORKER]),
    ("running", "needs_review", [WORKER]),
    ("running", "failed", [WORKER, MAINT]),
    ("running", "queued", [WORKER, MAINT]),
    ("needs_review", "queued", [API]),
    ("needs_review", "cancelled", [API]),
]
REFUSE = "using errcode = 'check_violation', constraint = 'job_state_machine'"


def upgrade() -> None:
    rows = ", ".join(
        f"('{a}', '{b}', array[{', '.join(repr(r) for r in roles)}]::text[])"
        for a, b, roles in EDGES
    )
    op.execute(
        f"""create table app.job_transitions (
               from_status text not null,
               to_status text not null,
               by_roles text[] not null,
               primary key (from_status, to_status));
        insert into app.job_transitions values {rows};
        grant select on app.job_transitions to bulkreg_app, {API}, {WORKER}, {MAINT};

        create function app.guard_job_status() returns trigger
            language plpgsql set search_path = pg_catalog, pg_temp as $$
            declare
                allowed text[];
            begin
                if tg_op = 'INSERT' then
                    if new.status <> 'queued' then
                        raise exception 'a bulk job is created queued, not %', new.status
                            {REFUSE};
                    end if;
                    return new;
                end if;
                if new.status is not distinct from old.status then
                    return new;
                end if;
                select t.by_roles into allowed from app.job_transitions t
                where t.from_status = old.status and t.to_status = new.status;
                if allowed is null then
                    raise exception 'a % bulk job cannot become %', old.status, new.status
                        {REFUSE};
                end if;
                if current_user in ({APP_ROLES}) and not current_user = any (allowed) then
                    raise exception '% may not move a bulk job from % to %', current_user,
                        old.status, new.status {REFUSE};
                end if;
                return new;
            end $$;
        revoke all on function app.guard_job_status() from public;
        create trigger bulk_jobs_state_machine before insert or update of status on bulk_jobs
            for each row execute function app.guard_job_status();

        create function app.guard_item_outcomes() returns trigger
            language plpgsql set search_path = pg_catalog, pg_temp as $$
            begin
                if exists (
                    select from new_items n join old_items o using (job_id, idx)
                    where n.outcome is distinct from o.outcome
                      and (not exists (select from public.bulk_jobs j
                                       where j.id = n.job_id
                                         and j.xmin::text
                                             = (pg_catalog.txid_current() % 4294967296)::text)
                           or (n.outcome in ('registered', 'overridden')
                               and current_user in ({APP_ROLES})
                               and current_user <> '{WORKER}'))) then
                    raise exception 'an item''s outcome changes only with its job''s move'
                        {REFUSE};
                end if;
                return null;
            end $$;
        revoke all on function app.guard_item_outcomes() from public;
        create trigger bulk_job_items_move_with_their_job after update on bulk_job_items
            referencing old table as old_items new table as new_items
            for each statement execute function app.guard_item_outcomes();

        create function app.job_cannot_become(p_job uuid, p_target text) returns integer
            language plpgsql set search_path = pg_catalog, pg_temp as $$
            begin
                raise exception 'bulk job % is % and cannot become %', p_job,
                    coalesce((select j.status from public.bulk_jobs j where j.id = p_job),
                             'not found'),
                    p_target {REFUSE};
            end $$;
        revoke all on function app.job_cannot_become(uuid, text) from public;
        grant execute on function app.job_cannot_become(uuid, text)
            to bulkreg_app, {API}, {WORKER}, {MAINT};

        alter table anomalies add constraint anomalies_name_no_null_record
            check (array_position(activity_ids, null) is null) not valid;"""
    )


def downgrade() -> None:
    op.execute(
        """alter table anomalies drop constraint anomalies_name_no_null_record;
        drop function app.job_cannot_become(uuid, text);
        drop trigger bulk_job_items_move_with_their_job on bulk_job_items;
        drop function app.guard_item_outcomes();
        drop trigger bulk_jobs_state_machine on bulk_jobs;
        drop function app.guard_job_status();
        drop table app.job_transitions;"""
    )
