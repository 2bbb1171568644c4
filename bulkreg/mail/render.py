"""One outbox message as the email it becomes: subject, text and HTML in the recipient's
language, and a ``Message-ID`` made of the event's id (or the message's own), so a message the
relay sends twice (at least once means now and then twice) is recognisably the same one.

The words come from the screen's catalogs (``api/locale``, read as files: this package
imports nothing of the API), one Jinja2 environment per language, autoescaped for HTML.
"""

from __future__ import annotations

import io
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from domain.languages import DEFAULT_LANGUAGE, Language
from domain.ports.mail import OutgoingEmail

TEMPLATES = Path(__file__).parent / "templates"
CATALOGS = Path(__file__).parents[2] / "api" / "locale"
JOB_KINDS = ("job_needs_review", "job_failed", "job_succeeded")


def N_(message: str) -> str:
    """Marks a message for the catalogs where it is written; translated where it is used."""
    return message


# Each count a job's email shows, by its kind: the outcome and its label.
COUNT_LINES = {
    "job_needs_review": (
        ("ready", N_("Can be registered")),
        ("conflict", N_("Already have this activity registered")),
        ("invalid", N_("Cannot be registered")),
    ),
    "job_succeeded": (
        ("registered", N_("Registered")),
        ("overridden", N_("Registered although they already had it")),
        ("skipped", N_("Skipped: they already had it")),
    ),
}
SUBMIT_LATER = N_(
    "Submit it again later. If it fails again, tell your organization's administrator."
)
# Why a job failed, in plain words, and what to do about it; by its error code.
WHY_FAILED = {
    "conflicts_found": (
        N_("Some participants already have this activity registered."),
        N_(
            "Open the job to see who, then submit it again without them, or let it stop for your review of conflicts."
        ),
    ),
    "invalid_participants": (
        N_("Some participants cannot be registered."),
        N_("Open the job to see who and why, correct the list and submit it again."),
    ),
    "submitter_not_authorized": (
        N_("The coordinator who submitted it may no longer register."),
        N_(
            "Ask your organization's administrator to check your account, or ask another coordinator to submit it."
        ),
    ),
    "max_attempts_exceeded": (N_("It was tried too many times without success."), SUBMIT_LATER),
    "processing_error": (N_("Something went wrong while it was processed."), SUBMIT_LATER),
}


@cache
def translations(language: Language) -> Translations:
    """The language's catalog, compiled in memory from its ``.po`` file (the emails' and the
    screen's: one catalog)."""
    with (CATALOGS / language.value / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language.value)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


@cache
def _environment(language: Language) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",)),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.install_gettext_translations(  # type: ignore[attr-defined]
        translations(language), newstyle=True
    )
    environment.globals["number"] = lambda n: format_decimal(n, locale=language.value)
    return environment


def language_of(email: OutgoingEmail) -> Language:
    try:
        return Language(email.language)
    except ValueError:
        return DEFAULT_LANGUAGE


def context(email: OutgoingEmail, links_base: str, language: Language) -> dict[str, Any]:
    """What the kind's templates are given: the payload, and for a job its link and words."""
    values: dict[str, Any] = {
        "language": language.value,
        "link_to_settings": False,
        **email.payload,
    }
    if email.kind in JOB_KINDS:
        translate = translations(language).gettext
        counts = dict(email.payload.get("counts") or {})
        conflicts = list(email.payload.get("conflicts") or [])
        values |= {
            "link": f"{links_base.rstrip('/')}/ui/jobs/{email.payload['job_id']}",
            "counts": {"total": 0, **counts},
            "count_lines": [
                (translate(label), counts.get(outcome, 0))
                for outcome, label in COUNT_LINES.get(email.kind, ())
            ],
            "link_to_settings": True,
            "conflicts": conflicts,
            "more_conflicts": max(0, int(counts.get("conflict", 0)) - len(conflicts)),
            "why": [
                translate(line)
                for line in WHY_FAILED.get(
                    str(email.payload.get("error_code")), WHY_FAILED["processing_error"]
                )
            ],
        }
    return values


def message_id(email: OutgoingEmail, mail_from: str) -> str:
    """``<event id@domain>`` (or the message's id): the same for every attempt."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "bulkreg.invalid"
    return f"<{email.event_id or email.email_id}@{domain}>"


def render(email: OutgoingEmail, *, links_base: str, mail_from: str) -> EmailMessage:
    """The whole message; ``jinja2.TemplateNotFound`` for a kind without templates."""
    language = language_of(email)
    environment = _environment(language)
    values = context(email, links_base, language)
    text = environment.get_template(f"{email.kind}.txt")
    subject = "".join(text.blocks["subject"](text.new_context(values))).strip()
    body = "".join(text.blocks["body"](text.new_context(values)))
    html = environment.get_template(f"{email.kind}.html").render(values | {"subject": subject})
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = mail_from
    message["To"] = email.to_address
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(email, mail_from)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = language.value  # after the parts: set_content drops it
    return message
