"""Reference checks by index probe, whatever the size of the tables; duplicate_of with them.

Revision ID: 0007
Revises: 0006

The statement check of migration 0006 let the planner choose how to look its facts up, and
PL/pgSQL keeps the plan it chose first for the whole session. With young tables it chose to
hash whole tables — every user of every organization, every bulk job ever submitted — for
each INSERT, however few its rows: a cost that grows with the installation instead of the
batch (a 15-participant job read every bulk job). Each fact is now a probe of a primary key
(a LIMIT 1 lateral or scalar subquery cannot be turned into a hashed scan), so the check
costs one probe per row, or per distinct registrar, type and job.

``duplicate_of`` (the activity an override duplicates) was the last per-row foreign key on
activities: a trigger queued per inserted row, even when NULL (a 10,000-row batch paid about
5 ms for nothing). It is checked in the same statement check, for the rows that have one,
and more strictly: the duplicated activity must be of the same organization. Activities are
never deleted (nobody holds DELETE), so the key's other half guarded nothing. The owner,
whose check this is, is given a read policy on activities for it, as 0006 did for jobs.

The insert policy of bulk_jobs had the same habit: its "the submitter is a user of the
organization" was planned as a hash of all the organization's users, built for every
submitted job. It is a probe of the primary key now.
"""

from alembic import op

revision = "0007"
down_revision = "0006"

APP = "bulkreg_app"
OWNER = "bulkreg_owner"
SUBMIT = """create policy submit on bulk_jobs for insert to {app}
    with check (
        org_id = (select app.current_org_id())
        and (select app.is_staff())
        and submitted_by = (select app.current_user_id())
        and {submitter_is_of_the_org})"""

DUPLICATED_ACTIVITY = """
          or exists (select 1 from new_rows n
                     where n.duplicate_of is not null
                       and (select true from activities a
                            where a.id = n.duplicate_of and a.org_id = n.org_id
                            limit 1) is null)"""


def check(*more: str) -> str:
    return f"""create or replace function app.check_activity_references() returns trigger
   language plpgsql security definer set search_path = pg_catalog, public
   as $$
   begin
       if exists (select 1 from new_rows n
                  left join lateral (select true as found from users u
                                     where u.id = n.peer_mentor_id and u.org_id = n.org_id
                                     limit 1) p on true
                  where p.found is null)
          or exists (select 1
                     from (select distinct org_id, registered_by, activity_type, bulk_job_id
                           from new_rows) n
                     where (select true from users u
                            where u.id = n.registered_by and u.org_id = n.org_id and u.active
                            limit 1) is null
                        or (select true from activity_types t
                            where t.org_id = n.org_id and t.code = n.activity_type
                            limit 1) is null
                        or (n.bulk_job_id is not null
                            and (select true from bulk_jobs j
                                 where j.id = n.bulk_job_id and j.org_id = n.org_id
                                 limit 1) is null)){"".join(more)}
       then
           raise exception 'an activity refers to a user, an activity type, a job or an '
                           'activity outside its organization'
               using errcode = '23503';
       end if;
       return null;
   end $$"""


def upgrade() -> None:
    op.execute("alter table activities drop constraint activities_duplicate_of_fkey")
    op.execute(f"create policy check_references on activities for select to {OWNER} using (true)")
    op.execute(check(DUPLICATED_ACTIVITY))
    op.execute("drop policy submit on bulk_jobs")
    op.execute(
        SUBMIT.format(
            app=APP,
            submitter_is_of_the_org="""(select true from users u
                 where u.id = submitted_by and u.org_id = bulk_jobs.org_id
                 limit 1) is not null""",
        )
    )


def downgrade() -> None:
    op.execute("drop policy submit on bulk_jobs")
    op.execute(
        SUBMIT.format(
            app=APP,
            submitter_is_of_the_org="""exists (select 1 from users u
                 where u.id = submitted_by and u.org_id = bulk_jobs.org_id)""",
        )
    )
    # The checks of 0006, by probe: without duplicate_of, which the key checks again, and
    # which the owner could no longer read once its policy is gone.
    op.execute(check())
    op.execute("drop policy check_references on activities")
    op.execute(
        "alter table activities add constraint activities_duplicate_of_fkey "
        "foreign key (duplicate_of) references activities(id)"
    )
