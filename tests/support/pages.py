"""The page checker every view test uses: the HTML parses, one h1, the title starts
with it, ids are unique, every input has a label. And reading a form's values off a page."""

import hashlib
import re

import html5lib
from html5lib.html5parser import ParseError

NS = "{http://www.w3.org/1999/xhtml}"
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}
# The pages this process has seen pass, by digest, their CSRF tokens aside: the check reads
# nothing but the document, html5lib's strict parse costs ~50 ms of CPU a page, and the
# route-walking tests fetch the same refusal, sign-in and record pages hundreds of times
# (issue 17). A token's value (URL-safe characters inside quotes) cannot change what the
# check finds. A failure is never remembered.
_PASSED: set[bytes] = set()
_CSRF_VALUE = re.compile(r'(<input[^>]*\bname="[^"]*csrf_token"[^>]*\bvalue=")[^"]*')


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def check_page(html: str | bytes) -> None:
    """Raise AssertionError naming the first way the page breaks the conventions."""
    if isinstance(html, bytes):
        html = html.decode("utf-8")
    digest = hashlib.sha256(_CSRF_VALUE.sub(r"\1", html).encode()).digest()
    if digest in _PASSED:
        return
    _check(html)
    _PASSED.add(digest)


def _check(html: str) -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    try:
        tree = parser.parse(html)
    except ParseError as error:
        line, col = parser.errors[-1][0] if parser.errors else ("?", "?")
        raise AssertionError(f"HTML does not parse at line {line} col {col}: {error}") from None

    assert tree.get("lang"), "<html> has no lang attribute"
    h1s = tree.findall(f".//{NS}h1")
    assert len(h1s) == 1, f"expected one <h1>, found {len(h1s)}"
    h1 = _text(h1s[0])
    title_el = tree.find(f".//{NS}title")
    assert title_el is not None, "no <title>"
    title = _text(title_el)
    bare = title.removeprefix("Error: ")
    assert bare.startswith(h1), f"title {title!r} does not start with the h1 {h1!r}"

    ids = [el.get("id") for el in tree.iter() if el.get("id")]
    dupes = {i for i in ids if ids.count(i) > 1}
    assert not dupes, f"duplicate ids: {sorted(dupes)}"

    labelled = {el.get("for") for el in tree.iter(f"{NS}label") if el.get("for")}
    for tag in ("input", "select", "textarea"):
        for el in tree.iter(f"{NS}{tag}"):
            if tag == "input" and (el.get("type") or "text") in UNLABELLED_TYPES:
                continue
            ok = el.get("id") in labelled or el.get("aria-label") or el.get("aria-labelledby")
            assert ok, f"<{tag} name={el.get('name')!r}> has no label"

    errors = tree.findall(".//*[@id='error-summary']")
    if errors:
        assert title.startswith("Error: "), (
            "a page with an error summary needs 'Error: ' in its title"
        )


def hidden_value(html: bytes | str, name: str) -> str:
    """The value of the page's hidden field of this name; fails when there is none."""
    if isinstance(html, bytes):
        html = html.decode()
    match = re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def input_value(html: str, name: str) -> str | None:
    """The value a page's input of this name shows, or None when there is no such input."""
    match = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    if match is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def form_fields(html: bytes | str, action: str) -> dict[str, str]:
    """The named inputs of the page's form that posts to `action`, name to value (a
    repeated name keeps its last value); fails when there is no such form."""
    if isinstance(html, bytes):
        html = html.decode()
    form = re.search(rf'<form[^>]*\baction="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
    assert form, f"no form posting to {action}"
    fields = {}
    for tag in re.findall(r"<input[^>]*>", form.group(1)):
        name = re.search(r'\bname="([^"]*)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields
