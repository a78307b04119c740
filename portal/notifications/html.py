"""The HTML alternative of an email, made from its plain text so the two never disagree.

The plain text, rendered from ``templates/email/<name>.txt``, is what the portal writes; the
HTML part is that same text in simple, accessible markup: the department's name as the
heading, each blank-line-separated block a paragraph, line breaks kept, and every web
address a real link whose text is the address itself (so it reads the same to a screen
reader and in print). No images, no tracking, no styles a mail client could strip to
leave the message unreadable.
"""

import re

from markupsafe import Markup, escape

# An address ends before white space or markup; a full stop or comma closing a sentence is
# not part of it.
_URL = re.compile(r"https?://[^\s<>\"']+?(?=[.,;:!?)]*(?:\s|$))")


def _linked(line: str) -> Markup:
    out = Markup()
    last = 0
    for match in _URL.finditer(line):
        url = match.group(0)
        out += escape(line[last : match.start()])
        out += Markup('<a href="{0}">{0}</a>').format(url)
        last = match.end()
    return out + escape(line[last:])


def paragraphs(text: str) -> list[Markup]:
    """Each block of the text (blank-line separated) as one paragraph's inner markup."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return [
        Markup("<br>\n").join(_linked(line) for line in block.split("\n"))
        for block in blocks
        if block.strip()
    ]


def html_document(text: str, *, subject: str, department: str, lang: str = "en") -> str:
    """The whole HTML part: a small document with a title, the department and the text."""
    body = Markup("\n").join(Markup("<p>{}</p>").format(p) for p in paragraphs(text))
    return Markup(
        '<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>{subject}</title>\n</head>\n"
        '<body style="font-family: sans-serif; font-size: 16px; line-height: 1.5; '
        'max-width: 40em; margin: 0 auto; padding: 1em;">\n'
        '<h1 style="font-size: 1.25em;">{department}</h1>\n'
        "{body}\n</body>\n</html>\n"
    ).format(lang=lang, subject=subject, department=department, body=body)
