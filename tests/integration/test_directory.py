from __future__ import annotations

from collections.abc import Callable
from uuid import UUID, uuid4

from sqlalchemy import Engine, text

from domain.model import Role
from domain.rules import participant_error
from domain.services import directory
from persistence import provisioning
from persistence.collation import sort_key
from persistence.uow import SqlUnitsOfWork
from tests.support.orgs import Org, yesterday


def test_the_screening_flags_exactly_whom_the_rule_refuses(
    uows: SqlUnitsOfWork, org: Org, other_org: Org
) -> None:
    """The database pre-filters participants; the domain rule names the reason. They agree."""
    candidates = [
        *org.peer_mentors[:3],
        org.inactive,
        org.coordinator.user_id,
        org.admin.user_id,
        other_org.peer_mentors[0],
        uuid4(),
    ]
    with uows(org.coordinator) as uow:
        flagged = uow.activities.screen(org.id, "home_visit", yesterday(), candidates).ineligible
        everyone = uow.directory.users(candidates)
    expected = {c for c in candidates if participant_error(everyone.get(c), org.id)}
    assert set(flagged) == expected
    assert {participant_error(flagged[c], org.id) for c in flagged} == {
        "inactive_participant",
        "not_a_peer_mentor",
        "unknown_participant",
    }
    assert flagged[other_org.peer_mentors[0]] is None  # another organization's: unknown


# Chosen names, each there for a reason: Æ, Ø and Å after Z; "Aas" and "Aase", where "aa"
# is the old spelling of "å"; two people called the same, whom only their ids can order.
NORWEGIANS = (
    ("Øystein Berg", "oystein.berg@example.org", "N-1"),
    ("Åse Ødegård", "ase.o@example.org", "N-2"),
    ("Ærlend Sæther", "erlend@example.org", "N-3"),
    ("Anna Zahl", "anna.ærø@example.org", "N-4"),  # found by a non-ASCII email
    ("Zara Olsen", "zara@example.org", "zø-12"),  # found by a non-ASCII member number
    ("Oda Aas", "oda.1@example.org", "N-6"),
    ("Oda Aas", "oda.2@example.org", "N-7"),
    ("Aase Berg", "aase@example.org", "N-8"),
)


def norwegian_org(org_factory: Callable[..., Org], owner_engine: Engine) -> tuple[Org, list[UUID]]:
    """An organization whose only active peer mentors are ``NORWEGIANS``."""
    org = org_factory(peer_mentors=0)
    people = [
        provisioning.add_user(
            owner_engine, org.id, role=Role.PEER_MENTOR, name=name, email=email, member_number=n
        )
        for name, email, n in NORWEGIANS
    ]
    return org, people


def test_every_letter_is_found_by_the_start_of_a_word_email_or_member_number(
    uows: SqlUnitsOfWork, org_factory: Callable[..., Org], owner_engine: Engine
) -> None:
    org, _ = norwegian_org(org_factory, owner_engine)

    def found(q: str) -> list[str]:
        page = directory.peer_mentors(
            uows, org.coordinator, query=q, active=True, cursor=None, limit=50
        )
        return [u.display_name for u in page.items]

    assert found("Ø") == ["Øystein Berg", "Åse Ødegård"]  # a first or a second word
    assert found("øy") == ["Øystein Berg"]
    assert found("Åse") == found("ÅSE") == found("åse") == ["Åse Ødegård"]
    assert found("Ærlend") == found("æ") == ["Ærlend Sæther"]
    assert found("ødegård") == found("ØDEGÅRD") == ["Åse Ødegård"]
    assert found("sæ") == ["Ærlend Sæther"]
    # The search folds case only: "aa" sorts as "å" (below) but is not searched as one.
    assert found("ås") == ["Åse Ødegård"]
    assert found("aa") == ["Oda Aas", "Oda Aas", "Aase Berg"]
    assert found("ANNA.ÆRØ") == ["Anna Zahl"]  # the email; no word of a name starts so
    assert found("ZØ-1") == ["Zara Olsen"]  # the member number
    assert found("ystein") == found("degård") == []  # the start of a word, not any part


