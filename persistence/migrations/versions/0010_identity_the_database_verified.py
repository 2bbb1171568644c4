"""An identity the database verified; definer functions that cannot be hijacked; peer
mentors see what was registered for them.

Revision ID: 0010
Revises: 0009

Identity
--------
Until now the policies believed ``app.user_id`` / ``app.org_id`` / ``app.role`` as they
found them, and ``app.require_identity`` checked them beside: a connection that called
``set_config`` by hand, without the check, was whoever it said. Now the policies see an
identity only when the database verified it in this transaction:

* ``app.act_as(user, org, role)`` (the API's units of work) and ``app.act_for_claim(job,
  token)`` (the worker's) check the user — exists, active, that role in that organization,
  or the submitter of the job running under that claim — and set the identity together
  with a **seal**: a keyed SHA-256 MAC (two nested keys, as HMAC nests its pads) of the
  identity, the backend's pid and the transaction's start.
* ``app.current_user_id()``, ``app.current_org_id()`` and ``app.current_role()``, which the
  policies call, answer only while the seal matches; otherwise NULL, and NULL sees nothing.
* The keys are in ``app.identity_key``, which only the owner reads. A seal cannot be made
  by hand, nor carried to another transaction or connection.

``app.identity_is_valid`` (nothing calls it) and ``app.require_identity`` (``act_as`` does
its work) are gone.

Definer functions
-----------------
Every ``SECURITY DEFINER`` function follows "Writing SECURITY DEFINER Functions Safely" in
PostgreSQL's manual: ``search_path = pg_catalog, pg_temp`` (temporary schema last, so a
temporary table can never shadow a real one) and every name schema-qualified. ``EXECUTE`` on
the ``app`` schema's functions is revoked from ``PUBLIC`` — also for functions made later —
and granted to the one role that calls each: the policies' helpers to ``bulkreg_app``,
``act_as`` and ``job_counts`` (operators' metrics: counts, never rows) to ``bulkreg_api``,
``act_for_claim`` to ``bulkreg_worker``. ``TEMPORARY`` and
``CONNECT`` on the database are revoked from ``PUBLIC``: only the stack's roles connect, and
none of them can create a temporary table.

Roles
-----
``bulkreg_app`` no longer logs in: it holds what the API and the workers share. The API
logs in as ``bulkreg_api``, the workers as ``bulkreg_worker``; only the latter may ``SET
ROLE bulkreg_maintenance`` (the memberships are the bootstrap's: see ``bulkreg.devstack.postgres``
and ``deploy/postgres-init.sh``).

Peer mentors
------------
A peer mentor reads every activity in which they are the participant, whoever registered
it; they still write only activities of which they are both participant and registrar.
"""

from alembic import op

revision = "0010"
down_revision = "0009"

APP = "bulkreg_app"
API = "bulkreg_api"
WORKER = "bulkreg_worker"
MAINT = "bulkreg_maintenance"
SAFE = "security definer set search_path = pg_catalog, pg_temp"

KEY = """
create table app.identity_key (
    inner_key bytea not null,
    outer_key bytea not null,
    singleton boolean primary key default true check (singleton)
);
revoke all on app.identity_key from public;
insert into app.identity_key (inner_key, outer_key)
select uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())
       || uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()),
       uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())
       || uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid());
"""

# The seal of an identity in this transaction of this backend. Runs as the owner only:
# nobody else may execute it, nor read the keys it uses.
SEAL = """
create function app.identity_seal(p_user text, p_org text, p_role text) returns text
    language sql stable set search_path = pg_catalog, pg_temp
    as $$ select pg_catalog.encode(pg_catalog.sha256(k.outer_key || pg_catalog.sha256(
              k.inner_key || pg_catalog.convert_to(concat_ws('|', p_user, p_org,
              p_role, pg_catalog.pg_backend_pid(),
              extract(epoch from pg_catalog.transaction_timestamp())), 'UTF8'))),
              'hex')
          from app.identity_key k $$;
"""

SEALED = """(select pg_catalog.current_setting('app.identity_seal', true)
              = app.identity_seal(pg_catalog.current_setting('app.user_id', true),
                                  pg_catalog.current_setting('app.org_id', true),
                                  pg_catalog.current_setting('app.role', true)))"""

