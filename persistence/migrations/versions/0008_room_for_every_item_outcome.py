"""Room on each page of bulk_job_items for every item's outcome to be written in place.

Revision ID: 0008
Revises: 0007

Migration 0002 left 40% of each page free (fillfactor 60) so that writing an item's outcome
would be a HOT update: a new version of the row on the same page, no entry in the primary
key. It was not enough room. An item is inserted without its outcome (about 90 bytes) and
updated with it (about 120), and the old version stays on the page until it is pruned, so a
page needs room for both (what was measured is in the README's performance section; the
test that holds it, ``tests/integration/test_storage.py``). 40 leaves headroom for the longer
versions (an invalid item's error message, a conflict).
Pages already written keep their layout; new items get the room.
"""

from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.execute("alter table bulk_job_items set (fillfactor = 40)")


def downgrade() -> None:
    op.execute("alter table bulk_job_items set (fillfactor = 60)")
