"""Check an activity's references in its insert policy instead of per-row FK triggers.

Revision ID: 0002
Revises: 0001

Why: a 10,000-participant job inserts 10,000 activities in one statement, and every foreign
key on ``activities`` queued one RI trigger per row — five of them made the insert cost
three times a COPY of the same rows. The insert policy of the application role now checks
the same facts in the statement itself, where PostgreSQL evaluates them as cheap index
probes:

* the organization is the acting one (``org_id = app.current_org_id()``, as before);
* the participant is a user of that organization (as before);
* the registrar is the acting user (as before) and an active user of the organization;
* the activity type exists in the organization;
* the bulk job, if any, is a job of the organization.

The parents are never deleted — users, activity types and organizations are deactivated,
jobs and activities kept (soft delete); nobody holds a DELETE privilege on them — so the
foreign keys' other half (refusing to delete a referenced row) guarded nothing. The owner,
who bypasses the application's policies, only provisions the directory. ``duplicate_of``
keeps its foreign key: it is set on overrides only.
"""

from alembic import op

revision = "0002"
down_revision = "0001"

APP = "bulkreg_app"
DROPPED = {
    "activities_org_id_fkey": "foreign key (org_id) references organizations(id)",
    "activities_peer_mentor_id_fkey": "foreign key (peer_mentor_id) references users(id)",
    "activities_registered_by_fkey": "foreign key (registered_by) references users(id)",
    "activities_deleted_by_fkey": "foreign key (deleted_by) references users(id)",
    "activities_bulk_job_id_fkey": "foreign key (bulk_job_id) references bulk_jobs(id)",
    "activities_org_id_activity_type_fkey": (
        "foreign key (org_id, activity_type) references activity_types (org_id, code)"
    ),
}


def upgrade() -> None:
    for constraint in DROPPED:
        op.execute(f"alter table activities drop constraint {constraint}")
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
    # Item outcomes are written once or twice per job: room on each page lets PostgreSQL
    # update them in place (HOT), without touching the primary key index.
    op.execute("alter table bulk_job_items set (fillfactor = 60)")


def downgrade() -> None:
    op.execute("alter table bulk_job_items reset (fillfactor)")
    op.execute("drop policy register on activities")
    op.execute(
        f"""create policy register on activities for insert to {APP}
        with check (
            org_id = (select app.current_org_id())
            and registered_by = (select app.current_user_id())
            and ((select app.is_staff()) or peer_mentor_id = (select app.current_user_id()))
            and exists (select 1 from users u
                        where u.id = peer_mentor_id and u.org_id = activities.org_id))"""
    )
    for constraint, definition in DROPPED.items():
        op.execute(f"alter table activities add constraint {constraint} {definition}")
