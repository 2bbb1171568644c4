"""Personal data: a person's records exported, a person erased, old records expired.

Revision ID: 0025
Revises: 0024

Three kinds of definer functions, each executable by the one role that calls it:

* ``app.person_export(user)`` (the API's role) gives an admin of the person's organization one
  JSON document with everything held about them; ``app.person_export_as_owner(user)`` is the
  same document for the operator's command-line (the owner's role, nobody else).
* ``app.erase_person(user, reason)`` (the API's role) replaces, in one transaction, the
  person's name, email, member number and auth subject by a pseudonym wherever the
  organization's tables hold them (``app.erase_person_as_owner`` for the command line). It
  answers ``forbidden`` unless the caller acts as an admin, ``not_found`` when the person is
  not of the caller's organization, ``already_erased`` when done before: the API's role has
  no grant on the columns it changes, so this function is its only way there. The caller's
  reason is kept in the audit entry with the erased values scrubbed from it.
* ``app.expire(kind, before, batch)`` (the maintenance role) deletes at most ``batch`` rows
  of one kind older than ``before``, rows other transactions hold skipped (``for update skip
  locked``), so each batch is a short transaction; ``app.expiring(kind, before)`` counts them.

The owner is subject to row-level security on every table: it may now update activities and
job items (``privacy_erase``: only these functions and the migrations act as the owner) and
delete soft-deleted activities (``privacy_expire``), update jobs and webhook attempts.

The mail outbox (``public.emails``) is reached by name when it exists: its text and JSON
columns are scrubbed, its rows exported and its sent messages expired.
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"

# Every text or JSON column of the organization's tables that may name a person, scrubbed
# by an erasure (the person's own row in ``users`` is rewritten as a whole). A column added
# to a table that may name a person is one more line here.
SCRUBBED = """
    ('bulk_job_items', 'given_value', 'text'),
    ('bulk_job_items', 'given_key', 'text'),
    ('bulk_job_items', 'display_name', 'text'),
    ('bulk_job_items', 'error_message', 'text'),
    ('bulk_jobs', 'activity', 'jsonb'),
    ('bulk_jobs', 'error_message', 'text'),
    ('bulk_jobs', 'undo_reason', 'text'),
    ('activities', 'notes', 'text'),
    ('activities', 'deletion_reason', 'text'),
    ('anomalies', 'reason', 'text'),
    ('audit_log', 'target', 'text'),
    ('audit_log', 'details', 'jsonb'),
    ('events', 'data', 'jsonb'),
    ('webhook_attempts', 'error', 'text'),
    ('emails', 'to_address', 'text'),
    ('emails', 'payload', 'jsonb')
"""

# What expires, by kind: the table, its key, and when a row is
# no longer needed. A deleted record of a job that stands ``succeeded`` is kept: its item
# still points at it, and the reconciler would take its absence for a missing record.
EXPIRING = """
    ('events', 'events', 'seq', 'created_at < $1'),
    ('webhook_deliveries', 'webhook_deliveries', 'id', 'created_at < $1'),
    ('emails', 'emails', 'id',
     '(sent_at < $1 or (status = ''given_up'' and created_at < $1))'),
    ('sign_in_requests', 'sign_in_requests', 'id', 'requested_at < $1'),
    ('sign_in_links', 'sign_in_links', 'digest', '(used_at < $1 or expires_at < $1)'),
    ('screen_sessions', 'screen_sessions', 'digest',
     '(expires_at < $1 or ended_at < $1)'),
    ('audit_log', 'audit_log', 'id', 'at < $1'),
    ('deleted_activities', 'activities', 'id',
     'deleted_at < $1 and (bulk_job_id is null or not exists (
          select from public.bulk_jobs j
          where j.id = activities.bulk_job_id and j.status = ''succeeded''))')
