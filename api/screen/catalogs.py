"""The messages the screen's code and templates hold, as the catalogs must have them."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from api.screen.i18n import KEYWORDS

API = Path(__file__).parents[1]
# The domain's messages the screen shows (``domain.words``): every module of it, so a new
# one is in the catalogs' test as soon as it is written.
DOMAIN = API.parent / "domain"
# The emails' words: their templates (text and HTML) and the code that fills them.
MAIL = API.parent / "bulkreg" / "mail"
MAIL_METHODS = [
    ("**.py", "python"),
    ("templates/**.txt", "jinja2"),
    ("templates/**.html", "jinja2"),
]
MAIL_OPTIONS = {
    pattern: {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}
    for pattern, method in MAIL_METHODS
    if method == "jinja2"
}


def extracted() -> Catalog:
    """Every message of ``api/templates`` and ``api/screen``, by ``api/babel.cfg``, of
    ``domain``, and of the emails (``bulkreg/mail``)."""
    with (API / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog()
    for prefix, found in (
        ("", extract_from_dir(API, method_map, options_map, keywords=KEYWORDS)),
        ("domain/", extract_from_dir(DOMAIN, [("**.py", "python")], {}, keywords=KEYWORDS)),
        (
            "bulkreg/mail/",
            extract_from_dir(MAIL, MAIL_METHODS, MAIL_OPTIONS, keywords=KEYWORDS),
        ),
    ):
        for filename, line, message, comments, context in found:
            where = [(prefix + filename, line)]
            catalog.add(message, None, where, auto_comments=comments, context=context)
    return catalog
