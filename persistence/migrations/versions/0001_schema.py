"""Schema, roles' privileges and row-level security.

Revision ID: 0001
Revises:

Roles, in plain words
---------------------
* ``bulkreg_owner`` owns every table and runs the migrations. Nothing else connects as it.
* ``bulkreg_app`` is what the API and the workers connect as. It is not a superuser, not an
  owner, has ``NOBYPASSRLS`` and ``NOINHERIT``. Every table has row-level security enabled
  and FORCED, so even the owner's own queries go through the policies.
* ``bulkreg_maintenance`` (no login) is the reconciler's and the sweeper's identity. The app
  role reaches it only with ``SET LOCAL ROLE`` inside one transaction (``NOINHERIT`` means the
  app role does not hold its rights otherwise). It may read jobs, items and activities of all
  organizations, change a job's processing columns (status, lease, attempts, error), and
  record anomalies, and see a job submitter's role and active flag — nothing else: it cannot insert, delete or rewrite an activity.

Identity
--------
Each unit of work starts with ``set_config('app.user_id' | 'app.org_id' | 'app.role', …,
true)`` — transaction-local, bound parameters. The policies read it through the
``app.current_*()`` functions, wrapped in ``(select …)`` so PostgreSQL evaluates them once
per statement. Without an identity the functions return NULL, every comparison is NULL, and
no row is visible or writable: the database fails closed.

Policies
--------
* Coordinators and admins read their organization's users, activity types, activities, bulk
  jobs, job items, anomalies and audit log, and write within their organization only with
  ``registered_by`` / ``submitted_by`` / ``actor_id`` = themselves; the participant of an
  activity they write must be a user of their organization.
* A peer mentor sees and writes only activities of which they are both the participant and
  the registrar, sees only their own user row, and sees no jobs, items or anomalies.
* The owner provisions the directory — organizations, users, activity types (``bulkreg
  seed-demo``, admin tooling) — and has no policy on any other table: forced RLS hides every
  activity, job and anomaly from it too.
* Column privileges keep UPDATEs narrow: an activity's participant, organization, registrar
  and content cannot be changed at all (only its soft-delete columns), a job's organization
  and submitter neither.
"""

from alembic import op

revision = "0001"
down_revision = None

APP = "bulkreg_app"
MAINT = "bulkreg_maintenance"
OWNER = "bulkreg_owner"

TABLES = [
    "organizations", "users", "activity_types", "bulk_jobs", "bulk_job_items",
    "activities", "anomalies", "audit_log",
]  # fmt: skip

