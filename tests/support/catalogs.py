"""The translation catalogs as the tests read them: a fresh extraction of every marked
string (what `make translations` would write to messages.pot), the Spanish catalog, and
the catalogs compiled into a folder of the test run's own (so a test never reads a stale
.mo, and the checkout is not written to)."""

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "portal" / "translations"
SPANISH = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"
# The keywords `make translations` passes to pybabel (BABEL_KEYWORDS in the Makefile).
EXTRA_KEYWORDS = {"_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
MAKEFILE_KEYWORDS = "-k _l -k lazy_gettext -k lazy_ngettext:1,2"


def extract() -> Catalog:
    """Every string marked for translation in portal/, read as pybabel extract reads it."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    # pybabel skips a template it cannot parse without a word (its strings then leave the
    # catalog, and nothing here would miss them): the tests' extraction raises instead.
    for pattern, method in method_map:
        if method == "jinja2":
            options_map.setdefault(pattern, {})["silent"] = "false"
    catalog = Catalog()
    keywords = {**DEFAULT_KEYWORDS, **EXTRA_KEYWORDS}
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def spanish() -> Catalog:
    with SPANISH.open("rb") as po:
        return read_po(po, locale="es")


def compile_into(folder: Path) -> Path:
    """Compile each language's messages.po under `folder`, laid out as Flask-Babel reads it."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        language = po_path.parent.parent.name
        with po_path.open("rb") as po:
            catalog = read_po(po, locale=language)
        target = folder / language / "LC_MESSAGES"
        target.mkdir(parents=True, exist_ok=True)
        with (target / "messages.mo").open("wb") as mo:
            write_mo(mo, catalog)
    return folder


def makefile_keywords() -> str:
    text = (ROOT / "Makefile").read_text()
    match = re.search(r"^BABEL_KEYWORDS := (.*)$", text, re.M)
    return match.group(1).strip() if match else ""
