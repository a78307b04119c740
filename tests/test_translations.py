"""The Spanish portal: the catalog is complete, every template string is marked for
translation, and a request, an email, a PDF and a calendar file come in the reader's
language."""

import re
from html.parser import HTMLParser
from pathlib import Path

from tests.support import catalogs

TEMPLATES = Path(__file__).resolve().parents[1] / "portal" / "templates"
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
WORDS = re.compile(r"[A-Za-z]{2,}")
# Attributes a person reads or hears (a screen reader reads aria-label and alt).
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder"}
# forms.html's _described macro writes an attribute, outside any tag.
ATTRIBUTE_TEXT = re.compile(r'^[\w-]+="\s*"$')


class _Readable(HTMLParser):
    """The text a person reads in a template once its Jinja is taken out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_code = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._in_code += 1
        self.found += [v for k, v in attrs if k in READ_ATTRIBUTES and v and WORDS.search(v)]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._in_code -= 1

    def handle_data(self, data):
        text = data.strip()
        if not self._in_code and WORDS.search(text) and not ATTRIBUTE_TEXT.match(text):
            self.found.append(text)


def unmarked_text(path: Path) -> list[str]:
    source = JINJA.sub(" ", path.read_text())
    if path.suffix == ".txt":
        return [line.strip() for line in source.splitlines() if WORDS.search(line)]
    parser = _Readable()
    parser.feed(source)
    return parser.found


def test_every_template_string_is_marked_for_translation():
    templates = [p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt")]
    assert len(templates) > 100
    unmarked = {
        str(path.relative_to(TEMPLATES)): found
        for path in templates
        if (found := unmarked_text(path))
    }
    assert unmarked == {}, "text outside _() in templates"


def test_the_checker_finds_unmarked_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% block content %}<h1>{{ _("Marked") }}</h1><p>Not marked</p>'
        '<img alt="Unmarked picture" src="x.png">{% endblock %}'
    )
    email = tmp_path / "email.txt"
    email.write_text("{{ _('Hello') }}\nDear {{ name }},\n")
    assert unmarked_text(page) == ["Not marked", "Unmarked picture"]
    assert unmarked_text(email) == ["Dear  ,"]


def test_the_spanish_catalog_translates_every_message_extracted_now():
    """A fresh extraction, not the catalog's own list: a string added to the code or a
    template and not yet translated fails here."""
    extracted = catalogs.extract()
    spanish = catalogs.spanish()
    missing, untranslated, fuzzy = [], [], []
    for message in extracted:
        if not message.id:
            continue
        translated = spanish.get(message.id)
        if translated is None:
            missing.append(message.id)
        elif translated.fuzzy:
            fuzzy.append(message.id)
        elif not all(
            translated.string if isinstance(translated.string, tuple) else (translated.string,)
        ):
            untranslated.append(message.id)
    assert len(extracted) > 1500
    assert (missing, untranslated, fuzzy) == ([], [], []), (
        "run `make translations` and translate portal/translations/es/LC_MESSAGES/messages.po"
    )


def test_the_spanish_catalog_keeps_every_placeholder():
    """Babel's checks: a translation's %(name)s placeholders are the original's."""
    problems = [
        (message.id, [str(error) for error in errors])
        for message, errors in catalogs.spanish().check()
    ]
    assert problems == []


def test_no_spanish_translation_is_left_over_from_a_string_that_went():
    extracted = {message.id for message in catalogs.extract() if message.id}
    stale = [m.id for m in catalogs.spanish() if m.id and m.id not in extracted]
    assert stale == [], "run `make translations`: these strings are no longer in the code"


def test_make_translations_extracts_with_the_keywords_the_test_reads():
    assert catalogs.makefile_keywords() == catalogs.MAKEFILE_KEYWORDS
