-- The schema the migrations build, written by `make schema` (bulkreg.devstack.schema).
-- Do not edit: change a migration, then run `make schema`; a test compares the two.
-- Grouped by table (each with its indexes, triggers, policies and grants), then the
-- functions by what they serve. For reading, not restoring: pg_dump a migrated database
-- for a script in restore order.
--
-- PostgreSQL database dump
--

\restrict bulkreg


SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

-- ==========================================================================================
-- Preamble: schemas, extensions, types, sequences no table owns, grants on schemas
-- ==========================================================================================

--
-- Name: app; Type: SCHEMA; Schema: -; Owner: bulkreg_owner
--

CREATE SCHEMA app;


ALTER SCHEMA app OWNER TO bulkreg_owner;


--
-- Name: SCHEMA app; Type: ACL; Schema: -; Owner: bulkreg_owner
--

GRANT USAGE ON SCHEMA app TO bulkreg_app;
GRANT USAGE ON SCHEMA app TO bulkreg_maintenance;


--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: pg_database_owner
--

GRANT USAGE ON SCHEMA public TO bulkreg_app;
GRANT USAGE ON SCHEMA public TO bulkreg_maintenance;


-- ==========================================================================================
-- Table public.activities
-- ==========================================================================================

--
-- Name: activities; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.activities (
    id uuid NOT NULL,
    org_id uuid NOT NULL,
    peer_mentor_id uuid NOT NULL,
    activity_type text NOT NULL,
    occurred_on date NOT NULL,
    duration_minutes integer NOT NULL,
    notes text,
    registered_by uuid NOT NULL,
    source text NOT NULL,
    bulk_job_id uuid,
    duplicate_of uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    deleted_at timestamp with time zone,
    deleted_by uuid,
    deletion_reason text,
    CONSTRAINT activities_duration_minutes_check CHECK (((duration_minutes >= 1) AND (duration_minutes <= 1440))),
    CONSTRAINT activities_notes_check CHECK ((char_length(notes) <= 2000)),
    CONSTRAINT activities_source_check CHECK ((source = ANY (ARRAY['self'::text, 'proxy'::text, 'bulk'::text])))
)
WITH (autovacuum_analyze_threshold='1000', autovacuum_analyze_scale_factor='0.05');

ALTER TABLE ONLY public.activities FORCE ROW LEVEL SECURITY;


ALTER TABLE public.activities OWNER TO bulkreg_owner;


--
-- Name: activities activities_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.activities
    ADD CONSTRAINT activities_pkey PRIMARY KEY (id);


--
-- Name: activities_bulk_job; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX activities_bulk_job ON public.activities USING btree (bulk_job_id) WHERE (bulk_job_id IS NOT NULL);


--
-- Name: activities_created_brin; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX activities_created_brin ON public.activities USING brin (created_at);


--
-- Name: activities_no_silent_duplicate; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE UNIQUE INDEX activities_no_silent_duplicate ON public.activities USING btree (peer_mentor_id, activity_type, occurred_on) WHERE ((duplicate_of IS NULL) AND (deleted_at IS NULL));


--
-- Name: activities_org_newest; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX activities_org_newest ON public.activities USING btree (org_id, created_at DESC, id DESC);


--
-- Name: activities_peer_mentor; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX activities_peer_mentor ON public.activities USING btree (peer_mentor_id, created_at DESC, id DESC);


--
-- Name: activities_registrar_window; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX activities_registrar_window ON public.activities USING btree (org_id, registered_by, created_at DESC, id DESC);


--
-- Name: activities activities_references; Type: TRIGGER; Schema: public; Owner: bulkreg_owner
--

CREATE TRIGGER activities_references AFTER INSERT ON public.activities REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.check_activity_references();


--
-- Name: activities; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.activities ENABLE ROW LEVEL SECURITY;


--
-- Name: activities check_references; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY check_references ON public.activities FOR SELECT TO bulkreg_owner USING (true);


--
-- Name: activities maintenance_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY maintenance_read ON public.activities FOR SELECT TO bulkreg_maintenance USING (true);


--
-- Name: activities privacy_erase; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY privacy_erase ON public.activities FOR UPDATE TO bulkreg_owner USING (true) WITH CHECK (true);


--
-- Name: activities privacy_expire; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY privacy_expire ON public.activities FOR DELETE TO bulkreg_owner USING ((deleted_at IS NOT NULL));


--
-- Name: activities read_own_or_staff; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY read_own_or_staff ON public.activities FOR SELECT TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (( SELECT app.is_staff() AS is_staff) OR (peer_mentor_id = ( SELECT app.current_user_id() AS current_user_id)))));


--
-- Name: activities register; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY register ON public.activities FOR INSERT TO bulkreg_app WITH CHECK (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (registered_by = ( SELECT app.current_user_id() AS current_user_id)) AND (( SELECT app.is_staff() AS is_staff) OR (peer_mentor_id = ( SELECT app.current_user_id() AS current_user_id)))));


--
-- Name: activities soft_delete; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY soft_delete ON public.activities FOR UPDATE TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND ( SELECT app.is_staff() AS is_staff))) WITH CHECK (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND ( SELECT app.is_staff() AS is_staff)));


--
-- Name: activities soft_delete_own; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY soft_delete_own ON public.activities FOR UPDATE TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (registered_by = ( SELECT app.current_user_id() AS current_user_id)) AND (deleted_at IS NULL))) WITH CHECK (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (registered_by = ( SELECT app.current_user_id() AS current_user_id)) AND (deleted_at IS NOT NULL) AND (deleted_by = ( SELECT app.current_user_id() AS current_user_id))));


--
-- Name: TABLE activities; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT,INSERT ON TABLE public.activities TO bulkreg_app;
GRANT SELECT ON TABLE public.activities TO bulkreg_maintenance;


--
-- Name: COLUMN activities.deleted_at; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(deleted_at) ON TABLE public.activities TO bulkreg_app;


--
-- Name: COLUMN activities.deleted_by; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(deleted_by) ON TABLE public.activities TO bulkreg_app;


--
-- Name: COLUMN activities.deletion_reason; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(deletion_reason) ON TABLE public.activities TO bulkreg_app;


-- ==========================================================================================
-- Table public.activity_types
-- ==========================================================================================

--
-- Name: activity_types; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.activity_types (
    org_id uuid NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    active boolean DEFAULT true NOT NULL
);

ALTER TABLE ONLY public.activity_types FORCE ROW LEVEL SECURITY;


ALTER TABLE public.activity_types OWNER TO bulkreg_owner;


--
-- Name: activity_types activity_types_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.activity_types
    ADD CONSTRAINT activity_types_pkey PRIMARY KEY (org_id, code);


--
-- Name: activity_types activity_types_org_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.activity_types
    ADD CONSTRAINT activity_types_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id);


--
-- Name: activity_types; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.activity_types ENABLE ROW LEVEL SECURITY;


--
-- Name: activity_types org_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY org_read ON public.activity_types FOR SELECT TO bulkreg_app USING ((org_id = ( SELECT app.current_org_id() AS current_org_id)));


--
-- Name: activity_types provision; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY provision ON public.activity_types TO bulkreg_owner USING (true) WITH CHECK (true);


--
-- Name: TABLE activity_types; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT ON TABLE public.activity_types TO bulkreg_app;


-- ==========================================================================================
-- Table public.alembic_version
-- ==========================================================================================

--
-- Name: alembic_version; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);


ALTER TABLE public.alembic_version OWNER TO bulkreg_owner;


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


-- ==========================================================================================
-- Table public.anomalies
-- ==========================================================================================

--
-- Name: anomalies; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.anomalies (
    id uuid NOT NULL,
    org_id uuid NOT NULL,
    kind text NOT NULL,
    bulk_job_id uuid,
    activity_ids uuid[] NOT NULL,
    detected_at timestamp with time zone DEFAULT now() NOT NULL,
    resolved_at timestamp with time zone,
    resolved_by uuid,
    resolution text,
    reason text,
    CONSTRAINT anomalies_kind_check CHECK ((kind = ANY (ARRAY['orphaned_records'::text, 'missing_records'::text, 'misattributed_records'::text]))),
    CONSTRAINT anomalies_resolution_check CHECK ((resolution = ANY (ARRAY['delete_records'::text, 'dismiss'::text])))
);

ALTER TABLE ONLY public.anomalies FORCE ROW LEVEL SECURITY;


ALTER TABLE public.anomalies OWNER TO bulkreg_owner;


--
-- Name: anomalies anomalies_name_no_null_record; Type: CHECK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.anomalies
    ADD CONSTRAINT anomalies_name_no_null_record CHECK ((array_position(activity_ids, NULL::uuid) IS NULL)) NOT VALID;


--
-- Name: anomalies anomalies_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.anomalies
    ADD CONSTRAINT anomalies_pkey PRIMARY KEY (id);


--
-- Name: anomalies anomalies_bulk_job_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.anomalies
    ADD CONSTRAINT anomalies_bulk_job_id_fkey FOREIGN KEY (bulk_job_id) REFERENCES public.bulk_jobs(id);


--
-- Name: anomalies anomalies_org_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.anomalies
    ADD CONSTRAINT anomalies_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id);


--
-- Name: anomalies anomalies_resolved_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.anomalies
    ADD CONSTRAINT anomalies_resolved_by_fkey FOREIGN KEY (resolved_by) REFERENCES public.users(id);


--
-- Name: anomalies_once; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE UNIQUE INDEX anomalies_once ON public.anomalies USING btree (org_id, COALESCE(bulk_job_id, '00000000-0000-0000-0000-000000000000'::uuid), kind) WHERE (resolved_at IS NULL);


--
-- Name: anomalies anomalies_event; Type: TRIGGER; Schema: public; Owner: bulkreg_owner
--

CREATE TRIGGER anomalies_event AFTER INSERT OR UPDATE OF resolved_at ON public.anomalies FOR EACH ROW EXECUTE FUNCTION app.anomaly_event();


--
-- Name: anomalies; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.anomalies ENABLE ROW LEVEL SECURITY;


--
-- Name: anomalies maintenance_merge; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY maintenance_merge ON public.anomalies FOR UPDATE TO bulkreg_maintenance USING ((resolved_at IS NULL)) WITH CHECK ((resolved_at IS NULL));


--
-- Name: anomalies maintenance_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY maintenance_read ON public.anomalies FOR SELECT TO bulkreg_maintenance USING (true);


--
-- Name: anomalies maintenance_record; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY maintenance_record ON public.anomalies FOR INSERT TO bulkreg_maintenance WITH CHECK (true);


--
-- Name: anomalies provision; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY provision ON public.anomalies TO bulkreg_owner USING (true) WITH CHECK (true);


--
-- Name: anomalies staff_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY staff_read ON public.anomalies FOR SELECT TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND ( SELECT app.is_staff() AS is_staff)));


--
-- Name: anomalies staff_resolve; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY staff_resolve ON public.anomalies FOR UPDATE TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND ( SELECT app.is_staff() AS is_staff))) WITH CHECK (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND ( SELECT app.is_staff() AS is_staff)));


--
-- Name: TABLE anomalies; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT ON TABLE public.anomalies TO bulkreg_app;
GRANT SELECT,INSERT ON TABLE public.anomalies TO bulkreg_maintenance;


--
-- Name: COLUMN anomalies.activity_ids; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(activity_ids) ON TABLE public.anomalies TO bulkreg_maintenance;


--
-- Name: COLUMN anomalies.resolved_at; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(resolved_at) ON TABLE public.anomalies TO bulkreg_app;