def test_the_roster_is_listed_in_bokmal_order_page_by_page(
    uows: SqlUnitsOfWork, org_factory: Callable[..., Org], owner_engine: Engine
) -> None:
    org, people = norwegian_org(org_factory, owner_engine)
    odas = sorted(people[5:7])  # equal names: by id
    # CLDR's nb, as the ICU of persistence/collation.py has it: Æ, Ø, Å after Z, and "aa"
    # as "å" — "Aase Berg" among the Å's (before "Åse Ødegård": B before Ø), while "Oda
    # Aas" stays under O (its first word decides).
    expected = [
        ("Anna Zahl", people[3]),
        ("Oda Aas", odas[0]),
        ("Oda Aas", odas[1]),
        ("Zara Olsen", people[4]),
        ("Ærlend Sæther", people[2]),
        ("Øystein Berg", people[0]),
        ("Aase Berg", people[7]),
        ("Åse Ødegård", people[1]),
    ]
    assert walk(uows, org) == (expected, len(expected))
    whole = directory.peer_mentors(
        uows, org.coordinator, query=None, active=True, cursor=None, limit=50
    )
    assert [(u.display_name, u.id) for u in whole.items] == expected
    assert [u.display_name for u in whole.items] == sorted(
        (name for name, _, _ in NORWEGIANS), key=lambda name: sort_key(name, "nb")
    )


def walk(
    uows: SqlUnitsOfWork, org: Org, before_next: Callable[[], object] = lambda: None
) -> tuple[list[tuple[str, UUID]], int]:
    """The roster page by page (one person a page) as the coordinator sees it: who, and how
    many pages; ``before_next`` runs before each page after the first."""
    listed: list[tuple[str, UUID]] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = directory.peer_mentors(
            uows, org.coordinator, query=None, active=True, cursor=cursor, limit=1
        )
        listed += [(u.display_name, u.id) for u in page.items]
        pages += 1
        if page.next_cursor is None:
            return listed, pages
        cursor = page.next_cursor
        before_next()


def set_locale(owner_engine: Engine, org: Org, user: str | None, organization: str) -> None:
    with owner_engine.begin() as conn:
        conn.execute(
            text("update users set locale = :locale where id = :id"),
            {"locale": user, "id": org.coordinator.user_id},
        )
        conn.execute(
            text("update organizations set locale = :locale where id = :id"),
            {"locale": organization, "id": org.id},
        )


def test_the_roster_is_listed_in_the_callers_languages_order(
    uows: SqlUnitsOfWork, org_factory: Callable[..., Org], owner_engine: Engine
) -> None:
    org, people = norwegian_org(org_factory, owner_engine)
    odas = sorted(people[5:7])
    # CLDR's en, as the ICU of persistence/collation.py has it: no letter is tailored. "Aa"
    # is two a's (Aase Berg first); Æ is "ae" (Ærlend before Anna: e before n); Å and Ø are
    # A and O with an accent, which decides only between otherwise equal names (Åse after
    # Anna: s after n; Øystein after Oda: y after d).
    english = [
        ("Aase Berg", people[7]),
        ("Ærlend Sæther", people[2]),
        ("Anna Zahl", people[3]),
        ("Åse Ødegård", people[1]),
        ("Oda Aas", odas[0]),
        ("Oda Aas", odas[1]),
        ("Øystein Berg", people[0]),
        ("Zara Olsen", people[4]),
    ]
    assert [name for name, _ in english] == sorted(
        (name for name, _, _ in NORWEGIANS), key=lambda name: sort_key(name, "en")
    )
    bokmal = walk(uows, org)[0]
    assert [name for name, _ in bokmal][3:6] == ["Zara Olsen", "Ærlend Sæther", "Øystein Berg"]
    set_locale(owner_engine, org, user="en", organization="nb")  # the user's own language
    assert walk(uows, org) == (english, len(english))
    whole = directory.peer_mentors(
        uows, org.coordinator, query=None, active=True, cursor=None, limit=50
    )
    assert [(u.display_name, u.id) for u in whole.items] == english
    set_locale(owner_engine, org, user=None, organization="en")  # else the organization's
    assert walk(uows, org) == (english, len(english))
    set_locale(owner_engine, org, user="nb", organization="en")  # the user's comes first
    assert walk(uows, org) == (bokmal, len(bokmal))
    # A walk goes on in the order it began in, whatever the caller's language is by then:
    # each cursor says which order its key is in.
    set_locale(owner_engine, org, user="en", organization="en")
    flips = iter(["nb", "en"] * len(english))
    switched = walk(
        uows, org, lambda: set_locale(owner_engine, org, user=next(flips), organization="nb")
    )
    assert switched == (english, len(english))


