"""Check references once per statement or in the insert policy, not per-row FK triggers.

Revision ID: 0006
Revises: 0005

As migration 0002 did for activities: every submit inserted a job and one item per
participant, and each foreign key queued a trigger per row (two per item) that ran its own
query. The insert policies of the application role now check the same facts in the
statement:

* a job's organization is the acting one, its submitter the acting user (as before) and a
  user of that organization;
* an item's organization is the acting one (as before), and its job a job of that
  organization.

Jobs and organizations are never deleted (nobody holds DELETE), so the keys' other half
guarded nothing; the owner, who bypasses the policies, does not write jobs.

An activity's references (migration 0002 checked them in the insert policy, row by row: a
10,000-participant job paid 30,000 index probes) are now checked once per statement, by an
AFTER INSERT trigger over the statement's new rows: the participant is a user of the
activity's organization, the registrar an active one, the activity type one of the
organization's, the bulk job one of its jobs. PostgreSQL joins the batch with those tables
as a set. The insert policy keeps what decides who may write: the acting organization, the
acting user as registrar, staff or the participant themselves. The trigger runs as the
owner (SECURITY DEFINER, fixed search_path), so it sees the facts whatever the writer may
see — the owner, under forced row-level security, is given a read policy on bulk_jobs for
this — and refuses with SQLSTATE 23503 (foreign_key_violation), as the foreign keys did.
"""

from alembic import op

revision = "0006"
down_revision = "0005"

APP = "bulkreg_app"
OWNER = "bulkreg_owner"
DROPPED = {
    "bulk_jobs": {
        "bulk_jobs_org_id_fkey": "foreign key (org_id) references organizations(id)",
        "bulk_jobs_submitted_by_fkey": "foreign key (submitted_by) references users(id)",
    },
    "bulk_job_items": {
        "bulk_job_items_job_id_fkey": (
            "foreign key (job_id) references bulk_jobs(id) on delete cascade"
        ),
        "bulk_job_items_org_id_fkey": "foreign key (org_id) references organizations(id)",
    },
}


def upgrade() -> None:
    for table, constraints in DROPPED.items():
        for constraint in constraints:
            op.execute(f"alter table {table} drop constraint {constraint}")
    op.execute("drop policy submit on bulk_jobs")
    op.execute(
        f"""create policy submit on bulk_jobs for insert to {APP}
        with check (
            org_id = (select app.current_org_id())
            and (select app.is_staff())
            and submitted_by = (select app.current_user_id())
            and exists (select 1 from users u
                        where u.id = submitted_by and u.org_id = bulk_jobs.org_id))"""
    )
    op.execute("drop policy submit on bulk_job_items")
    op.execute(
        f"""create policy submit on bulk_job_items for insert to {APP}
        with check (
            org_id = (select app.current_org_id())
            and (select app.is_staff())
            and exists (select 1 from bulk_jobs j
                        where j.id = job_id and j.org_id = bulk_job_items.org_id))"""
    )
    op.execute("drop policy register on activities")
    op.execute(
        f"""create policy register on activities for insert to {APP}
        with check (
            org_id = (select app.current_org_id())
            and registered_by = (select app.current_user_id())
            and ((select app.is_staff()) or peer_mentor_id = (select app.current_user_id())))"""
    )
    op.execute(
        """create function app.check_activity_references() returns trigger
           language plpgsql security definer set search_path = pg_catalog, public
           as $$
           begin
               if exists (select 1 from new_rows n
                          left join users u on u.id = n.peer_mentor_id and u.org_id = n.org_id
                          where u.id is null)
                  or exists (select 1
                             from (select distinct org_id, registered_by, activity_type,
                                          bulk_job_id
                                   from new_rows) n
                             where not exists (select 1 from users u
                                               where u.id = n.registered_by
                                                 and u.org_id = n.org_id and u.active)
                                or not exists (select 1 from activity_types t
                                               where t.org_id = n.org_id
                                                 and t.code = n.activity_type)
                                or (n.bulk_job_id is not null
                                    and not exists (select 1 from bulk_jobs j
                                                    where j.id = n.bulk_job_id
                                                      and j.org_id = n.org_id)))
               then
                   raise exception 'an activity refers to a user, an activity type or a job '
                                   'outside its organization'
                       using errcode = '23503';
               end if;
               return null;
           end $$"""
    )
    op.execute(f"create policy check_references on bulk_jobs for select to {OWNER} using (true)")
    op.execute("revoke all on function app.check_activity_references() from public")
    op.execute(
        """create trigger activities_references after insert on activities
           referencing new table as new_rows
           for each statement execute function app.check_activity_references()"""
    )


def downgrade() -> None:
    """Back to 0005: the keys, the per-row reference checks of 0002's insert policy, and
    0001's job and item insert policies."""
    op.execute("drop trigger activities_references on activities")
    op.execute("drop function app.check_activity_references()")
    op.execute("drop policy check_references on bulk_jobs")
    op.execute("drop policy register on activities")
    op.execute(
        f"""create policy register on activities for insert to {APP}
        with check (
            org_id = (select app.current_org_id())
            and registered_by = (select app.current_user_id())
            and ((select app.is_staff()) or peer_mentor_id = (select app.current_user_id()))
            and exists (select 1 from users u
                        where u.id = peer_mentor_id and u.org_id = activities.org_id)
            and exists (select 1 from users u
                        where u.id = registered_by and u.org_id = activities.org_id and u.active)
            and exists (select 1 from activity_types t
                        where t.org_id = activities.org_id and t.code = activity_type)
            and (bulk_job_id is null
                 or exists (select 1 from bulk_jobs j
                            where j.id = bulk_job_id and j.org_id = activities.org_id)))"""
    )
    op.execute("drop policy submit on bulk_job_items")
    op.execute(
        f"""create policy submit on bulk_job_items for insert to {APP}
        with check (org_id = (select app.current_org_id()) and (select app.is_staff()))"""
    )
    op.execute("drop policy submit on bulk_jobs")
    op.execute(
        f"""create policy submit on bulk_jobs for insert to {APP}
        with check (org_id = (select app.current_org_id()) and (select app.is_staff())
                    and submitted_by = (select app.current_user_id()))"""
    )
    for table, constraints in DROPPED.items():
        for constraint, definition in constraints.items():
            op.execute(f"alter table {table} add constraint {constraint} {definition}")