--
-- Name: COLUMN anomalies.resolved_by; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(resolved_by) ON TABLE public.anomalies TO bulkreg_app;


--
-- Name: COLUMN anomalies.resolution; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(resolution) ON TABLE public.anomalies TO bulkreg_app;


--
-- Name: COLUMN anomalies.reason; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(reason) ON TABLE public.anomalies TO bulkreg_app;


-- ==========================================================================================
-- Table public.audit_log
-- ==========================================================================================

--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    org_id uuid NOT NULL,
    actor_id uuid,
    action text NOT NULL,
    target text NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    details jsonb DEFAULT '{}'::jsonb NOT NULL
);

ALTER TABLE ONLY public.audit_log FORCE ROW LEVEL SECURITY;


ALTER TABLE public.audit_log OWNER TO bulkreg_owner;


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: audit_log audit_log_org_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id);


--
-- Name: audit_log_org_newest; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX audit_log_org_newest ON public.audit_log USING btree (org_id, at DESC, id DESC);


--
-- Name: audit_log_target; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX audit_log_target ON public.audit_log USING btree (org_id, target);


--
-- Name: audit_log; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.audit_log ENABLE ROW LEVEL SECURITY;


--
-- Name: audit_log admin_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY admin_read ON public.audit_log FOR SELECT TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (( SELECT app."current_role"() AS "current_role") = 'admin'::text)));


--
-- Name: audit_log provision; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY provision ON public.audit_log TO bulkreg_owner USING (true) WITH CHECK (true);


--
-- Name: audit_log write_as_self; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY write_as_self ON public.audit_log FOR INSERT TO bulkreg_app WITH CHECK (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (actor_id = ( SELECT app.current_user_id() AS current_user_id))));


--
-- Name: TABLE audit_log; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT,INSERT ON TABLE public.audit_log TO bulkreg_app;


-- ==========================================================================================
-- Table public.bulk_job_items
-- ==========================================================================================

--
-- Name: bulk_job_items; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.bulk_job_items (
    job_id uuid NOT NULL,
    idx integer NOT NULL,
    org_id uuid NOT NULL,
    peer_mentor_id uuid,
    override_duplicate boolean DEFAULT false NOT NULL,
    decision text,
    outcome text DEFAULT 'pending'::text NOT NULL,
    activity_id uuid,
    conflict_activity_id uuid,
    error_code text,
    error_message text,
    given_kind text DEFAULT 'peer_mentor_id'::text NOT NULL,
    given_value text NOT NULL,
    given_key text NOT NULL,
    display_name text,
    CONSTRAINT bulk_job_items_decision_check CHECK ((decision = ANY (ARRAY['override'::text, 'cancel'::text]))),
    CONSTRAINT bulk_job_items_given_kind_check CHECK ((given_kind = ANY (ARRAY['peer_mentor_id'::text, 'email'::text, 'member_number'::text]))),
    CONSTRAINT bulk_job_items_outcome_check CHECK ((outcome = ANY (ARRAY['pending'::text, 'ready'::text, 'registered'::text, 'overridden'::text, 'skipped'::text, 'conflict'::text, 'invalid'::text, 'cancelled'::text])))
)
WITH (autovacuum_analyze_threshold='1000', autovacuum_analyze_scale_factor='0.05', fillfactor='40');

ALTER TABLE ONLY public.bulk_job_items FORCE ROW LEVEL SECURITY;


ALTER TABLE public.bulk_job_items OWNER TO bulkreg_owner;


--
-- Name: bulk_job_items bulk_job_items_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.bulk_job_items
    ADD CONSTRAINT bulk_job_items_pkey PRIMARY KEY (job_id, idx);


--
-- Name: bulk_job_items bulk_job_items_move_with_their_job; Type: TRIGGER; Schema: public; Owner: bulkreg_owner
--

CREATE TRIGGER bulk_job_items_move_with_their_job AFTER UPDATE ON public.bulk_job_items REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION app.guard_item_outcomes();


--
-- Name: bulk_job_items; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.bulk_job_items ENABLE ROW LEVEL SECURITY;


--
-- Name: bulk_job_items emit_events; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY emit_events ON public.bulk_job_items FOR SELECT TO bulkreg_owner USING (true);


--
-- Name: bulk_job_items maintenance_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY maintenance_read ON public.bulk_job_items FOR SELECT TO bulkreg_maintenance USING (true);


--
-- Name: bulk_job_items privacy_erase; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY privacy_erase ON public.bulk_job_items FOR UPDATE TO bulkreg_owner USING (true) WITH CHECK (true);


--
-- Name: bulk_job_items staff_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY staff_read ON public.bulk_job_items FOR SELECT TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND ( SELECT app.is_staff() AS is_staff)));


--
-- Name: bulk_job_items staff_update; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY staff_update ON public.bulk_job_items FOR UPDATE TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND ( SELECT app.is_staff() AS is_staff))) WITH CHECK (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND ( SELECT app.is_staff() AS is_staff)));


--
-- Name: bulk_job_items submit; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY submit ON public.bulk_job_items FOR INSERT TO bulkreg_app WITH CHECK (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND ( SELECT app.is_staff() AS is_staff) AND (EXISTS ( SELECT 1
   FROM public.bulk_jobs j
  WHERE ((j.id = bulk_job_items.job_id) AND (j.org_id = bulk_job_items.org_id))))));


--
-- Name: TABLE bulk_job_items; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT,INSERT ON TABLE public.bulk_job_items TO bulkreg_app;
GRANT SELECT ON TABLE public.bulk_job_items TO bulkreg_maintenance;


--
-- Name: COLUMN bulk_job_items.peer_mentor_id; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(peer_mentor_id) ON TABLE public.bulk_job_items TO bulkreg_app;


--
-- Name: COLUMN bulk_job_items.decision; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(decision) ON TABLE public.bulk_job_items TO bulkreg_app;


--
-- Name: COLUMN bulk_job_items.outcome; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(outcome) ON TABLE public.bulk_job_items TO bulkreg_app;


--
-- Name: COLUMN bulk_job_items.activity_id; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(activity_id) ON TABLE public.bulk_job_items TO bulkreg_app;


--
-- Name: COLUMN bulk_job_items.conflict_activity_id; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(conflict_activity_id) ON TABLE public.bulk_job_items TO bulkreg_app;


--
-- Name: COLUMN bulk_job_items.error_code; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(error_code) ON TABLE public.bulk_job_items TO bulkreg_app;


--
-- Name: COLUMN bulk_job_items.error_message; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(error_message) ON TABLE public.bulk_job_items TO bulkreg_app;


--
-- Name: COLUMN bulk_job_items.display_name; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(display_name) ON TABLE public.bulk_job_items TO bulkreg_app;


-- ==========================================================================================
-- Table public.bulk_jobs
-- ==========================================================================================

--
-- Name: bulk_jobs; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.bulk_jobs (
    id uuid NOT NULL,
    org_id uuid NOT NULL,
    submitted_by uuid NOT NULL,
    status text NOT NULL,
    on_conflict text NOT NULL,
    activity jsonb NOT NULL,
    total integer NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    lease_until timestamp with time zone,
    claim_token uuid,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    error_code text,
    error_message text,
    idempotency_key text,
    request_hash text,
    undone_at timestamp with time zone,
    undone_by uuid,
    undo_reason text,
    CONSTRAINT bulk_jobs_on_conflict_check CHECK ((on_conflict = ANY (ARRAY['review'::text, 'skip'::text, 'fail'::text]))),
    CONSTRAINT bulk_jobs_status_check CHECK ((status = ANY (ARRAY['queued'::text, 'running'::text, 'needs_review'::text, 'succeeded'::text, 'failed'::text, 'cancelled'::text, 'undone'::text]))),
    CONSTRAINT bulk_jobs_undo_reason_check CHECK (((char_length(undo_reason) >= 1) AND (char_length(undo_reason) <= 500))),
    CONSTRAINT bulk_jobs_undone_says_who CHECK (((status = 'undone'::text) = ((undone_at IS NOT NULL) AND (undone_by IS NOT NULL) AND (undo_reason IS NOT NULL))))
)
WITH (autovacuum_analyze_threshold='1000', autovacuum_analyze_scale_factor='0.05');

ALTER TABLE ONLY public.bulk_jobs FORCE ROW LEVEL SECURITY;


ALTER TABLE public.bulk_jobs OWNER TO bulkreg_owner;


--
-- Name: bulk_jobs bulk_jobs_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.bulk_jobs
    ADD CONSTRAINT bulk_jobs_pkey PRIMARY KEY (id);


--
-- Name: bulk_jobs bulk_jobs_submitted_by_idempotency_key_key; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.bulk_jobs
    ADD CONSTRAINT bulk_jobs_submitted_by_idempotency_key_key UNIQUE (submitted_by, idempotency_key);


--
-- Name: bulk_jobs_org_newest; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX bulk_jobs_org_newest ON public.bulk_jobs USING btree (org_id, created_at DESC, id DESC);


--
-- Name: bulk_jobs_queued; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX bulk_jobs_queued ON public.bulk_jobs USING btree (org_id, created_at) WHERE (status = 'queued'::text);


--
-- Name: bulk_jobs_unfinished; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX bulk_jobs_unfinished ON public.bulk_jobs USING btree (status, updated_at) WHERE (status = ANY (ARRAY['queued'::text, 'running'::text]));


--
-- Name: bulk_jobs bulk_jobs_changed; Type: TRIGGER; Schema: public; Owner: bulkreg_owner
--

CREATE TRIGGER bulk_jobs_changed AFTER UPDATE ON public.bulk_jobs FOR EACH ROW WHEN (((old.version IS DISTINCT FROM new.version) OR (old.status IS DISTINCT FROM new.status))) EXECUTE FUNCTION app.job_changed();


--
-- Name: bulk_jobs bulk_jobs_event; Type: TRIGGER; Schema: public; Owner: bulkreg_owner
--

CREATE CONSTRAINT TRIGGER bulk_jobs_event AFTER INSERT OR UPDATE OF status ON public.bulk_jobs DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((new.status IS DISTINCT FROM 'running'::text)) EXECUTE FUNCTION app.job_event();


--
-- Name: bulk_jobs bulk_jobs_notify; Type: TRIGGER; Schema: public; Owner: bulkreg_owner
--

CREATE CONSTRAINT TRIGGER bulk_jobs_notify AFTER INSERT OR UPDATE OF status ON public.bulk_jobs DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((new.status = ANY (ARRAY['needs_review'::text, 'failed'::text, 'succeeded'::text]))) EXECUTE FUNCTION app.job_notification();


--
-- Name: bulk_jobs bulk_jobs_state_machine; Type: TRIGGER; Schema: public; Owner: bulkreg_owner
--

CREATE TRIGGER bulk_jobs_state_machine BEFORE INSERT OR UPDATE OF status ON public.bulk_jobs FOR EACH ROW EXECUTE FUNCTION app.guard_job_status();


--
-- Name: bulk_jobs; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.bulk_jobs ENABLE ROW LEVEL SECURITY;


--
-- Name: bulk_jobs check_references; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY check_references ON public.bulk_jobs FOR SELECT TO bulkreg_owner USING (true);


--
-- Name: bulk_jobs maintenance_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY maintenance_read ON public.bulk_jobs FOR SELECT TO bulkreg_maintenance USING (true);


--
-- Name: bulk_jobs maintenance_update; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY maintenance_update ON public.bulk_jobs FOR UPDATE TO bulkreg_maintenance USING (true) WITH CHECK (true);


