"""Mistakes can be undone: a succeeded job becomes ``undone``, and a peer mentor may delete a
record they registered themselves.

Revision ID: 0021
Revises: 0020

An undo deletes (softly) every live activity of a succeeded job and moves the job to
``undone`` in one transaction, taken by the API's role: the edge ``succeeded → undone``
joins ``app.job_transitions`` (``domain.jobs.TRANSITIONS`` has it too), and the status
check of ``bulk_jobs`` admits the new word. The job says who undid it, when and why
(``undone_at``, ``undone_by``, ``undo_reason``): the API's role may write those columns, and
a job is ``undone`` exactly when all three are there (``bulk_jobs_undone_says_who``). The
items keep their outcomes; the trigger ``bulk_job_items_move_with_their_job`` is unchanged.
The event ``bulk_registration.undone`` needs nothing new: ``app.job_event`` names the event
after the job's new status.

Staff already delete their organization's records (the policy ``soft_delete``). A peer
mentor may now delete a live record they registered themselves, and only mark it deleted by
themselves (``soft_delete_own``): never restore one, nor touch a record someone else
registered. The update also needs the record to be visible to them (``read_own_or_staff``:
one they take part in).
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"

API = "bulkreg_api"
STATUSES = "'queued', 'running', 'needs_review', 'succeeded', 'failed', 'cancelled'"
MINE = """org_id = (select app.current_org_id())
                   and registered_by = (select app.current_user_id())"""


def upgrade() -> None:
    op.execute(
        f"""alter table bulk_jobs add column undone_at timestamptz,
               add column undone_by uuid,
               add column undo_reason text
                   constraint bulk_jobs_undo_reason_check
                   check (char_length(undo_reason) between 1 and 500),
               drop constraint bulk_jobs_status_check,
               add constraint bulk_jobs_status_check
                   check (status in ({STATUSES}, 'undone')),
               add constraint bulk_jobs_undone_says_who
                   check ((status = 'undone') = (undone_at is not null and undone_by is not null
                                                 and undo_reason is not null));
        grant update (undone_at, undone_by, undo_reason) on bulk_jobs to bulkreg_app;
        insert into app.job_transitions values ('succeeded', 'undone', array['{API}']::text[]);

        create policy soft_delete_own on activities for update to bulkreg_app
            using ({MINE} and deleted_at is null)
            with check ({MINE} and deleted_at is not null
                        and deleted_by = (select app.current_user_id()));"""
    )


def downgrade() -> None:
    op.execute(
        f"""drop policy soft_delete_own on activities;
        delete from app.job_transitions where to_status = 'undone';
        revoke update (undone_at, undone_by, undo_reason) on bulk_jobs from bulkreg_app;
        alter table bulk_jobs drop constraint bulk_jobs_undone_says_who,
               drop constraint bulk_jobs_status_check,
               add constraint bulk_jobs_status_check check (status in ({STATUSES})),
               drop column undo_reason, drop column undone_by, drop column undone_at;"""
    )