VERIFIED = f"""
create or replace function app.current_user_id() returns uuid language sql stable {SAFE}
    as $$ select case when {SEALED}
                 then nullif(pg_catalog.current_setting('app.user_id', true), '')::uuid
                 end $$;
create or replace function app.current_org_id() returns uuid language sql stable {SAFE}
    as $$ select case when {SEALED}
                 then nullif(pg_catalog.current_setting('app.org_id', true), '')::uuid
                 end $$;
create or replace function app.current_role() returns text language sql stable {SAFE}
    as $$ select case when {SEALED}
                 then nullif(pg_catalog.current_setting('app.role', true), '')
                 end $$;
create or replace function app.is_staff() returns boolean language sql stable
    set search_path = pg_catalog, pg_temp
    as $$ select coalesce(app.current_role() in ('coordinator', 'admin'), false) $$;
"""

ACT = f"""
create function app.act_as(p_user uuid, p_org uuid, p_role text) returns void
    language plpgsql volatile {SAFE}
    as $$
    begin
        if not exists (select 1 from public.users u
                       where u.id = p_user and u.org_id = p_org and u.role = p_role
                         and u.active) then
            raise exception 'unknown or inactive user, or the role or organization changed'
                using errcode = '28000';
        end if;
        perform pg_catalog.set_config('app.user_id', p_user::text, true),
                pg_catalog.set_config('app.org_id', p_org::text, true),
                pg_catalog.set_config('app.role', p_role, true),
                pg_catalog.set_config('app.identity_seal',
                                      app.identity_seal(p_user::text, p_org::text, p_role), true);
    end $$;

create or replace function app.act_for_claim(p_job uuid, p_token uuid) returns void
    language plpgsql volatile {SAFE}
    as $$
    declare
        v_user uuid;
        v_org uuid;
        v_role text;
    begin
        select j.submitted_by, j.org_id, u.role into v_user, v_org, v_role
        from public.bulk_jobs j
        join public.users u on u.id = j.submitted_by and u.org_id = j.org_id
        where j.id = p_job and j.status = 'running' and j.claim_token = p_token
          and u.active and u.role in ('coordinator', 'admin');
        if not found then
            raise exception 'no running claim with this token, or its submitter may no longer register'
                using errcode = '28000';
        end if;
        perform pg_catalog.set_config('app.user_id', v_user::text, true),
                pg_catalog.set_config('app.org_id', v_org::text, true),
                pg_catalog.set_config('app.role', v_role, true),
                pg_catalog.set_config('app.identity_seal',
                                      app.identity_seal(v_user::text, v_org::text, v_role), true);
    end $$;
"""

CHECK_REFERENCES = f"""
create or replace function app.check_activity_references() returns trigger
    language plpgsql {SAFE}
    as $$
    begin
        if exists (select 1 from new_rows n
                   left join lateral (select true as found from public.users u
                                      where u.id = n.peer_mentor_id and u.org_id = n.org_id
                                      limit 1) p on true
                   where p.found is null)
           or exists (select 1
                      from (select distinct org_id, registered_by, activity_type, bulk_job_id
                            from new_rows) n
                      where (select true from public.users u
                             where u.id = n.registered_by and u.org_id = n.org_id and u.active
                             limit 1) is null
                         or (select true from public.activity_types t
                             where t.org_id = n.org_id and t.code = n.activity_type
                             limit 1) is null
                         or (n.bulk_job_id is not null
                             and (select true from public.bulk_jobs j
                                  where j.id = n.bulk_job_id and j.org_id = n.org_id
                                  limit 1) is null))
           or exists (select 1 from new_rows n
                      where n.duplicate_of is not null
                        and (select true from public.activities a
                             where a.id = n.duplicate_of and a.org_id = n.org_id
                             limit 1) is null)
        then
            raise exception 'an activity refers to a user, an activity type, a job or an '
                            'activity outside its organization'
                using errcode = '23503';
        end if;
        return null;
    end $$;
"""

# Operators' metrics count jobs of every organization; the API may learn the counts, never
# the rows (it can no longer become maintenance to read them).
JOB_COUNTS = f"""
create function app.job_counts() returns table (status text, jobs bigint)
    language sql stable {SAFE}
    as $$ select j.status, pg_catalog.count(*) from public.bulk_jobs j group by j.status $$;
"""

