"""The messages the screen's code and templates hold, as the catalogs must have them."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from api.screen.i18n import KEYWORDS

API = Path(__file__).parents[1]


def extracted() -> Catalog:
    """Every message of ``api/templates`` and ``api/screen``, by ``api/babel.cfg``."""
    with (API / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog()
    for filename, line, message, comments, context in extract_from_dir(
        API, method_map, options_map, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, line)], auto_comments=comments, context=context)
    return catalog