FOLD = "collate pg_catalog.pg_unicode_fast"
# The search's conditions as ``app.search_peer_mentors`` writes them, with ``$1`` for what
# the caller typed: each is an index condition when its index alone is there to serve it.
NAME = f"pg_catalog.lower(u.display_name {FOLD})"
WORDS = f"pg_catalog.lower($1 {FOLD})"
PREFIX = f'(pg_catalog.lower($1 {FOLD}) collate pg_catalog."default")'


def test_a_norwegian_search_and_the_order_are_served_by_indexes(
    org_factory: Callable[..., Org], owner_engine: Engine, superuser_engine: Engine
) -> None:
    """Planned as ``app.search_peer_mentors`` runs — as its owner, for a coordinator — with
    only the index named (and the primary key): on a roster this small the planner may
    prefer any index on the organization and a filter, so the others are dropped for the
    length of a transaction that is rolled back."""
    org, _ = norwegian_org(org_factory, owner_engine)
    with superuser_engine.connect() as conn:
        search = conn.execute(
            text("select prosrc from pg_proc where proname = 'search_peer_mentors'")
        ).scalar_one()
    # What is planned here is what the function says.
    assert NAME in search and WORDS.replace("$1", "p_words") in search
    assert PREFIX.replace("$1", "p_prefix") in search
    assert "order by u.name_sort_key, u.id" in search
    assert "order by u.name_sort_key_en, u.id" in search

    def plan(index: str, condition: str, argument: str) -> str:
        with superuser_engine.connect() as conn, conn.begin() as transaction:
            others = conn.execute(
                text(
                    "select indexname from pg_indexes where tablename = 'users' "
                    "and indexname not in (:keep, 'users_pkey')"
                ),
                {"keep": index},
            ).scalars()
            conn.execute(text("drop index " + ", ".join(others)))
            conn.execute(text("set local role bulkreg_api"))
            conn.execute(
                text("select app.act_as(:u, :o, 'coordinator')"),
                {"u": org.coordinator.user_id, "o": org.id},
            )
            conn.execute(text("set local role bulkreg_owner"))
            conn.execute(text("set local enable_seqscan = off"))
            conn.execute(text("deallocate all"))
            conn.execute(
                text(
                    "prepare search(text) as select u.id from public.users u "
                    f"where u.org_id = app.current_org_id() and {condition}"
                )
            )
            found = "\n".join(
                r[0] for r in conn.execute(text(f"explain execute search({argument})"))
            )
            transaction.rollback()
        return found

    words = plan(
        "users_name_words",
        f"pg_catalog.to_tsvector('pg_catalog.simple', {NAME})"
        f" @@ pg_catalog.to_tsquery('pg_catalog.simple', {WORDS})",
        "'Ø:*'",
    )
    assert "Bitmap Index Scan on users_name_words" in words, words
    assert "@@ '''ø'':*'::tsquery)" in words, words  # folded by the server, then served
    for column, index in (
        ("email_key", "users_email_prefix"),
        ("member_key", "users_member_number_prefix"),
    ):
        prefix = plan(
            index,
            f"u.{column} operator(pg_catalog.~>=~) {PREFIX} "
            f"and u.{column} operator(pg_catalog.~<~) ({PREFIX} || U&'\\+10FFFF')",
            "'ØY'",
        )
        conditions = [line for line in prefix.splitlines() if "Index Cond" in line]
        assert any(f"({column} ~>=~ 'øy'::text)" in c for c in conditions), prefix
    listed = plan(
        "users_org_role_sort",
        "u.role = 'peer_mentor' and u.active and $1 is null order by u.name_sort_key, u.id",
        "null",
    )
    assert "Index Scan using users_org_role_sort" in listed and "Sort" not in listed, listed
    english = plan(
        "users_org_role_sort_en",
        "u.role = 'peer_mentor' and u.active and $1 is null order by u.name_sort_key_en, u.id",
        "null",
    )
    assert "Index Scan using users_org_role_sort_en" in english, english
    assert "Sort" not in english, english