GRANTS = f"""
alter default privileges in schema app revoke execute on functions from public;
revoke execute on all functions in schema app from public;
revoke execute on all functions in schema app from {APP}, {MAINT};
grant execute on function app.current_user_id(), app.current_org_id(), app.current_role(),
    app.is_staff() to {APP};
grant execute on function app.act_as(uuid, uuid, text) to {API};
grant execute on function app.act_for_claim(uuid, uuid) to {WORKER};
grant execute on function app.job_counts() to {API};
do $$
begin
    execute pg_catalog.format('revoke temporary, connect on database %I from public',
                              pg_catalog.current_database());
    execute pg_catalog.format('grant connect on database %I to {API}, {WORKER}',
                              pg_catalog.current_database());
end $$;
"""

PEER_MENTORS_READ_THEIR_OWN = f"""
drop policy read_own_or_staff on activities;
create policy read_own_or_staff on activities for select to {APP}
    using (org_id = (select app.current_org_id())
           and ((select app.is_staff()) or peer_mentor_id = (select app.current_user_id())));
"""


def upgrade() -> None:
    op.execute(KEY)
    op.execute(SEAL)
    op.execute(VERIFIED)
    op.execute(ACT)
    op.execute(CHECK_REFERENCES)
    op.execute(JOB_COUNTS)
    op.execute("drop function app.require_identity(uuid, uuid, text)")
    op.execute("drop function app.identity_is_valid(uuid, uuid, text)")
    op.execute(GRANTS)
    op.execute(PEER_MENTORS_READ_THEIR_OWN)


# Stepping back restores 0009's functions and grants as they were.
PLAIN = """
create or replace function app.current_user_id() returns uuid language sql stable
    as $$ select nullif(current_setting('app.user_id', true), '')::uuid $$;
alter function app.current_user_id() security invoker reset search_path;
create or replace function app.current_org_id() returns uuid language sql stable
    as $$ select nullif(current_setting('app.org_id', true), '')::uuid $$;
alter function app.current_org_id() security invoker reset search_path;
create or replace function app.current_role() returns text language sql stable
    as $$ select nullif(current_setting('app.role', true), '') $$;
alter function app.current_role() security invoker reset search_path;
alter function app.is_staff() reset search_path;
create or replace function app.act_for_claim(p_job uuid, p_token uuid)
    returns void language plpgsql volatile security definer
    set search_path = pg_catalog, public
    as $$
    declare
        v_user uuid;
        v_org uuid;
        v_role text;
    begin
        select j.submitted_by, j.org_id, u.role into v_user, v_org, v_role
        from public.bulk_jobs j
        join public.users u on u.id = j.submitted_by and u.org_id = j.org_id
        where j.id = p_job and j.status = 'running' and j.claim_token = p_token
          and u.active and u.role in ('coordinator', 'admin');
        if not found then
            raise exception 'no running claim with this token, or its submitter may no longer register'
                using errcode = '28000';
        end if;
        perform set_config('app.user_id', v_user::text, true),
                set_config('app.org_id', v_org::text, true),
                set_config('app.role', v_role, true);
    end $$;
create function app.identity_is_valid(p_user uuid, p_org uuid, p_role text)
    returns boolean language sql stable security definer
    set search_path = pg_catalog, public
    as $$ select exists (select 1 from public.users
                         where id = p_user and org_id = p_org and role = p_role and active) $$;
create function app.require_identity(p_user uuid, p_org uuid, p_role text)
    returns void language plpgsql stable security definer
    set search_path = pg_catalog, public
    as $$
    begin
        if not app.identity_is_valid(p_user, p_org, p_role) then
            raise exception 'unknown or inactive user, or the role or organization changed'
                using errcode = '28000';
        end if;
    end $$;
"""


def downgrade() -> None:
    op.execute(
        f"""drop policy read_own_or_staff on activities;
        create policy read_own_or_staff on activities for select to {APP}
            using (org_id = (select app.current_org_id())
                   and ((select app.is_staff())
                        or (peer_mentor_id = (select app.current_user_id())
                            and registered_by = (select app.current_user_id()))));"""
    )
    op.execute("drop function app.act_as(uuid, uuid, text)")
    op.execute("drop function app.job_counts()")
    op.execute(PLAIN)
    op.execute("drop function app.identity_seal(text, text, text)")
    op.execute("drop table app.identity_key")
    op.execute(
        f"""alter default privileges in schema app grant execute on functions to public;
        grant execute on all functions in schema app to public;
        grant execute on all functions in schema app to {APP}, {MAINT};
        do $$
        begin
            execute format('grant temporary, connect on database %I to public',
                           current_database());
        end $$;"""
    )