--
-- Name: bulk_jobs privacy_erase; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY privacy_erase ON public.bulk_jobs FOR UPDATE TO bulkreg_owner USING (true) WITH CHECK (true);


--
-- Name: bulk_jobs staff_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY staff_read ON public.bulk_jobs FOR SELECT TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND ( SELECT app.is_staff() AS is_staff)));


--
-- Name: bulk_jobs staff_update; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY staff_update ON public.bulk_jobs FOR UPDATE TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND ( SELECT app.is_staff() AS is_staff))) WITH CHECK (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND ( SELECT app.is_staff() AS is_staff)));


--
-- Name: bulk_jobs submit; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY submit ON public.bulk_jobs FOR INSERT TO bulkreg_app WITH CHECK (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND ( SELECT app.is_staff() AS is_staff) AND (submitted_by = ( SELECT app.current_user_id() AS current_user_id)) AND (( SELECT true
   FROM public.users u
  WHERE ((u.id = bulk_jobs.submitted_by) AND (u.org_id = bulk_jobs.org_id))
 LIMIT 1) IS NOT NULL)));


--
-- Name: TABLE bulk_jobs; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT,INSERT ON TABLE public.bulk_jobs TO bulkreg_app;
GRANT SELECT ON TABLE public.bulk_jobs TO bulkreg_maintenance;


--
-- Name: COLUMN bulk_jobs.status; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(status) ON TABLE public.bulk_jobs TO bulkreg_app;
GRANT UPDATE(status) ON TABLE public.bulk_jobs TO bulkreg_maintenance;


--
-- Name: COLUMN bulk_jobs.attempts; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(attempts) ON TABLE public.bulk_jobs TO bulkreg_app;
GRANT UPDATE(attempts) ON TABLE public.bulk_jobs TO bulkreg_maintenance;


--
-- Name: COLUMN bulk_jobs.lease_until; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(lease_until) ON TABLE public.bulk_jobs TO bulkreg_app;
GRANT UPDATE(lease_until) ON TABLE public.bulk_jobs TO bulkreg_maintenance;


--
-- Name: COLUMN bulk_jobs.claim_token; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(claim_token) ON TABLE public.bulk_jobs TO bulkreg_app;
GRANT UPDATE(claim_token) ON TABLE public.bulk_jobs TO bulkreg_maintenance;


--
-- Name: COLUMN bulk_jobs.version; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(version) ON TABLE public.bulk_jobs TO bulkreg_app;
GRANT UPDATE(version) ON TABLE public.bulk_jobs TO bulkreg_maintenance;


--
-- Name: COLUMN bulk_jobs.updated_at; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(updated_at) ON TABLE public.bulk_jobs TO bulkreg_app;
GRANT UPDATE(updated_at) ON TABLE public.bulk_jobs TO bulkreg_maintenance;


--
-- Name: COLUMN bulk_jobs.started_at; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(started_at) ON TABLE public.bulk_jobs TO bulkreg_app;
GRANT UPDATE(started_at) ON TABLE public.bulk_jobs TO bulkreg_maintenance;


--
-- Name: COLUMN bulk_jobs.finished_at; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(finished_at) ON TABLE public.bulk_jobs TO bulkreg_app;
GRANT UPDATE(finished_at) ON TABLE public.bulk_jobs TO bulkreg_maintenance;


--
-- Name: COLUMN bulk_jobs.error_code; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(error_code) ON TABLE public.bulk_jobs TO bulkreg_app;
GRANT UPDATE(error_code) ON TABLE public.bulk_jobs TO bulkreg_maintenance;


--
-- Name: COLUMN bulk_jobs.error_message; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(error_message) ON TABLE public.bulk_jobs TO bulkreg_app;
GRANT UPDATE(error_message) ON TABLE public.bulk_jobs TO bulkreg_maintenance;


--
-- Name: COLUMN bulk_jobs.undone_at; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(undone_at) ON TABLE public.bulk_jobs TO bulkreg_app;


--
-- Name: COLUMN bulk_jobs.undone_by; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(undone_by) ON TABLE public.bulk_jobs TO bulkreg_app;


--
-- Name: COLUMN bulk_jobs.undo_reason; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(undo_reason) ON TABLE public.bulk_jobs TO bulkreg_app;


-- ==========================================================================================
-- Table public.emails
-- ==========================================================================================

--
-- Name: emails; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.emails (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    recipient_user_id uuid NOT NULL,
    event_id text,
    kind text NOT NULL,
    language text NOT NULL,
    to_address text NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    lease_until timestamp with time zone,
    last_error text,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    sent_at timestamp with time zone,
    CONSTRAINT emails_kind_check CHECK ((kind ~ '^[a-z][a-z_]{0,39}$'::text)),
    CONSTRAINT emails_language_check CHECK ((language = ANY (ARRAY['nb'::text, 'en'::text]))),
    CONSTRAINT emails_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'sent'::text, 'given_up'::text])))
);

ALTER TABLE ONLY public.emails FORCE ROW LEVEL SECURITY;


ALTER TABLE public.emails OWNER TO bulkreg_owner;


--
-- Name: emails emails_event_id_recipient_user_id_key; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.emails
    ADD CONSTRAINT emails_event_id_recipient_user_id_key UNIQUE (event_id, recipient_user_id);


--
-- Name: emails emails_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.emails
    ADD CONSTRAINT emails_pkey PRIMARY KEY (id);


--
-- Name: emails emails_org_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.emails
    ADD CONSTRAINT emails_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id);


--
-- Name: emails emails_recipient_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.emails
    ADD CONSTRAINT emails_recipient_user_id_fkey FOREIGN KEY (recipient_user_id) REFERENCES public.users(id);


--
-- Name: emails_due; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX emails_due ON public.emails USING btree (next_attempt_at) WHERE (status = 'pending'::text);


--
-- Name: emails_of_recipient; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX emails_of_recipient ON public.emails USING btree (recipient_user_id);


--
-- Name: emails_sent_brin; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX emails_sent_brin ON public.emails USING brin (sent_at);


--
-- Name: emails; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.emails ENABLE ROW LEVEL SECURITY;


--
-- Name: emails maintenance_send; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY maintenance_send ON public.emails TO bulkreg_maintenance USING (true) WITH CHECK (true);


--
-- Name: emails privacy_erase; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY privacy_erase ON public.emails TO bulkreg_owner USING (true) WITH CHECK (true);


--
-- Name: emails provision; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY provision ON public.emails TO bulkreg_owner USING (true) WITH CHECK (true);


--
-- Name: TABLE emails; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT ON TABLE public.emails TO bulkreg_maintenance;


--
-- Name: COLUMN emails.status; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(status) ON TABLE public.emails TO bulkreg_maintenance;


--
-- Name: COLUMN emails.attempts; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(attempts) ON TABLE public.emails TO bulkreg_maintenance;


--
-- Name: COLUMN emails.next_attempt_at; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(next_attempt_at) ON TABLE public.emails TO bulkreg_maintenance;


--
-- Name: COLUMN emails.lease_until; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(lease_until) ON TABLE public.emails TO bulkreg_maintenance;


--
-- Name: COLUMN emails.last_error; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(last_error) ON TABLE public.emails TO bulkreg_maintenance;


--
-- Name: COLUMN emails.sent_at; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(sent_at) ON TABLE public.emails TO bulkreg_maintenance;


-- ==========================================================================================
-- Table public.events
-- ==========================================================================================

--
-- Name: events; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.events (
    seq bigint NOT NULL,
    id text NOT NULL,
    txid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    org_id uuid NOT NULL,
    type text NOT NULL,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    data jsonb NOT NULL
);

ALTER TABLE ONLY public.events FORCE ROW LEVEL SECURITY;


ALTER TABLE public.events OWNER TO bulkreg_owner;


--
-- Name: events_seq_seq; Type: SEQUENCE; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.events ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.events_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: events events_id_key; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_id_key UNIQUE (id);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (seq);


--
-- Name: events events_org_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id);


--
-- Name: events_created_brin; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX events_created_brin ON public.events USING brin (created_at);


--
-- Name: events_feed; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX events_feed ON public.events USING btree (org_id, txid, seq);


--
-- Name: events; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.events ENABLE ROW LEVEL SECURITY;


--
-- Name: events maintenance_expire; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY maintenance_expire ON public.events FOR DELETE TO bulkreg_maintenance USING (true);


--
-- Name: events maintenance_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY maintenance_read ON public.events FOR SELECT TO bulkreg_maintenance USING (true);


--
-- Name: events provision; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY provision ON public.events TO bulkreg_owner USING (true) WITH CHECK (true);


--
-- Name: events staff_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY staff_read ON public.events FOR SELECT TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND ( SELECT app.is_staff() AS is_staff)));


--
-- Name: TABLE events; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT ON TABLE public.events TO bulkreg_app;
GRANT SELECT,DELETE ON TABLE public.events TO bulkreg_maintenance;


-- ==========================================================================================
-- Table public.organizations
-- ==========================================================================================

--
-- Name: organizations; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.organizations (
    id uuid NOT NULL,
    name text NOT NULL,
    timezone text DEFAULT 'UTC'::text NOT NULL,
    locale text DEFAULT 'nb'::text NOT NULL,
    jobs_served_at timestamp with time zone,
    CONSTRAINT organizations_locale_check CHECK ((locale = ANY (ARRAY['nb'::text, 'en'::text])))
);

ALTER TABLE ONLY public.organizations FORCE ROW LEVEL SECURITY;


ALTER TABLE public.organizations OWNER TO bulkreg_owner;


--
-- Name: organizations organizations_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.organizations
    ADD CONSTRAINT organizations_pkey PRIMARY KEY (id);


--
-- Name: organizations_name; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE UNIQUE INDEX organizations_name ON public.organizations USING btree (name);


--
-- Name: organizations; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.organizations ENABLE ROW LEVEL SECURITY;


--
-- Name: organizations org_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY org_read ON public.organizations FOR SELECT TO bulkreg_app USING ((id = ( SELECT app.current_org_id() AS current_org_id)));


--
-- Name: organizations provision; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY provision ON public.organizations TO bulkreg_owner USING (true) WITH CHECK (true);


--
-- Name: COLUMN organizations.jobs_served_at; Type: COMMENT; Schema: public; Owner: bulkreg_owner
--

COMMENT ON COLUMN public.organizations.jobs_served_at IS 'When a worker last claimed one of this organization''s jobs: the least recently
             served organization''s queued small job is claimed first.';


--
-- Name: TABLE organizations; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT ON TABLE public.organizations TO bulkreg_app;


-- ==========================================================================================
-- Table public.screen_sessions
-- ==========================================================================================

--
-- Name: screen_sessions; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.screen_sessions (
    digest bytea NOT NULL,
    user_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    ended_at timestamp with time zone
);

ALTER TABLE ONLY public.screen_sessions FORCE ROW LEVEL SECURITY;


ALTER TABLE public.screen_sessions OWNER TO bulkreg_owner;


--
-- Name: screen_sessions screen_sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.screen_sessions
    ADD CONSTRAINT screen_sessions_pkey PRIMARY KEY (digest);


--
-- Name: screen_sessions screen_sessions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.screen_sessions
    ADD CONSTRAINT screen_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: screen_sessions_of_user; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX screen_sessions_of_user ON public.screen_sessions USING btree (user_id) WHERE (ended_at IS NULL);


--
-- Name: screen_sessions; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.screen_sessions ENABLE ROW LEVEL SECURITY;


--
-- Name: screen_sessions provision; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY provision ON public.screen_sessions TO bulkreg_owner USING (true) WITH CHECK (true);