"""

DEFINER = "security definer set search_path = pg_catalog, pg_temp"


def upgrade() -> None:
    op.execute(
        f"""
        alter table public.users add column erased_at timestamptz;

        create policy privacy_erase on public.activities for update to bulkreg_owner
            using (true) with check (true);
        create policy privacy_expire on public.activities for delete to bulkreg_owner
            using (deleted_at is not null);
        create policy privacy_erase on public.bulk_job_items for update to bulkreg_owner
            using (true) with check (true);
        create policy privacy_erase on public.bulk_jobs for update to bulkreg_owner
            using (true) with check (true);
        create policy privacy_erase on public.webhook_attempts to bulkreg_owner
            using (true) with check (true);
        create policy privacy_erase on public.emails to bulkreg_owner
            using (true) with check (true);

        -- A literal, case-insensitive, whole-word pattern for one of the values.
        create function app.erasure_pattern(p_needles text[]) returns text
            language sql immutable set search_path = pg_catalog, pg_temp as $$
            select pg_catalog.string_agg(
                       case when n ~ '^\\w' then '\\m' else '' end
                       || pg_catalog.regexp_replace(n, '([^[:alnum:][:space:]])', '\\\\\\1', 'g')
                       || case when n ~ '\\w$' then '\\M' else '' end, '|')
            from pg_catalog.unnest(p_needles) n
            where n is not null and pg_catalog.btrim(n) <> '' $$;

        create function app.scrub_text(p_value text, p_pattern text, p_with text) returns text
            language sql immutable set search_path = pg_catalog, pg_temp as $$
            select case when p_value is null or p_pattern is null then p_value
                        else pg_catalog.regexp_replace(p_value, p_pattern, p_with, 'gi') end $$;

        create function app.scrub_json(p_value jsonb, p_pattern text, p_with text) returns jsonb
            language plpgsql immutable set search_path = pg_catalog, pg_temp as $$
            begin
                case pg_catalog.jsonb_typeof(p_value)
                when 'string' then
                    return pg_catalog.to_jsonb(app.scrub_text(p_value #>> '{{}}', p_pattern, p_with));
                when 'array' then
                    return coalesce((select pg_catalog.jsonb_agg(
                                         app.scrub_json(e, p_pattern, p_with) order by n)
                                     from pg_catalog.jsonb_array_elements(p_value)
                                          with ordinality as t(e, n)), '[]'::jsonb);
                when 'object' then
                    return coalesce((select pg_catalog.jsonb_object_agg(
                                         app.scrub_text(k, p_pattern, p_with),
                                         app.scrub_json(v, p_pattern, p_with))
                                     from pg_catalog.jsonb_each(p_value) as t(k, v)),
                                    '{{}}'::jsonb);
                else
                    return p_value;
                end case;
            end $$;

        create function app.person_export_as_owner(p_user uuid) returns jsonb
            language plpgsql {DEFINER} as $$
            declare
                person public.users;
                pattern text;
                emails jsonb := '[]'::jsonb;
            begin
                select * into person from public.users where id = p_user;
                if not found then
                    return null;
                end if;
                pattern := app.erasure_pattern(array[person.display_name, person.email,
                                                     person.member_number, p_user::text]);
                -- A sign-in link's email is exported without its link (never the secret).
                select coalesce(pg_catalog.jsonb_agg(
                           pg_catalog.to_jsonb(e) || pg_catalog.jsonb_build_object(
                               'payload', e.payload - 'link')), '[]')
                  into emails
                  from public.emails e
                 where e.recipient_user_id = p_user or pg_catalog.to_jsonb(e)::text ~* pattern;
                return pg_catalog.jsonb_build_object(
                    'profile', pg_catalog.jsonb_build_object(
                        'id', person.id, 'org_id', person.org_id, 'role', person.role,
                        'display_name', person.display_name, 'email', person.email,
                        'member_number', person.member_number,
                        'auth_subject', person.auth_subject, 'active', person.active,
                        'locale', person.locale, 'erased_at', person.erased_at),
                    'role_history', coalesce((
                        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                   'org_id', r.org_id, 'role', r.role, 'active', r.active,
                                   'valid_from', r.valid_from, 'valid_to', r.valid_to)
                                   order by r.valid_from)
                        from public.user_roles r where r.user_id = p_user), '[]'),
                    'activities_as_participant', coalesce((
                        select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(a) order by a.created_at, a.id)
                        from public.activities a where a.peer_mentor_id = p_user), '[]'),
                    'activities_as_registrar', coalesce((
                        select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(a) order by a.created_at, a.id)
                        from public.activities a where a.registered_by = p_user), '[]'),
                    'bulk_job_items', coalesce((
                        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                   'job_id', i.job_id, 'index', i.idx,
                                   'given_kind', i.given_kind, 'given_value', i.given_value,
                                   'display_name', i.display_name, 'outcome', i.outcome,
                                   'activity_id', i.activity_id) order by i.job_id, i.idx)
                        from public.bulk_job_items i
                        where i.org_id = person.org_id
                          and (i.peer_mentor_id = p_user
                               or pg_catalog.concat_ws(' ', i.given_value, i.display_name)
                                  ~* pattern)), '[]'),
                    'audit_log', coalesce((
                        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                   'id', l.id, 'at', l.at, 'actor_id', l.actor_id,
                                   'action', l.action, 'target', l.target,
                                   'details', l.details) order by l.at, l.id)
                        from public.audit_log l
                        where l.org_id = person.org_id
                          and (l.actor_id = p_user or l.target ~* pattern
                               or l.details::text ~* pattern)), '[]'),
                    'events', coalesce((
                        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                   'id', e.id, 'type', e.type, 'created_at', e.created_at,
                                   'data', e.data) order by e.seq)
                        from public.events e
                        where e.org_id = person.org_id and e.data::text ~* pattern), '[]'),
                    'webhook_deliveries', coalesce((
                        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                   'id', d.id, 'webhook_id', d.webhook_id, 'event_id', e.id,
                                   'status', d.status, 'attempts', d.attempts,
                                   'created_at', d.created_at, 'delivered_at', d.delivered_at)
                                   order by d.created_at, d.id)
                        from public.webhook_deliveries d
                        join public.events e on e.seq = d.event_seq
                        where d.org_id = person.org_id and e.data::text ~* pattern), '[]'),
                    'emails', emails,
                    'sign_in_links', coalesce((
                        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                   'created_at', s.created_at, 'expires_at', s.expires_at,
                                   'used_at', s.used_at) order by s.created_at)
                        from public.sign_in_links s where s.user_id = p_user), '[]'),
                    'screen_sessions', coalesce((
                        select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                   'created_at', s.created_at, 'last_seen_at', s.last_seen_at,
                                   'expires_at', s.expires_at, 'ended_at', s.ended_at)
                                   order by s.created_at)
                        from public.screen_sessions s where s.user_id = p_user), '[]'));
            end $$;

        create function app.person_export(p_user uuid) returns jsonb
            language plpgsql {DEFINER} as $$
            begin
                if app.current_role() is distinct from 'admin'
                   or not exists (select from public.users
                                  where id = p_user and org_id = app.current_org_id()) then
                    return null;
                end if;
                return app.person_export_as_owner(p_user);
            end $$;

        create function app.erase_person_as_owner(p_user uuid, p_reason text, p_actor uuid)
            returns text language plpgsql {DEFINER} as $$
            declare
                person public.users;
                pattern text;
                pseudonym text := 'Erased person '
                    || pg_catalog.left(pg_catalog.md5(pg_catalog.gen_random_uuid()::text), 8);
                place record;
                org_column boolean;
            begin
                select * into person from public.users where id = p_user for update;
                if not found then
                    return 'not_found';
                end if;
                if person.erased_at is not null then
                    return 'already_erased';
                end if;
                pattern := app.erasure_pattern(array[person.display_name, person.email,
                                                     person.member_number,
                                                     person.auth_subject]);
                update public.users
                   set display_name = pseudonym, email = null, member_number = null,
                       auth_subject = null, active = false, erased_at = pg_catalog.now(),
                       name_sort_key = pg_catalog.convert_to(pseudonym, 'UTF8'),
                       name_sort_key_en = pg_catalog.convert_to(pseudonym, 'UTF8')
                 where id = p_user;
                update public.activities set notes = null
                 where peer_mentor_id = p_user and notes is not null;
                delete from public.sign_in_links where user_id = p_user;
                update public.screen_sessions set ended_at = pg_catalog.now()
                 where user_id = p_user and ended_at is null;
                for place in select * from (values {SCRUBBED}) as t(tab, col, kind) loop
                    select exists (select from information_schema.columns c
                                   where c.table_schema = 'public' and c.table_name = place.tab
                                     and c.column_name = 'org_id') into org_column;
                    execute pg_catalog.format(
                        'update public.%I set %I = app.scrub_%s(%I, $1, $2)
                         where %I::text ~* $1 %s',
                        place.tab, place.col,
                        case place.kind when 'text' then 'text' else 'json' end,
                        place.col, place.col,
                        case when org_column then 'and org_id = $3' else '' end)
                        using pattern, pseudonym, person.org_id;
                end loop;
                insert into public.audit_log (org_id, actor_id, action, target, details)
                values (person.org_id, p_actor, 'person.erase', 'user:' || p_user,
                        pg_catalog.jsonb_build_object(
                            'reason', app.scrub_text(p_reason, pattern, pseudonym),
                            'pseudonym', pseudonym));
                return pseudonym;
            end $$;

        create function app.erase_person(p_user uuid, p_reason text) returns text
            language plpgsql {DEFINER} as $$
            begin
                if app.current_role() is distinct from 'admin' then
                    return 'forbidden';
                end if;
                if not exists (select from public.users
                               where id = p_user and org_id = app.current_org_id()) then
                    return 'not_found';
                end if;
                if p_reason is null or pg_catalog.btrim(p_reason) = '' then
                    return 'no_reason';
                end if;
                return app.erase_person_as_owner(p_user, p_reason, app.current_user_id());
            end $$;

        -- One kind's rule (its table, key and condition), for app.expire and app.expiring.
        create function app.expiry_rule(p_kind text, out tab text, out key text, out cond text)
            language plpgsql immutable set search_path = pg_catalog, pg_temp as $$
            begin
                select t.tab, t.key, t.cond into tab, key, cond
                from (values {EXPIRING}) as t(kind, tab, key, cond)
                where t.kind = p_kind;
                if tab is null then
                    raise exception 'no such kind of record to expire: %', p_kind;
                end if;
            end $$;

        create function app.expire(p_kind text, p_before timestamptz, p_batch integer)
            returns integer language plpgsql {DEFINER} as $$
            declare
                tab text; key text; cond text; deleted integer;
            begin
                select r.tab, r.key, r.cond into tab, key, cond from app.expiry_rule(p_kind) r;
                execute pg_catalog.format(
                    'with doomed as (select %2$I from public.%1$I where %3$s
                                     order by %2$I limit $2 for update skip locked)
                     delete from public.%1$I t using doomed where t.%2$I = doomed.%2$I',
                    tab, key, cond) using p_before, p_batch;
                get diagnostics deleted = row_count;
                return deleted;
            end $$;

        create function app.expiring(p_kind text, p_before timestamptz) returns bigint
            language plpgsql {DEFINER} as $$
            declare
                tab text; key text; cond text; found_rows bigint;
            begin
                select r.tab, r.key, r.cond into tab, key, cond from app.expiry_rule(p_kind) r;
                execute pg_catalog.format('select count(*) from public.%I where %s', tab, cond)
                    into found_rows using p_before;
                return found_rows;
            end $$;

        revoke all on function app.erasure_pattern(text[]) from public;
        revoke all on function app.scrub_text(text, text, text) from public;
        revoke all on function app.scrub_json(jsonb, text, text) from public;
        revoke all on function app.person_export_as_owner(uuid) from public;
        revoke all on function app.person_export(uuid) from public;
        revoke all on function app.erase_person_as_owner(uuid, text, uuid) from public;
        revoke all on function app.erase_person(uuid, text) from public;
        revoke all on function app.expiry_rule(text) from public;
        revoke all on function app.expire(text, timestamptz, integer) from public;
        revoke all on function app.expiring(text, timestamptz) from public;
        grant execute on function app.person_export(uuid) to bulkreg_api;
        grant execute on function app.erase_person(uuid, text) to bulkreg_api;
        grant execute on function app.expire(text, timestamptz, integer) to bulkreg_maintenance;
        grant execute on function app.expiring(text, timestamptz) to bulkreg_maintenance;
        """
    )


def downgrade() -> None:
    op.execute(
        """
        drop function app.expiring(text, timestamptz);
        drop function app.expire(text, timestamptz, integer);
        drop function app.expiry_rule(text);
        drop function app.erase_person(uuid, text);
        drop function app.erase_person_as_owner(uuid, text, uuid);
        drop function app.person_export(uuid);
        drop function app.person_export_as_owner(uuid);
        drop function app.scrub_json(jsonb, text, text);
        drop function app.scrub_text(text, text, text);
        drop function app.erasure_pattern(text[]);
        drop policy privacy_erase on public.emails;
        drop policy privacy_erase on public.webhook_attempts;
        drop policy privacy_erase on public.bulk_jobs;
        drop policy privacy_erase on public.bulk_job_items;
        drop policy privacy_expire on public.activities;
        drop policy privacy_erase on public.activities;
        alter table public.users drop column erased_at;
        """
    )
