"""Comments that name what they mean: nothing in the database to rewrite.

Revision ID: 0016
Revises: 0015

This revision was to re-issue every comment the database carries that cites a migration by
its number ("see 0010") with one that names the object it means. At 0015 the database
carries none: no migration issues ``COMMENT ON``, and no function body has an SQL comment
(``pg_dump --schema-only`` of a database at 0015 prints no ``COMMENT`` entry and no ``--``
inside a body). The numbers live only in the migrations' Python docstrings, which are
history and stay as they were, and in comments of ``persistence/``, which name the objects
now.

So the revision changes nothing: it keeps its place in the chain (0017 builds on it), and
stepping back over it changes nothing either.
"""

from __future__ import annotations

revision = "0016"
down_revision = "0015"


def upgrade() -> None:
    """Nothing to rewrite: the database holds no comment that cites a migration number."""


def downgrade() -> None:
    """Nothing was rewritten, so nothing is restored."""
