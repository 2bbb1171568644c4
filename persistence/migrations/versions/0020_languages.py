"""The screen's languages: an organization's default, and a user's own pick.

Revision ID: 0020
Revises: 0019

The screen speaks Norwegian bokmål (``nb``) and English (``en``). ``organizations.locale``
is the organization's default (``nb`` unless an operator says otherwise, with ``bulkreg org
add --locale`` or ``bulkreg org set``); ``users.locale`` is the language a user picked on the
screen, null until they pick one (then the organization's applies).

A user changes their own pick from the screen, so the API's role may update that one
column (a column grant: no other column of ``users``), of one row: its own user's, in its
own organization (the policy ``own_locale``, over the identity the unit of work verified).
The workers' role gets neither. Reading needs nothing new: ``staff_read`` already shows a
user their own row, and ``org_read`` their organization.
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"

API = "bulkreg_api"


def upgrade() -> None:
    op.execute(
        f"""alter table organizations add column locale text not null default 'nb'
               constraint organizations_locale_check check (locale in ('nb', 'en'));
        alter table users add column locale text
               constraint users_locale_check check (locale in ('nb', 'en'));
        grant update (locale) on users to {API};
        create policy own_locale on users for update to {API}
            using (id = (select app.current_user_id())
                   and org_id = (select app.current_org_id()))
            with check (id = (select app.current_user_id())
                        and org_id = (select app.current_org_id()));"""
    )


def downgrade() -> None:
    op.execute(
        f"""drop policy own_locale on users;
        revoke update (locale) on users from {API};
        alter table users drop column locale;
        alter table organizations drop column locale;"""
    )