-- ==========================================================================================
-- Table public.sign_in_links
-- ==========================================================================================

--
-- Name: sign_in_links; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.sign_in_links (
    digest bytea NOT NULL,
    user_id uuid NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY public.sign_in_links FORCE ROW LEVEL SECURITY;


ALTER TABLE public.sign_in_links OWNER TO bulkreg_owner;


--
-- Name: sign_in_links sign_in_links_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.sign_in_links
    ADD CONSTRAINT sign_in_links_pkey PRIMARY KEY (digest);


--
-- Name: sign_in_links sign_in_links_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.sign_in_links
    ADD CONSTRAINT sign_in_links_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: sign_in_links; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.sign_in_links ENABLE ROW LEVEL SECURITY;


--
-- Name: sign_in_links provision; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY provision ON public.sign_in_links TO bulkreg_owner USING (true) WITH CHECK (true);


-- ==========================================================================================
-- Table public.sign_in_requests
-- ==========================================================================================

--
-- Name: sign_in_requests; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.sign_in_requests (
    id bigint NOT NULL,
    address_key bytea NOT NULL,
    client_key bytea NOT NULL,
    requested_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY public.sign_in_requests FORCE ROW LEVEL SECURITY;


ALTER TABLE public.sign_in_requests OWNER TO bulkreg_owner;


--
-- Name: sign_in_requests_id_seq; Type: SEQUENCE; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.sign_in_requests ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.sign_in_requests_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: sign_in_requests sign_in_requests_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.sign_in_requests
    ADD CONSTRAINT sign_in_requests_pkey PRIMARY KEY (id);


--
-- Name: sign_in_requests_address; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX sign_in_requests_address ON public.sign_in_requests USING btree (address_key, requested_at);


--
-- Name: sign_in_requests_age; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX sign_in_requests_age ON public.sign_in_requests USING btree (requested_at);


--
-- Name: sign_in_requests_client; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX sign_in_requests_client ON public.sign_in_requests USING btree (client_key, requested_at);


--
-- Name: sign_in_requests; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.sign_in_requests ENABLE ROW LEVEL SECURITY;


--
-- Name: sign_in_requests provision; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY provision ON public.sign_in_requests TO bulkreg_owner USING (true) WITH CHECK (true);


-- ==========================================================================================
-- Table public.user_roles
-- ==========================================================================================

--
-- Name: user_roles; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.user_roles (
    user_id uuid NOT NULL,
    org_id uuid NOT NULL,
    role text NOT NULL,
    active boolean NOT NULL,
    valid_from timestamp with time zone NOT NULL,
    valid_to timestamp with time zone
);

ALTER TABLE ONLY public.user_roles FORCE ROW LEVEL SECURITY;


ALTER TABLE public.user_roles OWNER TO bulkreg_owner;


--
-- Name: user_roles user_roles_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.user_roles
    ADD CONSTRAINT user_roles_pkey PRIMARY KEY (user_id, valid_from);


--
-- Name: user_roles user_roles_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.user_roles
    ADD CONSTRAINT user_roles_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: user_roles_current; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX user_roles_current ON public.user_roles USING btree (user_id) WHERE (valid_to IS NULL);


--
-- Name: user_roles; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.user_roles ENABLE ROW LEVEL SECURITY;


--
-- Name: user_roles maintenance_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY maintenance_read ON public.user_roles FOR SELECT TO bulkreg_maintenance USING (true);


--
-- Name: user_roles provision; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY provision ON public.user_roles TO bulkreg_owner USING (true) WITH CHECK (true);


--
-- Name: user_roles staff_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY staff_read ON public.user_roles FOR SELECT TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND ( SELECT app.is_staff() AS is_staff)));


--
-- Name: TABLE user_roles; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT ON TABLE public.user_roles TO bulkreg_app;
GRANT SELECT ON TABLE public.user_roles TO bulkreg_maintenance;


-- ==========================================================================================
-- Table public.users
-- ==========================================================================================

--
-- Name: users; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.users (
    id uuid NOT NULL,
    org_id uuid NOT NULL,
    role text NOT NULL,
    display_name text NOT NULL,
    active boolean DEFAULT true NOT NULL,
    email text,
    member_number text,
    auth_subject text,
    email_key text GENERATED ALWAYS AS (lower((email COLLATE pg_unicode_fast))) STORED,
    member_key text GENERATED ALWAYS AS (lower((member_number COLLATE pg_unicode_fast))) STORED,
    name_sort_key bytea NOT NULL,
    locale text,
    name_sort_key_en bytea NOT NULL,
    notify_needs_review boolean DEFAULT true NOT NULL,
    notify_failed boolean DEFAULT true NOT NULL,
    notify_succeeded boolean DEFAULT false NOT NULL,
    erased_at timestamp with time zone,
    CONSTRAINT users_email_check CHECK ((email !~ '\s'::text)),
    CONSTRAINT users_locale_check CHECK ((locale = ANY (ARRAY['nb'::text, 'en'::text]))),
    CONSTRAINT users_role_check CHECK ((role = ANY (ARRAY['coordinator'::text, 'peer_mentor'::text, 'admin'::text])))
);

ALTER TABLE ONLY public.users FORCE ROW LEVEL SECURITY;


ALTER TABLE public.users OWNER TO bulkreg_owner;


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: users users_org_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id);


--
-- Name: users_auth_subject; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE UNIQUE INDEX users_auth_subject ON public.users USING btree (auth_subject);


--
-- Name: users_email_prefix; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX users_email_prefix ON public.users USING btree (org_id, email_key text_pattern_ops);


--
-- Name: users_member_number_prefix; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX users_member_number_prefix ON public.users USING btree (org_id, member_key text_pattern_ops);


--
-- Name: users_name_words; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX users_name_words ON public.users USING gin (to_tsvector('simple'::regconfig, lower((display_name COLLATE pg_unicode_fast))));


--
-- Name: users_org_email; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE UNIQUE INDEX users_org_email ON public.users USING btree (org_id, email_key);


--
-- Name: users_org_member_number; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE UNIQUE INDEX users_org_member_number ON public.users USING btree (org_id, member_number);


--
-- Name: users_org_role_sort; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX users_org_role_sort ON public.users USING btree (org_id, role, name_sort_key, id);


--
-- Name: users_org_role_sort_en; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX users_org_role_sort_en ON public.users USING btree (org_id, role, name_sort_key_en, id);


--
-- Name: users users_deactivated_end_their_sessions; Type: TRIGGER; Schema: public; Owner: bulkreg_owner
--

CREATE TRIGGER users_deactivated_end_their_sessions AFTER UPDATE OF active ON public.users FOR EACH ROW WHEN ((old.active AND (NOT new.active))) EXECUTE FUNCTION app.end_sessions_of_deactivated();


--
-- Name: users users_role_history; Type: TRIGGER; Schema: public; Owner: bulkreg_owner
--

CREATE TRIGGER users_role_history AFTER INSERT OR UPDATE OF org_id, role, active ON public.users FOR EACH ROW EXECUTE FUNCTION app.record_role_period();


--
-- Name: users; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;


--
-- Name: users maintenance_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY maintenance_read ON public.users FOR SELECT TO bulkreg_maintenance USING (true);


--
-- Name: users own_locale; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY own_locale ON public.users FOR UPDATE TO bulkreg_api USING (((id = ( SELECT app.current_user_id() AS current_user_id)) AND (org_id = ( SELECT app.current_org_id() AS current_org_id)))) WITH CHECK (((id = ( SELECT app.current_user_id() AS current_user_id)) AND (org_id = ( SELECT app.current_org_id() AS current_org_id))));


--
-- Name: users provision; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY provision ON public.users TO bulkreg_owner USING (true) WITH CHECK (true);


--
-- Name: users staff_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY staff_read ON public.users FOR SELECT TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (( SELECT app.is_staff() AS is_staff) OR (id = ( SELECT app.current_user_id() AS current_user_id)))));


--
-- Name: TABLE users; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT ON TABLE public.users TO bulkreg_app;


--
-- Name: COLUMN users.id; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT(id) ON TABLE public.users TO bulkreg_maintenance;


--
-- Name: COLUMN users.role; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT(role) ON TABLE public.users TO bulkreg_maintenance;


--
-- Name: COLUMN users.active; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT(active) ON TABLE public.users TO bulkreg_maintenance;


--
-- Name: COLUMN users.locale; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(locale) ON TABLE public.users TO bulkreg_api;


--
-- Name: COLUMN users.notify_needs_review; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(notify_needs_review) ON TABLE public.users TO bulkreg_api;
GRANT SELECT(notify_needs_review) ON TABLE public.users TO bulkreg_maintenance;


--
-- Name: COLUMN users.notify_failed; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(notify_failed) ON TABLE public.users TO bulkreg_api;
GRANT SELECT(notify_failed) ON TABLE public.users TO bulkreg_maintenance;


--
-- Name: COLUMN users.notify_succeeded; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(notify_succeeded) ON TABLE public.users TO bulkreg_api;
GRANT SELECT(notify_succeeded) ON TABLE public.users TO bulkreg_maintenance;


-- ==========================================================================================
-- Table public.webhook_attempts
-- ==========================================================================================

--
-- Name: webhook_attempts; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.webhook_attempts (
    delivery_id uuid NOT NULL,
    attempt integer NOT NULL,
    org_id uuid NOT NULL,
    at timestamp with time zone NOT NULL,
    status_code integer,
    error text,
    duration_ms integer NOT NULL
);

ALTER TABLE ONLY public.webhook_attempts FORCE ROW LEVEL SECURITY;


ALTER TABLE public.webhook_attempts OWNER TO bulkreg_owner;


--
-- Name: webhook_attempts webhook_attempts_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.webhook_attempts
    ADD CONSTRAINT webhook_attempts_pkey PRIMARY KEY (delivery_id, attempt);


--
-- Name: webhook_attempts webhook_attempts_delivery_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.webhook_attempts
    ADD CONSTRAINT webhook_attempts_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES public.webhook_deliveries(id) ON DELETE CASCADE;


--
-- Name: webhook_attempts; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.webhook_attempts ENABLE ROW LEVEL SECURITY;


--
-- Name: webhook_attempts admin_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY admin_read ON public.webhook_attempts FOR SELECT TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (( SELECT app."current_role"() AS "current_role") = 'admin'::text)));


--
-- Name: webhook_attempts maintenance_record; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY maintenance_record ON public.webhook_attempts TO bulkreg_maintenance USING (true) WITH CHECK (true);


--
-- Name: webhook_attempts privacy_erase; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY privacy_erase ON public.webhook_attempts TO bulkreg_owner USING (true) WITH CHECK (true);


--
-- Name: TABLE webhook_attempts; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT ON TABLE public.webhook_attempts TO bulkreg_app;
GRANT SELECT,INSERT ON TABLE public.webhook_attempts TO bulkreg_maintenance;


-- ==========================================================================================
-- Table public.webhook_deliveries
-- ==========================================================================================

--
-- Name: webhook_deliveries; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.webhook_deliveries (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    webhook_id uuid NOT NULL,
    event_seq bigint NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    lease_until timestamp with time zone,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    delivered_at timestamp with time zone,
    CONSTRAINT webhook_deliveries_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'delivered'::text, 'failed'::text, 'cancelled'::text])))
);

ALTER TABLE ONLY public.webhook_deliveries FORCE ROW LEVEL SECURITY;


ALTER TABLE public.webhook_deliveries OWNER TO bulkreg_owner;


--
-- Name: webhook_deliveries webhook_deliveries_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id);


