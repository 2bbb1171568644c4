"""The screen speaks bokmål and English: which one, and a bokmål page holds no English word
of the interface."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from api.screen.language import back_to, from_browser
from api.screen.messages import PARTICIPANT_ERRORS
from domain import clock
from domain.languages import Language
from domain.services import languages
from tests.support.catalog_words import english_words
from tests.support.domain_problems import csv_errors, in_words, rules_errors
from tests.support.fakes import FakeUnitsOfWork
from tests.support.pages import NOW, contexts, render
from tests.support.staffed import COORD, ORG, staffed

PAGES = list(contexts())


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("nb-NO,nb;q=0.9,en;q=0.8", Language.NB),
        ("nn-NO", Language.NB),
        ("no", Language.NB),
        ("en-US,en;q=0.9", Language.EN),
        ("de-DE,en;q=0.5,nb;q=0.4", Language.EN),
        ("en;q=0.2,nb;q=0.8", Language.NB),
        ("fr", Language.NB),
        ("", Language.NB),
        (None, Language.NB),
        ("en;q=x, nb", Language.NB),
    ],
)
def test_the_browser_s_wish_where_nobody_is_known(header: str | None, language: Language) -> None:
    assert from_browser(header) is language


@pytest.mark.parametrize(
    ("asked", "back"),
    [("/ui/jobs/1?x=2", "/ui/jobs/1?x=2"), ("https://evil.example/", "/ui/"),
     ("//evil.example/ui/", "/ui/"), ("/ui//evil", "/ui/"), (None, "/ui/")],
)  # fmt: skip
def test_the_switch_returns_to_a_page_of_the_screen_only(asked: str | None, back: str) -> None:
    assert back_to(asked) == back


def test_the_user_s_pick_wins_over_the_organization_s_default() -> None:
    uows: FakeUnitsOfWork = staffed()
    assert languages.screen_languages(uows, COORD) == (Language.NB, Language.NB)
    uows.store.org_languages[ORG] = Language.EN
    assert languages.screen_languages(uows, COORD) == (Language.EN, Language.EN)
    languages.choose_language(uows, COORD, Language.NB)
    assert uows.store.languages[COORD.user_id] is Language.NB
    assert languages.screen_languages(uows, COORD) == (Language.NB, Language.EN)
    languages.choose_language(uows, COORD, None)
    assert languages.screen_languages(uows, COORD) == (Language.EN, Language.EN)


class _Text(HTMLParser):
    """What a reader meets: the text (no script or style) and the labels of attributes."""

    SHOWN = ("aria-label", "data-label", "title", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in ("script", "style")
        self.parts += [v for k, v in attrs if k in self.SHOWN and v]

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _shown(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.mark.parametrize(("name", "template", "path", "context"), PAGES, ids=[p[0] for p in PAGES])
def test_a_bokmal_page_holds_no_english_word_of_the_interface(
    name: str, template: str, path: str, context: dict[str, object]
) -> None:
    html = render(template, path, context, Language.NB, Language.NB)
    assert '<html lang="nb">' in html
    shown = _shown(html)
    found = [w for w in english_words() if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", shown)]
    assert found == [], f"{name}: {shown}"


@pytest.mark.parametrize(("name", "template", "path", "context"), PAGES, ids=[p[0] for p in PAGES])
def test_an_english_page_says_it_is_english(
    name: str, template: str, path: str, context: dict[str, object]
) -> None:
    assert '<html lang="en">' in render(template, path, context, Language.EN, Language.NB)


def test_the_organization_s_words_are_marked_with_its_language() -> None:
    _, template, path, context = next(p for p in PAGES if p[0] == "job-done")
    english = render(template, path, context, Language.EN, Language.NB)
    assert '<span lang="nb">home_visit</span>' in english
    assert '<span lang="nb">' not in render(template, path, context, Language.NB, Language.NB)


def test_bokmal_dates_ages_and_words_for_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)  # the pages' moment, however late the run
    _, template, path, context = next(p for p in PAGES if p[0] == "job-review")
    html = _shown(render(template, path, context, Language.NB, Language.NB))
    assert "30. nov. 2026" in html
    assert "for 5 minutter siden" in html
    assert "Registrer likevel" in html and "Hopp over denne personen" in html
    assert "Likepersonen er ikke aktiv." in html  # the participant's error, by its code
    assert PARTICIPANT_ERRORS["inactive_participant"] == "The peer mentor is inactive."


def test_a_problem_the_catalogs_do_not_know_is_marked_english_on_a_bokmal_page() -> None:
    _, template, path, context = next(p for p in PAGES if p[0] == "new-problems")
    assert '<span lang="en">odd words</span>' in render(template, path, context, Language.NB)


@pytest.mark.parametrize("name", ["new-csv-problems", "new-rules-problems"])
def test_the_domain_s_problems_are_in_bokmal_not_marked_english(name: str) -> None:
    _, template, path, context = next(p for p in PAGES if p[0] == name)
    html = render(template, path, context, Language.NB)
    assert '<span lang="en">' not in html
    assert all(ours for _, _, ours, _ in context["problems"])


def test_a_domain_problem_keeps_its_english_for_the_api_and_says_bokmal_on_the_screen() -> None:
    english = {e.msg for e in csv_errors()}
    assert "The column email (or e-post, epost) is missing: add it to the header line." in english
    assert "Write yes or no here (or ja/nei, true/false, 1/0), not 'kanskje'." in english
    said = {what for _, what, _, _ in in_words(csv_errors(), Language.NB)}
    assert "Kolonnen email (eller e-post, epost) mangler: legg den til i overskriftslinjen." in said
    assert "Skriv ja eller nei her (eller yes/no, true/false, 1/0), ikke «kanskje»." in said
    assert "Dette er samme person som på linje 2: oppgi hver person bare én gang." in said
    assert "Filen er tom: den trenger en overskriftslinje og en linje for hver person." in said
    assert (
        "Denne linjen har 2 verdier, men overskriftslinjen har 1 kolonne. En verdi med et komma "
        'i må stå i anførselstegn, som "Nordmann, Kari".'
    ) in said
    save_as = "Lagre filen som CSV UTF-8 (i Excel: Fil › Lagre som › CSV UTF-8)."  # noqa: RUF001
    assert any(w.endswith(save_as) for w in said)
    rules = {what for _, what, _, _ in in_words(rules_errors(), Language.NB)}
    assert "Datoen må være innenfor de siste 365 dagene." in rules
    assert "En innsending kan ha høyst 2 deltakere: del opp listen." in rules