SCHEMA = """
create schema app;

create function app.current_user_id() returns uuid language sql stable
    as $$ select nullif(current_setting('app.user_id', true), '')::uuid $$;
create function app.current_org_id() returns uuid language sql stable
    as $$ select nullif(current_setting('app.org_id', true), '')::uuid $$;
create function app.current_role() returns text language sql stable
    as $$ select nullif(current_setting('app.role', true), '') $$;
create function app.is_staff() returns boolean language sql stable
    as $$ select coalesce(app.current_role() in ('coordinator', 'admin'), false) $$;

create table organizations (
    id uuid primary key,
    name text not null,
    timezone text not null default 'UTC'
);

create table users (
    id uuid primary key,
    org_id uuid not null references organizations(id),
    role text not null check (role in ('coordinator', 'peer_mentor', 'admin')),
    display_name text not null,
    active boolean not null default true
);
create index users_org_role on users (org_id, role);

create table activity_types (
    org_id uuid not null references organizations(id),
    code text not null,
    name text not null,
    active boolean not null default true,
    primary key (org_id, code)
);

create table bulk_jobs (
    id uuid primary key,
    org_id uuid not null references organizations(id),
    submitted_by uuid not null references users(id),
    status text not null check (status in
        ('queued', 'running', 'needs_review', 'succeeded', 'failed', 'cancelled')),
    on_conflict text not null check (on_conflict in ('review', 'skip', 'fail')),
    activity jsonb not null,
    total integer not null,
    attempts integer not null default 0,
    lease_until timestamptz,
    claim_token uuid,
    version integer not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    started_at timestamptz,
    finished_at timestamptz,
    error_code text,
    error_message text,
    idempotency_key text,
    request_hash text,
    unique (submitted_by, idempotency_key)
);
create index bulk_jobs_org_newest on bulk_jobs (org_id, created_at desc, id desc);
create index bulk_jobs_unfinished on bulk_jobs (status, updated_at)
    where status in ('queued', 'running');

create table bulk_job_items (
    job_id uuid not null references bulk_jobs(id) on delete cascade,
    idx integer not null,
    org_id uuid not null references organizations(id),
    peer_mentor_id uuid not null,
    override_duplicate boolean not null default false,
    decision text check (decision in ('override', 'cancel')),
    outcome text not null default 'pending' check (outcome in
        ('pending', 'ready', 'registered', 'overridden', 'skipped', 'conflict', 'invalid',
         'cancelled')),
    activity_id uuid,
    conflict_activity_id uuid,
    error_code text,
    error_message text,
    primary key (job_id, idx)
);

create table activities (
    id uuid primary key,
    org_id uuid not null references organizations(id),
    peer_mentor_id uuid not null references users(id),
    activity_type text not null,
    occurred_on date not null,
    duration_minutes integer not null check (duration_minutes between 1 and 1440),
    notes text check (char_length(notes) <= 2000),
    registered_by uuid not null references users(id),
    source text not null check (source in ('self', 'proxy', 'bulk')),
    bulk_job_id uuid references bulk_jobs(id),
    duplicate_of uuid references activities(id),
    created_at timestamptz not null default now(),
    deleted_at timestamptz,
    deleted_by uuid references users(id),
    deletion_reason text,
    foreign key (org_id, activity_type) references activity_types (org_id, code)
);
-- The database itself refuses a silent duplicate, even from two concurrent jobs. Overrides
-- (duplicate_of set) and soft-deleted rows are outside the index.
create unique index activities_no_silent_duplicate
    on activities (peer_mentor_id, activity_type, occurred_on)
    where duplicate_of is null and deleted_at is null;
create index activities_org_newest on activities (org_id, created_at desc, id desc);
create index activities_peer_mentor on activities (peer_mentor_id, created_at desc, id desc);
create index activities_bulk_job on activities (bulk_job_id) where bulk_job_id is not null;

create table anomalies (
    id uuid primary key,
    org_id uuid not null references organizations(id),
    kind text not null check (kind in ('orphaned_records', 'missing_records')),
    bulk_job_id uuid not null references bulk_jobs(id),
    activity_ids uuid[] not null,
    detected_at timestamptz not null default now(),
    resolved_at timestamptz,
    resolved_by uuid references users(id),
    resolution text check (resolution in ('delete_records', 'dismiss')),
    reason text
);
create unique index anomalies_once on anomalies (bulk_job_id, kind) where resolved_at is null;

create table audit_log (
    id bigint generated always as identity primary key,
    org_id uuid not null references organizations(id),
    actor_id uuid not null,
    action text not null,
    target text not null,
    at timestamptz not null default now(),
    details jsonb not null default '{}'
);
create index audit_log_target on audit_log (org_id, target);
"""

GRANTS = f"""
grant usage on schema app to {APP}, {MAINT};
grant execute on all functions in schema app to {APP}, {MAINT};
grant usage on schema public to {APP}, {MAINT};

grant select on organizations, users, activity_types to {APP};
grant select, insert on bulk_jobs, bulk_job_items, activities, audit_log to {APP};
grant select on anomalies to {APP};
grant update (status, attempts, lease_until, claim_token, version, updated_at, started_at,
              finished_at, error_code, error_message) on bulk_jobs to {APP};
grant update (decision, outcome, activity_id, conflict_activity_id, error_code, error_message)
    on bulk_job_items to {APP};
grant update (deleted_at, deleted_by, deletion_reason) on activities to {APP};
grant update (resolved_at, resolved_by, resolution, reason) on anomalies to {APP};

grant select on bulk_jobs, bulk_job_items, activities, anomalies to {MAINT};
grant select (id, role, active) on users to {MAINT};
grant update (status, attempts, lease_until, claim_token, version, updated_at, started_at,
              finished_at, error_code, error_message) on bulk_jobs to {MAINT};
grant insert on anomalies to {MAINT};
"""

POLICIES = f"""
create policy org_read on organizations for select to {APP}
    using (id = (select app.current_org_id()));

create policy staff_read on users for select to {APP}
    using (org_id = (select app.current_org_id())
           and ((select app.is_staff()) or id = (select app.current_user_id())));

create policy org_read on activity_types for select to {APP}
    using (org_id = (select app.current_org_id()));

create policy read_own_or_staff on activities for select to {APP}
    using (org_id = (select app.current_org_id())
           and ((select app.is_staff())
                or (peer_mentor_id = (select app.current_user_id())
                    and registered_by = (select app.current_user_id()))));
create policy register on activities for insert to {APP}
    with check (org_id = (select app.current_org_id())
                and registered_by = (select app.current_user_id())
                and ((select app.is_staff()) or peer_mentor_id = (select app.current_user_id()))
                and exists (select 1 from users u
                            where u.id = peer_mentor_id and u.org_id = activities.org_id));
create policy soft_delete on activities for update to {APP}
    using (org_id = (select app.current_org_id()) and (select app.is_staff()))
    with check (org_id = (select app.current_org_id()) and (select app.is_staff()));

create policy staff_read on bulk_jobs for select to {APP}
    using (org_id = (select app.current_org_id()) and (select app.is_staff()));
create policy submit on bulk_jobs for insert to {APP}
    with check (org_id = (select app.current_org_id()) and (select app.is_staff())
                and submitted_by = (select app.current_user_id()));
create policy staff_update on bulk_jobs for update to {APP}
    using (org_id = (select app.current_org_id()) and (select app.is_staff()))
    with check (org_id = (select app.current_org_id()) and (select app.is_staff()));

create policy staff_read on bulk_job_items for select to {APP}
    using (org_id = (select app.current_org_id()) and (select app.is_staff()));
create policy submit on bulk_job_items for insert to {APP}
    with check (org_id = (select app.current_org_id()) and (select app.is_staff()));
create policy staff_update on bulk_job_items for update to {APP}
    using (org_id = (select app.current_org_id()) and (select app.is_staff()))
    with check (org_id = (select app.current_org_id()) and (select app.is_staff()));

create policy staff_read on anomalies for select to {APP}
    using (org_id = (select app.current_org_id()) and (select app.is_staff()));
create policy staff_resolve on anomalies for update to {APP}
    using (org_id = (select app.current_org_id()) and (select app.is_staff()))
    with check (org_id = (select app.current_org_id()) and (select app.is_staff()));

create policy staff_read on audit_log for select to {APP}
    using (org_id = (select app.current_org_id()) and (select app.is_staff()));
create policy write_as_self on audit_log for insert to {APP}
    with check (org_id = (select app.current_org_id())
                and actor_id = (select app.current_user_id()));

create policy provision on organizations for all to {OWNER} using (true) with check (true);
create policy provision on users for all to {OWNER} using (true) with check (true);
create policy provision on activity_types for all to {OWNER} using (true) with check (true);

create policy maintenance_read on bulk_jobs for select to {MAINT} using (true);
create policy maintenance_update on bulk_jobs for update to {MAINT} using (true) with check (true);
create policy maintenance_read on users for select to {MAINT} using (true);
create policy maintenance_read on bulk_job_items for select to {MAINT} using (true);
create policy maintenance_read on activities for select to {MAINT} using (true);
create policy maintenance_read on anomalies for select to {MAINT} using (true);
create policy maintenance_record on anomalies for insert to {MAINT} with check (true);
"""


def upgrade() -> None:
    op.execute(SCHEMA)
    op.execute(GRANTS)
    for table in TABLES:
        op.execute(f"alter table {table} enable row level security")
        op.execute(f"alter table {table} force row level security")
    op.execute(POLICIES)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"drop table {table} cascade")
    op.execute("drop schema app cascade")