--
-- Name: webhook_deliveries webhook_deliveries_webhook_id_event_seq_key; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_webhook_id_event_seq_key UNIQUE (webhook_id, event_seq);


--
-- Name: webhook_deliveries webhook_deliveries_event_seq_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_event_seq_fkey FOREIGN KEY (event_seq) REFERENCES public.events(seq) ON DELETE CASCADE;


--
-- Name: webhook_deliveries webhook_deliveries_webhook_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_webhook_id_fkey FOREIGN KEY (webhook_id) REFERENCES public.webhooks(id);


--
-- Name: webhook_deliveries_due; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX webhook_deliveries_due ON public.webhook_deliveries USING btree (next_attempt_at) WHERE (status = 'pending'::text);


--
-- Name: webhook_deliveries_listing; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX webhook_deliveries_listing ON public.webhook_deliveries USING btree (webhook_id, created_at DESC, id DESC);


--
-- Name: webhook_deliveries; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.webhook_deliveries ENABLE ROW LEVEL SECURITY;


--
-- Name: webhook_deliveries admin_cancel; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY admin_cancel ON public.webhook_deliveries FOR UPDATE TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (( SELECT app."current_role"() AS "current_role") = 'admin'::text) AND (status = 'pending'::text))) WITH CHECK (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (( SELECT app."current_role"() AS "current_role") = 'admin'::text) AND (status = 'cancelled'::text)));


--
-- Name: webhook_deliveries admin_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY admin_read ON public.webhook_deliveries FOR SELECT TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (( SELECT app."current_role"() AS "current_role") = 'admin'::text)));


--
-- Name: webhook_deliveries maintenance_send; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY maintenance_send ON public.webhook_deliveries TO bulkreg_maintenance USING (true) WITH CHECK (true);


--
-- Name: webhook_deliveries provision; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY provision ON public.webhook_deliveries TO bulkreg_owner USING (true) WITH CHECK (true);


--
-- Name: TABLE webhook_deliveries; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT ON TABLE public.webhook_deliveries TO bulkreg_app;
GRANT SELECT ON TABLE public.webhook_deliveries TO bulkreg_maintenance;


--
-- Name: COLUMN webhook_deliveries.status; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(status) ON TABLE public.webhook_deliveries TO bulkreg_app;
GRANT UPDATE(status) ON TABLE public.webhook_deliveries TO bulkreg_maintenance;


--
-- Name: COLUMN webhook_deliveries.attempts; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(attempts) ON TABLE public.webhook_deliveries TO bulkreg_maintenance;


--
-- Name: COLUMN webhook_deliveries.next_attempt_at; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(next_attempt_at) ON TABLE public.webhook_deliveries TO bulkreg_maintenance;


--
-- Name: COLUMN webhook_deliveries.lease_until; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(lease_until) ON TABLE public.webhook_deliveries TO bulkreg_maintenance;


--
-- Name: COLUMN webhook_deliveries.delivered_at; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT UPDATE(delivered_at) ON TABLE public.webhook_deliveries TO bulkreg_maintenance;


-- ==========================================================================================
-- Table public.webhooks
-- ==========================================================================================

--
-- Name: webhooks; Type: TABLE; Schema: public; Owner: bulkreg_owner
--

CREATE TABLE public.webhooks (
    id uuid NOT NULL,
    org_id uuid NOT NULL,
    url text NOT NULL,
    types text[] NOT NULL,
    secret text NOT NULL,
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    deleted_at timestamp with time zone
);

ALTER TABLE ONLY public.webhooks FORCE ROW LEVEL SECURITY;


ALTER TABLE public.webhooks OWNER TO bulkreg_owner;


--
-- Name: webhooks webhooks_pkey; Type: CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.webhooks
    ADD CONSTRAINT webhooks_pkey PRIMARY KEY (id);


--
-- Name: webhooks webhooks_created_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.webhooks
    ADD CONSTRAINT webhooks_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.users(id);


--
-- Name: webhooks webhooks_org_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE ONLY public.webhooks
    ADD CONSTRAINT webhooks_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id);


--
-- Name: webhooks_of_org; Type: INDEX; Schema: public; Owner: bulkreg_owner
--

CREATE INDEX webhooks_of_org ON public.webhooks USING btree (org_id) WHERE (deleted_at IS NULL);


--
-- Name: webhooks; Type: ROW SECURITY; Schema: public; Owner: bulkreg_owner
--

ALTER TABLE public.webhooks ENABLE ROW LEVEL SECURITY;


--
-- Name: webhooks admin_create; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY admin_create ON public.webhooks FOR INSERT TO bulkreg_app WITH CHECK (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (( SELECT app."current_role"() AS "current_role") = 'admin'::text)));


--
-- Name: webhooks admin_delete; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY admin_delete ON public.webhooks FOR UPDATE TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (( SELECT app."current_role"() AS "current_role") = 'admin'::text))) WITH CHECK (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (( SELECT app."current_role"() AS "current_role") = 'admin'::text)));


--
-- Name: webhooks admin_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY admin_read ON public.webhooks FOR SELECT TO bulkreg_app USING (((org_id = ( SELECT app.current_org_id() AS current_org_id)) AND (( SELECT app."current_role"() AS "current_role") = 'admin'::text)));


--
-- Name: webhooks maintenance_read; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY maintenance_read ON public.webhooks FOR SELECT TO bulkreg_maintenance USING (true);


--
-- Name: webhooks provision; Type: POLICY; Schema: public; Owner: bulkreg_owner
--

CREATE POLICY provision ON public.webhooks TO bulkreg_owner USING (true) WITH CHECK (true);


--
-- Name: TABLE webhooks; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT INSERT ON TABLE public.webhooks TO bulkreg_app;
GRANT SELECT ON TABLE public.webhooks TO bulkreg_maintenance;


--
-- Name: COLUMN webhooks.id; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT(id) ON TABLE public.webhooks TO bulkreg_app;


--
-- Name: COLUMN webhooks.org_id; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT(org_id) ON TABLE public.webhooks TO bulkreg_app;


--
-- Name: COLUMN webhooks.url; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT(url) ON TABLE public.webhooks TO bulkreg_app;


--
-- Name: COLUMN webhooks.types; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT(types) ON TABLE public.webhooks TO bulkreg_app;


--
-- Name: COLUMN webhooks.created_by; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT(created_by) ON TABLE public.webhooks TO bulkreg_app;


--
-- Name: COLUMN webhooks.created_at; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT(created_at) ON TABLE public.webhooks TO bulkreg_app;


--
-- Name: COLUMN webhooks.deleted_at; Type: ACL; Schema: public; Owner: bulkreg_owner
--

GRANT SELECT(deleted_at),UPDATE(deleted_at) ON TABLE public.webhooks TO bulkreg_app;


-- ==========================================================================================
-- Table app.identity_key
-- ==========================================================================================

--
-- Name: identity_key; Type: TABLE; Schema: app; Owner: bulkreg_owner
--

CREATE TABLE app.identity_key (
    inner_key bytea NOT NULL,
    outer_key bytea NOT NULL,
    singleton boolean DEFAULT true NOT NULL,
    CONSTRAINT identity_key_singleton_check CHECK (singleton)
);


ALTER TABLE app.identity_key OWNER TO bulkreg_owner;


--
-- Name: identity_key identity_key_pkey; Type: CONSTRAINT; Schema: app; Owner: bulkreg_owner
--

ALTER TABLE ONLY app.identity_key
    ADD CONSTRAINT identity_key_pkey PRIMARY KEY (singleton);


-- ==========================================================================================
-- Table app.job_transitions
-- ==========================================================================================

--
-- Name: job_transitions; Type: TABLE; Schema: app; Owner: bulkreg_owner
--

CREATE TABLE app.job_transitions (
    from_status text NOT NULL,
    to_status text NOT NULL,
    by_roles text[] NOT NULL
);


ALTER TABLE app.job_transitions OWNER TO bulkreg_owner;


--
-- Name: job_transitions job_transitions_pkey; Type: CONSTRAINT; Schema: app; Owner: bulkreg_owner
--

ALTER TABLE ONLY app.job_transitions
    ADD CONSTRAINT job_transitions_pkey PRIMARY KEY (from_status, to_status);


--
-- Name: TABLE job_transitions; Type: ACL; Schema: app; Owner: bulkreg_owner
--

GRANT SELECT ON TABLE app.job_transitions TO bulkreg_app;
GRANT SELECT ON TABLE app.job_transitions TO bulkreg_api;
GRANT SELECT ON TABLE app.job_transitions TO bulkreg_worker;
GRANT SELECT ON TABLE app.job_transitions TO bulkreg_maintenance;


-- ==========================================================================================
-- Table app.reconcile_marks
-- ==========================================================================================

--
-- Name: reconcile_marks; Type: TABLE; Schema: app; Owner: bulkreg_owner
--

CREATE TABLE app.reconcile_marks (
    kind text NOT NULL,
    checked_until timestamp with time zone NOT NULL
);


ALTER TABLE app.reconcile_marks OWNER TO bulkreg_owner;


--
-- Name: reconcile_marks reconcile_marks_pkey; Type: CONSTRAINT; Schema: app; Owner: bulkreg_owner
--

ALTER TABLE ONLY app.reconcile_marks
    ADD CONSTRAINT reconcile_marks_pkey PRIMARY KEY (kind);


--
-- Name: TABLE reconcile_marks; Type: ACL; Schema: app; Owner: bulkreg_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE app.reconcile_marks TO bulkreg_maintenance;


-- ==========================================================================================
-- Functions: Identity checks
-- Who the session acts for: set only by act_as and act_for_claim, sealed by
-- identity_seal, read back by the policies through current_user_id, current_org_id,
-- current_role and is_staff (each NULL or false when the seal does not match).
-- ==========================================================================================

