"""What an incident responder needs: role history, misattributed records, the audit log of
operators' changes, and activity windows served by an index.

Revision ID: 0014
Revises: 0013

Role history
------------
``user_roles`` keeps each user's organization, role and active flag over time: one row per
period (``valid_from`` inclusive, ``valid_to`` exclusive, open while current), written by a
trigger on ``users`` whenever one of the three changes. "The registrar's role when the
record was written" is then a join on ``created_at``, not a guess. Users made before this
migration get one period from the beginning of time.

Misattributed records
---------------------
``anomalies.kind`` takes ``misattributed_records`` (live activities registered for someone
else by a registrar who was not staff of that organization when they were written), and an
anomaly may have no job (a proxy registration's record). An open anomaly is raised once per
job (or, without one, per organization), as before; misattributed records found while one is
open join it (the maintenance role may update an open anomaly's ``activity_ids``, nothing
else). The owner may file anomalies too (``bulkreg audit exposure --open-anomalies``).

The reconciler looks at the activities written since it last looked (less a margin for
transactions that committed late), which ``app.reconcile_marks`` remembers; a BRIN index on
``created_at`` serves that window at next to no cost on inserts (rows arrive in time order).
The maintenance role reads ``user_roles`` and writes the marks.

Audit log
---------
An operator's change from the CLI (organizations, users, activity types, rosters) is written
as the owner, with no actor (``actor_id`` null; ``details.via`` says "cli"). Only admins
read the log (coordinators could before); an index on (organization, time) serves it.

Activities
----------
An index on (organization, registrar, time) answers "what did this person register in this
window" over any number of activities; the window alone is served by the existing
``activities_org_newest``.
"""

from alembic import op

revision = "0014"
down_revision = "0013"

APP = "bulkreg_app"
MAINT = "bulkreg_maintenance"


def upgrade() -> None:
    op.execute(
        f"""create table user_roles (
               user_id uuid not null references users (id),
               org_id uuid not null,
               role text not null,
               active boolean not null,
               valid_from timestamptz not null,
               valid_to timestamptz,
               primary key (user_id, valid_from));
        create index user_roles_current on user_roles (user_id) where valid_to is null;
        alter table user_roles enable row level security;
        alter table user_roles force row level security;
        create policy provision on user_roles to bulkreg_owner using (true) with check (true);
        create policy staff_read on user_roles for select to {APP}
            using (org_id = (select app.current_org_id()) and (select app.is_staff()));
        create policy maintenance_read on user_roles for select to {MAINT} using (true);
        grant select on user_roles to {APP}, {MAINT};
        insert into user_roles (user_id, org_id, role, active, valid_from)
            select id, org_id, role, active, '-infinity' from users;

        create function app.record_role_period() returns trigger
            language plpgsql set search_path = pg_catalog, pg_temp as $$
            begin
                if tg_op = 'UPDATE' and (old.org_id, old.role, old.active)
                        is not distinct from (new.org_id, new.role, new.active) then
                    return null;
                end if;
                update public.user_roles set valid_to = pg_catalog.clock_timestamp()
                    where user_id = new.id and valid_to is null;
                insert into public.user_roles (user_id, org_id, role, active, valid_from)
                    values (new.id, new.org_id, new.role, new.active,
                            pg_catalog.clock_timestamp());
                return null;
            end $$;
        revoke all on function app.record_role_period() from public;
        create trigger users_role_history after insert or update of org_id, role, active
            on users for each row execute function app.record_role_period();"""
    )
    op.execute(
        f"""alter table anomalies alter column bulk_job_id drop not null,
               drop constraint anomalies_kind_check,
               add constraint anomalies_kind_check check (kind in
                   ('orphaned_records', 'missing_records', 'misattributed_records'));
        drop index anomalies_once;
        create unique index anomalies_once on anomalies
            (org_id, coalesce(bulk_job_id, '00000000-0000-0000-0000-000000000000'), kind)
            where resolved_at is null;
        create policy maintenance_merge on anomalies for update to {MAINT}
            using (resolved_at is null) with check (resolved_at is null);
        grant update (activity_ids) on anomalies to {MAINT};
        create policy provision on anomalies to bulkreg_owner using (true) with check (true);
        drop policy staff_read on audit_log;
        create policy admin_read on audit_log for select to {APP}
            using (org_id = (select app.current_org_id())
                   and (select app."current_role"()) = 'admin');
        create table app.reconcile_marks (
            kind text primary key,
            checked_until timestamptz not null);
        revoke all on app.reconcile_marks from public;
        grant select, insert, update on app.reconcile_marks to {MAINT};
        create index activities_created_brin on activities using brin (created_at);
        create index activities_registrar_window
            on activities (org_id, registered_by, created_at desc, id desc);

        alter table audit_log alter column actor_id drop not null;
        create policy provision on audit_log to bulkreg_owner using (true) with check (true);
        create index audit_log_org_newest on audit_log (org_id, at desc, id desc);"""
    )


def downgrade() -> None:
    op.execute(
        f"""drop index audit_log_org_newest;
        drop policy provision on audit_log;
        drop policy admin_read on audit_log;
        create policy staff_read on audit_log for select to {APP}
            using (org_id = (select app.current_org_id()) and (select app.is_staff()));
        drop policy provision on anomalies;
        revoke update (activity_ids) on anomalies from {MAINT};
        drop policy maintenance_merge on anomalies;
        delete from audit_log where actor_id is null;
        alter table audit_log alter column actor_id set not null;
        drop index activities_registrar_window, activities_created_brin;
        drop table app.reconcile_marks;
        delete from anomalies where kind = 'misattributed_records' or bulk_job_id is null;
        drop index anomalies_once;
        create unique index anomalies_once on anomalies (bulk_job_id, kind)
            where resolved_at is null;
        alter table anomalies alter column bulk_job_id set not null,
            drop constraint anomalies_kind_check,
            add constraint anomalies_kind_check check (kind in
                ('orphaned_records', 'missing_records'));
        drop trigger users_role_history on users;
        drop function app.record_role_period();
        drop table user_roles;"""
    )