--
-- Name: identity_seal(text, text, text); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.identity_seal(p_user text, p_org text, p_role text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$ select pg_catalog.encode(pg_catalog.sha256(k.outer_key || pg_catalog.sha256(
              k.inner_key || pg_catalog.convert_to(concat_ws('|', p_user, p_org,
              p_role, pg_catalog.pg_backend_pid(),
              extract(epoch from pg_catalog.transaction_timestamp())), 'UTF8'))),
              'hex')
          from app.identity_key k $$;


ALTER FUNCTION app.identity_seal(p_user text, p_org text, p_role text) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION identity_seal(p_user text, p_org text, p_role text); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.identity_seal(p_user text, p_org text, p_role text) FROM PUBLIC;


--
-- Name: act_as(uuid, uuid, text); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.act_as(p_user uuid, p_org uuid, p_role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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


ALTER FUNCTION app.act_as(p_user uuid, p_org uuid, p_role text) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION act_as(p_user uuid, p_org uuid, p_role text); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.act_as(p_user uuid, p_org uuid, p_role text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.act_as(p_user uuid, p_org uuid, p_role text) TO bulkreg_api;


--
-- Name: act_for_claim(uuid, uuid); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.act_for_claim(p_job uuid, p_token uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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


ALTER FUNCTION app.act_for_claim(p_job uuid, p_token uuid) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION act_for_claim(p_job uuid, p_token uuid); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.act_for_claim(p_job uuid, p_token uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.act_for_claim(p_job uuid, p_token uuid) TO bulkreg_worker;


--
-- Name: claim_is_running(uuid, uuid); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.claim_is_running(p_job uuid, p_token uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$ select exists (select 1 from public.bulk_jobs j
                                    where j.id = p_job and j.status = 'running'
                                      and j.claim_token = p_token) $$;


ALTER FUNCTION app.claim_is_running(p_job uuid, p_token uuid) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION claim_is_running(p_job uuid, p_token uuid); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.claim_is_running(p_job uuid, p_token uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.claim_is_running(p_job uuid, p_token uuid) TO bulkreg_worker;


--
-- Name: current_user_id(); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.current_user_id() RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$ select case when (select pg_catalog.current_setting('app.identity_seal', true)
              = app.identity_seal(pg_catalog.current_setting('app.user_id', true),
                                  pg_catalog.current_setting('app.org_id', true),
                                  pg_catalog.current_setting('app.role', true)))
                 then nullif(pg_catalog.current_setting('app.user_id', true), '')::uuid
                 end $$;


ALTER FUNCTION app.current_user_id() OWNER TO bulkreg_owner;


--
-- Name: FUNCTION current_user_id(); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.current_user_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app.current_user_id() TO bulkreg_app;


--
-- Name: current_org_id(); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.current_org_id() RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$ select case when (select pg_catalog.current_setting('app.identity_seal', true)
              = app.identity_seal(pg_catalog.current_setting('app.user_id', true),
                                  pg_catalog.current_setting('app.org_id', true),
                                  pg_catalog.current_setting('app.role', true)))
                 then nullif(pg_catalog.current_setting('app.org_id', true), '')::uuid
                 end $$;


ALTER FUNCTION app.current_org_id() OWNER TO bulkreg_owner;


--
-- Name: FUNCTION current_org_id(); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.current_org_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app.current_org_id() TO bulkreg_app;


--
-- Name: current_role(); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app."current_role"() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$ select case when (select pg_catalog.current_setting('app.identity_seal', true)
              = app.identity_seal(pg_catalog.current_setting('app.user_id', true),
                                  pg_catalog.current_setting('app.org_id', true),
                                  pg_catalog.current_setting('app.role', true)))
                 then nullif(pg_catalog.current_setting('app.role', true), '')
                 end $$;


ALTER FUNCTION app."current_role"() OWNER TO bulkreg_owner;


--
-- Name: FUNCTION "current_role"(); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app."current_role"() FROM PUBLIC;
GRANT ALL ON FUNCTION app."current_role"() TO bulkreg_app;


--
-- Name: is_staff(); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.is_staff() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$ select coalesce(app.current_role() in ('coordinator', 'admin'), false) $$;


ALTER FUNCTION app.is_staff() OWNER TO bulkreg_owner;


--
-- Name: FUNCTION is_staff(); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.is_staff() FROM PUBLIC;
GRANT ALL ON FUNCTION app.is_staff() TO bulkreg_app;


-- ==========================================================================================
-- Functions: Sign-in
-- A user found by their identity provider's subject, a sign-in link redeemed once, and
-- links asked for by email, within their limits.
-- ==========================================================================================

--
-- Name: user_for_subject(text); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.user_for_subject(p_subject text) RETURNS TABLE(user_id uuid, org_id uuid, role text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            select u.id, u.org_id, u.role from public.users u
            where u.auth_subject = p_subject and u.active
            $$;


ALTER FUNCTION app.user_for_subject(p_subject text) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION user_for_subject(p_subject text); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.user_for_subject(p_subject text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.user_for_subject(p_subject text) TO bulkreg_api;


--
-- Name: redeem_sign_in_link(bytea); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.redeem_sign_in_link(p_digest bytea) RETURNS TABLE(user_id uuid, org_id uuid, role text)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            update public.sign_in_links l set used_at = pg_catalog.now()
            from public.users u
            where l.digest = p_digest and l.used_at is null
              and l.expires_at > pg_catalog.now()
              and u.id = l.user_id and u.active and u.role in ('coordinator', 'admin')
            returning u.id, u.org_id, u.role
            $$;


ALTER FUNCTION app.redeem_sign_in_link(p_digest bytea) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION redeem_sign_in_link(p_digest bytea); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.redeem_sign_in_link(p_digest bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION app.redeem_sign_in_link(p_digest bytea) TO bulkreg_api;


--
-- Name: request_sign_in_links(text, bytea, bytea); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.request_sign_in_links(p_email text, p_address_key bytea, p_client_key bytea) RETURNS TABLE(user_id uuid, org_id uuid, role text, link text, organization text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            #variable_conflict use_column
            declare
                v_since timestamptz := pg_catalog.now() - interval '1 hour';
                v_link text;
                v_user record;
            begin
                perform pg_catalog.pg_advisory_xact_lock(('x' || pg_catalog.encode(pg_catalog.substr(p_address_key, 1, 8), 'hex'))::bit(64)::bigint);
                perform pg_catalog.pg_advisory_xact_lock(('x' || pg_catalog.encode(pg_catalog.substr(p_client_key, 1, 8), 'hex'))::bit(64)::bigint);
                delete from public.sign_in_requests r where r.requested_at < v_since;
                if (select pg_catalog.count(*) from public.sign_in_requests r
                        where r.address_key = p_address_key and r.requested_at >= v_since)
                       >= 5
                   or (select pg_catalog.count(*) from public.sign_in_requests r
                        where r.client_key = p_client_key and r.requested_at >= v_since)
                       >= 30 then
                    return;
                end if;
                insert into public.sign_in_requests (address_key, client_key)
                    values (p_address_key, p_client_key);
                for v_user in
                    select u.id, u.org_id, u.role, o.name
                    from public.users u join public.organizations o on o.id = u.org_id
                    where u.email_key = pg_catalog.lower(p_email) and u.active
                      and u.role in ('coordinator', 'admin')
                    order by u.org_id
                loop
                    v_link := pg_catalog.rtrim(pg_catalog.translate(pg_catalog.encode(
                        pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
                        || pg_catalog.uuid_send(pg_catalog.gen_random_uuid()), 'base64'),
                        '+/', '-_'), '=');
                    insert into public.sign_in_links (digest, user_id, expires_at)
                        values (pg_catalog.sha256(pg_catalog.convert_to(v_link, 'UTF8')),
                                v_user.id,
                                pg_catalog.now() + interval '15 minutes');
                    user_id := v_user.id;
                    org_id := v_user.org_id;
                    role := v_user.role;
                    link := v_link;
                    organization := v_user.name;
                    return next;
                end loop;
            end
            $$;


ALTER FUNCTION app.request_sign_in_links(p_email text, p_address_key bytea, p_client_key bytea) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION request_sign_in_links(p_email text, p_address_key bytea, p_client_key bytea); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.request_sign_in_links(p_email text, p_address_key bytea, p_client_key bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION app.request_sign_in_links(p_email text, p_address_key bytea, p_client_key bytea) TO bulkreg_api;


-- ==========================================================================================
-- Functions: Screen sessions
-- The screen's sessions: opened at sign-in, looked up and kept alive by each use, ended
-- by signing out or by their user's deactivation (trigger
-- users_deactivated_end_their_sessions).
-- ==========================================================================================

--
-- Name: open_screen_session(bytea, uuid, integer); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.open_screen_session(p_digest bytea, p_user uuid, p_lifetime_seconds integer) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            with gone as (
                delete from public.screen_sessions s
                where s.ctid = any (array(
                    select o.ctid from public.screen_sessions o
                    where o.expires_at < pg_catalog.now() - interval '1 day'
                       or o.ended_at < pg_catalog.now() - interval '1 day'
                    limit 100)))
            insert into public.screen_sessions (digest, user_id, expires_at)
            select p_digest, u.id,
                   pg_catalog.now() + pg_catalog.make_interval(secs => p_lifetime_seconds)
            from public.users u
            where u.id = p_user and u.active and u.role in ('coordinator', 'admin')
            returning true
            $$;


ALTER FUNCTION app.open_screen_session(p_digest bytea, p_user uuid, p_lifetime_seconds integer) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION open_screen_session(p_digest bytea, p_user uuid, p_lifetime_seconds integer); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.open_screen_session(p_digest bytea, p_user uuid, p_lifetime_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.open_screen_session(p_digest bytea, p_user uuid, p_lifetime_seconds integer) TO bulkreg_api;


--
-- Name: screen_session(bytea, integer); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.screen_session(p_digest bytea, p_idle_seconds integer) RETURNS TABLE(user_id uuid, org_id uuid, role text)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            update public.screen_sessions s set last_seen_at = pg_catalog.now()
            from public.users u
            where s.digest = p_digest and s.ended_at is null
              and s.expires_at > pg_catalog.now()
              and s.last_seen_at
                  > pg_catalog.now() - pg_catalog.make_interval(secs => p_idle_seconds)
              and u.id = s.user_id and u.active and u.role in ('coordinator', 'admin')
            returning u.id, u.org_id, u.role
            $$;


ALTER FUNCTION app.screen_session(p_digest bytea, p_idle_seconds integer) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION screen_session(p_digest bytea, p_idle_seconds integer); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.screen_session(p_digest bytea, p_idle_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.screen_session(p_digest bytea, p_idle_seconds integer) TO bulkreg_api;


--
-- Name: end_screen_session(bytea); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.end_screen_session(p_digest bytea) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            update public.screen_sessions set ended_at = pg_catalog.now()
            where digest = p_digest and ended_at is null
            $$;


ALTER FUNCTION app.end_screen_session(p_digest bytea) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION end_screen_session(p_digest bytea); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.end_screen_session(p_digest bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION app.end_screen_session(p_digest bytea) TO bulkreg_api;


--
-- Name: end_sessions_of_deactivated(); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.end_sessions_of_deactivated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            begin
                update public.screen_sessions set ended_at = pg_catalog.now()
                where user_id = new.id and ended_at is null;
                return null;
            end $$;


ALTER FUNCTION app.end_sessions_of_deactivated() OWNER TO bulkreg_owner;


--
-- Name: FUNCTION end_sessions_of_deactivated(); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.end_sessions_of_deactivated() FROM PUBLIC;


-- ==========================================================================================
-- Functions: Directory
-- Peer mentors found by name, email or member number, within the staff's organization, listed in the caller's language's order.
-- ==========================================================================================

--
-- Name: search_peer_mentors(text, text, boolean, text, bytea, uuid, integer); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.search_peer_mentors(p_prefix text, p_words text, p_active boolean, p_language text, p_after bytea, p_after_id uuid, p_limit integer) RETURNS SETOF public.users
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            begin
                if p_language = 'en' then
                    return query select u.* from public.users u
                where u.org_id = app.current_org_id() and app.is_staff()
                  and u.role = 'peer_mentor'
                  and (p_active is null or u.active = p_active)
                  and (p_prefix is null
                       or (p_words is not null
                           and pg_catalog.to_tsvector('pg_catalog.simple', pg_catalog.lower(u.display_name collate pg_catalog.pg_unicode_fast))
                               @@ pg_catalog.to_tsquery('pg_catalog.simple', pg_catalog.lower(p_words collate pg_catalog.pg_unicode_fast)))
                       or (u.email_key operator(pg_catalog.~>=~) (pg_catalog.lower(p_prefix collate pg_catalog.pg_unicode_fast) collate pg_catalog."default")
                           and u.email_key operator(pg_catalog.~<~) ((pg_catalog.lower(p_prefix collate pg_catalog.pg_unicode_fast) collate pg_catalog."default") || U&'\+10FFFF'))
                       or (u.member_key operator(pg_catalog.~>=~) (pg_catalog.lower(p_prefix collate pg_catalog.pg_unicode_fast) collate pg_catalog."default")
                           and u.member_key operator(pg_catalog.~<~)
                               ((pg_catalog.lower(p_prefix collate pg_catalog.pg_unicode_fast) collate pg_catalog."default") || U&'\+10FFFF')))
                  and (p_after is null or (u.name_sort_key_en, u.id) > (p_after, p_after_id))
                order by u.name_sort_key_en, u.id
                limit p_limit;
                else
                    return query select u.* from public.users u
                where u.org_id = app.current_org_id() and app.is_staff()
                  and u.role = 'peer_mentor'
                  and (p_active is null or u.active = p_active)
                  and (p_prefix is null
                       or (p_words is not null
                           and pg_catalog.to_tsvector('pg_catalog.simple', pg_catalog.lower(u.display_name collate pg_catalog.pg_unicode_fast))
                               @@ pg_catalog.to_tsquery('pg_catalog.simple', pg_catalog.lower(p_words collate pg_catalog.pg_unicode_fast)))
                       or (u.email_key operator(pg_catalog.~>=~) (pg_catalog.lower(p_prefix collate pg_catalog.pg_unicode_fast) collate pg_catalog."default")
                           and u.email_key operator(pg_catalog.~<~) ((pg_catalog.lower(p_prefix collate pg_catalog.pg_unicode_fast) collate pg_catalog."default") || U&'\+10FFFF'))
                       or (u.member_key operator(pg_catalog.~>=~) (pg_catalog.lower(p_prefix collate pg_catalog.pg_unicode_fast) collate pg_catalog."default")
                           and u.member_key operator(pg_catalog.~<~)
                               ((pg_catalog.lower(p_prefix collate pg_catalog.pg_unicode_fast) collate pg_catalog."default") || U&'\+10FFFF')))
                  and (p_after is null or (u.name_sort_key, u.id) > (p_after, p_after_id))
                order by u.name_sort_key, u.id
                limit p_limit;
                end if;
            end
            $$;


ALTER FUNCTION app.search_peer_mentors(p_prefix text, p_words text, p_active boolean, p_language text, p_after bytea, p_after_id uuid, p_limit integer) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION search_peer_mentors(p_prefix text, p_words text, p_active boolean, p_language text, p_after bytea, p_after_id uuid, p_limit integer); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.search_peer_mentors(p_prefix text, p_words text, p_active boolean, p_language text, p_after bytea, p_after_id uuid, p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.search_peer_mentors(p_prefix text, p_words text, p_active boolean, p_language text, p_after bytea, p_after_id uuid, p_limit integer) TO bulkreg_app;


--
-- Name: caller_language(); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.caller_language() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            select coalesce(
                (select coalesce(u.locale, o.locale) from public.users u
                 join public.organizations o on o.id = u.org_id
                 where u.id = app.current_user_id()),
                'nb')
            $$;


ALTER FUNCTION app.caller_language() OWNER TO bulkreg_owner;


--
-- Name: FUNCTION caller_language(); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.caller_language() FROM PUBLIC;
GRANT ALL ON FUNCTION app.caller_language() TO bulkreg_app;


-- ==========================================================================================
-- Functions: Reference checks
-- An inserted activity's user, type, job and duplicate must be of its organization:
-- checked once per statement (trigger activities_references).
-- ==========================================================================================

--
-- Name: check_activity_references(); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.check_activity_references() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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


ALTER FUNCTION app.check_activity_references() OWNER TO bulkreg_owner;


--
-- Name: FUNCTION check_activity_references(); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.check_activity_references() FROM PUBLIC;


-- ==========================================================================================
-- Functions: Role history
-- Each change of a user's organization, role or activity closes one period of
-- user_roles and opens the next (trigger users_role_history).
-- ==========================================================================================

--
-- Name: record_role_period(); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.record_role_period() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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


ALTER FUNCTION app.record_role_period() OWNER TO bulkreg_owner;


--
-- Name: FUNCTION record_role_period(); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.record_role_period() FROM PUBLIC;


-- ==========================================================================================
-- Functions: Job states
-- The edges of the bulk jobs' state machine, who may take them, and the items'
-- outcomes that change only with their job.
-- ==========================================================================================

--
-- Name: guard_job_status(); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.guard_job_status() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            declare
                allowed text[];
            begin
                if tg_op = 'INSERT' then
                    if new.status <> 'queued' then
                        raise exception 'a bulk job is created queued, not %', new.status
                            using errcode = 'check_violation', constraint = 'job_state_machine';
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
                        using errcode = 'check_violation', constraint = 'job_state_machine';
                end if;
                if current_user in ('bulkreg_api', 'bulkreg_worker', 'bulkreg_maintenance', 'bulkreg_app') and not current_user = any (allowed) then
                    raise exception '% may not move a bulk job from % to %', current_user,
                        old.status, new.status using errcode = 'check_violation', constraint = 'job_state_machine';
                end if;
                return new;
            end $$;


ALTER FUNCTION app.guard_job_status() OWNER TO bulkreg_owner;


--
-- Name: FUNCTION guard_job_status(); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.guard_job_status() FROM PUBLIC;


--
-- Name: guard_item_outcomes(); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.guard_item_outcomes() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            begin
                if exists (
                    select from new_items n join old_items o using (job_id, idx)
                    where n.outcome is distinct from o.outcome
                      and (not exists (select from public.bulk_jobs j
                                       where j.id = n.job_id
                                         and j.xmin::text
                                             = (pg_catalog.txid_current() % 4294967296)::text)
                           or (n.outcome in ('registered', 'overridden')
                               and current_user in ('bulkreg_api', 'bulkreg_worker', 'bulkreg_maintenance', 'bulkreg_app')
                               and current_user <> 'bulkreg_worker'))) then
                    raise exception 'an item''s outcome changes only with its job''s move'
                        using errcode = 'check_violation', constraint = 'job_state_machine';
                end if;
                return null;
            end $$;


ALTER FUNCTION app.guard_item_outcomes() OWNER TO bulkreg_owner;


--
-- Name: FUNCTION guard_item_outcomes(); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.guard_item_outcomes() FROM PUBLIC;


--
-- Name: job_cannot_become(uuid, text); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.job_cannot_become(p_job uuid, p_target text) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            begin
                raise exception 'bulk job % is % and cannot become %', p_job,
                    coalesce((select j.status from public.bulk_jobs j where j.id = p_job),
                             'not found'),
                    p_target using errcode = 'check_violation', constraint = 'job_state_machine';
            end $$;


ALTER FUNCTION app.job_cannot_become(p_job uuid, p_target text) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION job_cannot_become(p_job uuid, p_target text); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.job_cannot_become(p_job uuid, p_target text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.job_cannot_become(p_job uuid, p_target text) TO bulkreg_app;
GRANT ALL ON FUNCTION app.job_cannot_become(p_job uuid, p_target text) TO bulkreg_api;
GRANT ALL ON FUNCTION app.job_cannot_become(p_job uuid, p_target text) TO bulkreg_worker;
GRANT ALL ON FUNCTION app.job_cannot_become(p_job uuid, p_target text) TO bulkreg_maintenance;


-- ==========================================================================================
-- Functions: Events and the outbox
-- Events written by the changes themselves (triggers bulk_jobs_event, anomalies_event),
-- one webhook delivery per matching webhook, and the notifications that wake the relay
-- and the long polls (bulkreg_deliveries, bulkreg_job_changed).
-- ==========================================================================================

--
-- Name: emit_event(uuid, text, jsonb); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.emit_event(org uuid, kind text, body jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            declare
                event_seq bigint;
            begin
                insert into public.events (id, org_id, type, data)
                    values ('evt_' || pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', ''),
                            org, kind, body)
                    returning seq into event_seq;
                insert into public.webhook_deliveries (org_id, webhook_id, event_seq)
                    select org, w.id, event_seq from public.webhooks w
                    where w.org_id = org and w.deleted_at is null
                      and exists (select 1 from pg_catalog.unnest(w.types) pattern
                                  where pattern = kind or pattern = '*'
                                     or (pg_catalog.right(pattern, 2) = '.*'
                                         and pg_catalog.starts_with(kind,
                                             pg_catalog.left(pattern, -1))));
                if found then
                    perform pg_catalog.pg_notify('bulkreg_deliveries', '');
                end if;
            end $$;


ALTER FUNCTION app.emit_event(org uuid, kind text, body jsonb) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION emit_event(org uuid, kind text, body jsonb); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.emit_event(org uuid, kind text, body jsonb) FROM PUBLIC;


--
-- Name: job_event(); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.job_event() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
    declare
        counts jsonb;
    begin
        if tg_op = 'UPDATE' and (old.status = new.status
                or (old.status = 'running' and new.status = 'queued')) then
            return null;
        end if;
        select pg_catalog.jsonb_build_object('total', new.total,
                   'ready', pg_catalog.count(*) filter (where i.outcome = 'ready'),
                   'registered', pg_catalog.count(*) filter (where i.outcome = 'registered'),
                   'overridden', pg_catalog.count(*) filter (where i.outcome = 'overridden'),
                   'skipped', pg_catalog.count(*) filter (where i.outcome = 'skipped'),
                   'conflict', pg_catalog.count(*) filter (where i.outcome = 'conflict'),
                   'invalid', pg_catalog.count(*) filter (where i.outcome = 'invalid'),
                   'cancelled', pg_catalog.count(*) filter (where i.outcome = 'cancelled'))
            into counts
            from public.bulk_job_items i
            where i.job_id = new.id;
        perform app.emit_event(new.org_id, 'bulk_registration.' || new.status,
            pg_catalog.jsonb_build_object('job_id', new.id, 'status', new.status,
                                          'counts', counts));
        return null;
    end $$;


ALTER FUNCTION app.job_event() OWNER TO bulkreg_owner;


--
-- Name: FUNCTION job_event(); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.job_event() FROM PUBLIC;


--
-- Name: anomaly_event(); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.anomaly_event() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            begin
                if tg_op = 'INSERT' then
                    perform app.emit_event(new.org_id, 'anomaly.opened',
                        pg_catalog.jsonb_build_object('anomaly_id', new.id, 'kind', new.kind,
                            'job_id', new.bulk_job_id, 'activity_ids', new.activity_ids));
                elsif old.resolved_at is null and new.resolved_at is not null then
                    perform app.emit_event(new.org_id, 'anomaly.resolved',
                        pg_catalog.jsonb_build_object('anomaly_id', new.id, 'kind', new.kind,
                            'job_id', new.bulk_job_id, 'activity_ids', new.activity_ids,
                            'resolution', new.resolution));
                end if;
                return null;
            end $$;


ALTER FUNCTION app.anomaly_event() OWNER TO bulkreg_owner;


--
-- Name: FUNCTION anomaly_event(); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.anomaly_event() FROM PUBLIC;


--
-- Name: job_changed(); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.job_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            begin
                perform pg_catalog.pg_notify('bulkreg_job_changed', new.id::text);
                return null;
            end $$;


ALTER FUNCTION app.job_changed() OWNER TO bulkreg_owner;


--
-- Name: FUNCTION job_changed(); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.job_changed() FROM PUBLIC;


-- ==========================================================================================
-- Functions: Email
-- The mail outbox: a job's notification written with its event (trigger
-- bulk_jobs_notify, after bulk_jobs_event), and mail to the caller only.
-- ==========================================================================================

--
-- Name: write_email(uuid, uuid, text, jsonb, text); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.write_email(p_org uuid, p_user uuid, p_kind text, p_payload jsonb, p_event text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            declare
                v_id uuid;
            begin
                insert into public.emails (org_id, recipient_user_id, event_id, kind, language,
                                           to_address, payload)
                    select u.org_id, u.id, p_event, p_kind,
                           coalesce(u.locale, o.locale, 'nb'), u.email, p_payload
                    from public.users u join public.organizations o on o.id = u.org_id
                    where u.id = p_user and u.org_id = p_org and u.active
                      and u.email is not null
                    on conflict (event_id, recipient_user_id) do nothing
                    returning id into v_id;
                if v_id is not null then
                    perform pg_catalog.pg_notify('bulkreg_deliveries', '');
                end if;
                return v_id;
            end $$;


ALTER FUNCTION app.write_email(p_org uuid, p_user uuid, p_kind text, p_payload jsonb, p_event text) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION write_email(p_org uuid, p_user uuid, p_kind text, p_payload jsonb, p_event text); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.write_email(p_org uuid, p_user uuid, p_kind text, p_payload jsonb, p_event text) FROM PUBLIC;


--
-- Name: enqueue_email(uuid, uuid, text, jsonb); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.enqueue_email(p_org uuid, p_user uuid, p_kind text, p_payload jsonb) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            begin
                if p_user is distinct from app.current_user_id()
                   or p_org is distinct from app.current_org_id() then
                    return null;  -- an email goes to the caller only
                end if;
                return app.write_email(p_org, p_user, p_kind, p_payload, null);
            end $$;


ALTER FUNCTION app.enqueue_email(p_org uuid, p_user uuid, p_kind text, p_payload jsonb) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION enqueue_email(p_org uuid, p_user uuid, p_kind text, p_payload jsonb); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.enqueue_email(p_org uuid, p_user uuid, p_kind text, p_payload jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app.enqueue_email(p_org uuid, p_user uuid, p_kind text, p_payload jsonb) TO bulkreg_app;


--
-- Name: job_notification(); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.job_notification() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            declare
                v_wanted boolean;
                v_event text;
                v_conflicts jsonb;
            begin
                if tg_op = 'UPDATE' and old.status = new.status then
                    return null;
                end if;
                -- Read by name from the row, so the choices' defaults hold before the
                -- columns exist (they come with the next migration).
                select case new.status
                           when 'needs_review' then coalesce(
                               (pg_catalog.to_jsonb(u) ->> 'notify_needs_review')::boolean, true)
                           when 'failed' then coalesce(
                               (pg_catalog.to_jsonb(u) ->> 'notify_failed')::boolean, true)
                           else coalesce(
                               (pg_catalog.to_jsonb(u) ->> 'notify_succeeded')::boolean, false)
                       end
                    into v_wanted
                    from public.users u where u.id = new.submitted_by;
                if not coalesce(v_wanted, false) then
                    return null;
                end if;
                select e.id into v_event from public.events e
                    where e.org_id = new.org_id and e.txid = pg_catalog.pg_current_xact_id()
                      and e.type = 'bulk_registration.' || new.status
                      and e.data ->> 'job_id' = new.id::text
                    order by e.seq desc limit 1;
                select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                           'name', coalesce(c.display_name, c.given_value)) order by c.idx), '[]')
                    into v_conflicts
                    from (select i.idx, i.display_name, i.given_value
                          from public.bulk_job_items i
                          where i.job_id = new.id and i.outcome = 'conflict'
                          order by i.idx limit 10) c;
                perform app.write_email(new.org_id, new.submitted_by,
                    'job_' || new.status,
                    pg_catalog.jsonb_build_object(
                        'job_id', new.id, 'status', new.status,
                        'counts', (select e.data -> 'counts' from public.events e
                                   where e.id = v_event),
                        'conflicts', v_conflicts,
                        'occurred_on', new.activity ->> 'occurred_on',
                        'error_code', new.error_code),
                    coalesce(v_event, 'job:' || new.id || ':' || new.status));
                return null;
            end $$;


ALTER FUNCTION app.job_notification() OWNER TO bulkreg_owner;


--
-- Name: FUNCTION job_notification(); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.job_notification() FROM PUBLIC;


-- ==========================================================================================
-- Functions: Queue depths and job counts
-- Numbers the API's role may learn about every organization's jobs without reading one.
-- ==========================================================================================

--
-- Name: job_counts(); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.job_counts() RETURNS TABLE(status text, jobs bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$ select j.status, pg_catalog.count(*) from public.bulk_jobs j group by j.status $$;


ALTER FUNCTION app.job_counts() OWNER TO bulkreg_owner;


--
-- Name: FUNCTION job_counts(); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.job_counts() FROM PUBLIC;
GRANT ALL ON FUNCTION app.job_counts() TO bulkreg_api;


--
-- Name: queue_depths(integer); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.queue_depths(p_large integer) RETURNS TABLE(queue text, waiting bigint, oldest_age_seconds double precision)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
               select case when j.total > p_large then 'bulk.large' else 'bulk.small' end,
                      pg_catalog.count(*),
                      extract(epoch from pg_catalog.now() - pg_catalog.min(j.updated_at))::float8
               from public.bulk_jobs j
               where j.status = 'queued'
               group by 1
               $$;


ALTER FUNCTION app.queue_depths(p_large integer) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION queue_depths(p_large integer); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.queue_depths(p_large integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.queue_depths(p_large integer) TO bulkreg_api;


-- ==========================================================================================
-- Functions: Other functions
-- Not yet given a group: name them in FUNCTION_GROUPS (bulkreg/devstack/schema_layout.py).
-- ==========================================================================================

--
-- Name: erase_person(uuid, text); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.erase_person(p_user uuid, p_reason text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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


ALTER FUNCTION app.erase_person(p_user uuid, p_reason text) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION erase_person(p_user uuid, p_reason text); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.erase_person(p_user uuid, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.erase_person(p_user uuid, p_reason text) TO bulkreg_api;


--
-- Name: erase_person_as_owner(uuid, text, uuid); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.erase_person_as_owner(p_user uuid, p_reason text, p_actor uuid) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
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
                for place in select * from (values 
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
) as t(tab, col, kind) loop
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
            end $_$;


ALTER FUNCTION app.erase_person_as_owner(p_user uuid, p_reason text, p_actor uuid) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION erase_person_as_owner(p_user uuid, p_reason text, p_actor uuid); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.erase_person_as_owner(p_user uuid, p_reason text, p_actor uuid) FROM PUBLIC;


--
-- Name: erasure_pattern(text[]); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.erasure_pattern(p_needles text[]) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
            select pg_catalog.string_agg(
                       case when n ~ '^\w' then '\m' else '' end
                       || pg_catalog.regexp_replace(n, '([^[:alnum:][:space:]])', '\\\1', 'g')
                       || case when n ~ '\w$' then '\M' else '' end, '|')
            from pg_catalog.unnest(p_needles) n
            where n is not null and pg_catalog.btrim(n) <> '' $_$;


ALTER FUNCTION app.erasure_pattern(p_needles text[]) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION erasure_pattern(p_needles text[]); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.erasure_pattern(p_needles text[]) FROM PUBLIC;


--
-- Name: expire(text, timestamp with time zone, integer); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.expire(p_kind text, p_before timestamp with time zone, p_batch integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
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
            end $_$;


ALTER FUNCTION app.expire(p_kind text, p_before timestamp with time zone, p_batch integer) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION expire(p_kind text, p_before timestamp with time zone, p_batch integer); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.expire(p_kind text, p_before timestamp with time zone, p_batch integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.expire(p_kind text, p_before timestamp with time zone, p_batch integer) TO bulkreg_maintenance;


--
-- Name: expiring(text, timestamp with time zone); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.expiring(p_kind text, p_before timestamp with time zone) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            declare
                tab text; key text; cond text; found_rows bigint;
            begin
                select r.tab, r.key, r.cond into tab, key, cond from app.expiry_rule(p_kind) r;
                execute pg_catalog.format('select count(*) from public.%I where %s', tab, cond)
                    into found_rows using p_before;
                return found_rows;
            end $$;


ALTER FUNCTION app.expiring(p_kind text, p_before timestamp with time zone) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION expiring(p_kind text, p_before timestamp with time zone); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.expiring(p_kind text, p_before timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app.expiring(p_kind text, p_before timestamp with time zone) TO bulkreg_maintenance;


--
-- Name: expiry_rule(text); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.expiry_rule(p_kind text, OUT tab text, OUT key text, OUT cond text) RETURNS record
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
            begin
                select t.tab, t.key, t.cond into tab, key, cond
                from (values 
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
) as t(kind, tab, key, cond)
                where t.kind = p_kind;
                if tab is null then
                    raise exception 'no such kind of record to expire: %', p_kind;
                end if;
            end $_$;


ALTER FUNCTION app.expiry_rule(p_kind text, OUT tab text, OUT key text, OUT cond text) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION expiry_rule(p_kind text, OUT tab text, OUT key text, OUT cond text); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.expiry_rule(p_kind text, OUT tab text, OUT key text, OUT cond text) FROM PUBLIC;


--
-- Name: person_export(uuid); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.person_export(p_user uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            begin
                if app.current_role() is distinct from 'admin'
                   or not exists (select from public.users
                                  where id = p_user and org_id = app.current_org_id()) then
                    return null;
                end if;
                return app.person_export_as_owner(p_user);
            end $$;


ALTER FUNCTION app.person_export(p_user uuid) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION person_export(p_user uuid); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.person_export(p_user uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.person_export(p_user uuid) TO bulkreg_api;


--
-- Name: person_export_as_owner(uuid); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.person_export_as_owner(p_user uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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


ALTER FUNCTION app.person_export_as_owner(p_user uuid) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION person_export_as_owner(p_user uuid); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.person_export_as_owner(p_user uuid) FROM PUBLIC;


--
-- Name: scrub_json(jsonb, text, text); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.scrub_json(p_value jsonb, p_pattern text, p_with text) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            begin
                case pg_catalog.jsonb_typeof(p_value)
                when 'string' then
                    return pg_catalog.to_jsonb(app.scrub_text(p_value #>> '{}', p_pattern, p_with));
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
                                    '{}'::jsonb);
                else
                    return p_value;
                end case;
            end $$;


ALTER FUNCTION app.scrub_json(p_value jsonb, p_pattern text, p_with text) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION scrub_json(p_value jsonb, p_pattern text, p_with text); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.scrub_json(p_value jsonb, p_pattern text, p_with text) FROM PUBLIC;


--
-- Name: scrub_text(text, text, text); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.scrub_text(p_value text, p_pattern text, p_with text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
            select case when p_value is null or p_pattern is null then p_value
                        else pg_catalog.regexp_replace(p_value, p_pattern, p_with, 'gi') end $$;


ALTER FUNCTION app.scrub_text(p_value text, p_pattern text, p_with text) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION scrub_text(p_value text, p_pattern text, p_with text); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.scrub_text(p_value text, p_pattern text, p_with text) FROM PUBLIC;


--
-- Name: serve(uuid); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.serve(org uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$ update public.organizations set jobs_served_at = now() where id = org $$;


ALTER FUNCTION app.serve(org uuid) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION serve(org uuid); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.serve(org uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.serve(org uuid) TO bulkreg_maintenance;


--
-- Name: served_at(uuid); Type: FUNCTION; Schema: app; Owner: bulkreg_owner
--

CREATE FUNCTION app.served_at(org uuid) RETURNS timestamp with time zone
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$ select jobs_served_at from public.organizations where id = org $$;


ALTER FUNCTION app.served_at(org uuid) OWNER TO bulkreg_owner;


--
-- Name: FUNCTION served_at(org uuid); Type: ACL; Schema: app; Owner: bulkreg_owner
--

REVOKE ALL ON FUNCTION app.served_at(org uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.served_at(org uuid) TO bulkreg_maintenance;


--
-- PostgreSQL database dump complete
--

\unrestrict bulkreg
