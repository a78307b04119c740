"""What browser tests share: visiting a page with an accessibility check, reading the outbox."""

import re
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, Response

from portal.extensions import db
from portal.notifications.models import OutboxMessage

BLOCKING_IMPACTS = {"serious", "critical"}
_axe = Axe()
_URL = re.compile(r"https?://[^\s<>\"']+")


def check_axe(page: Page) -> None:
    """Fail on any serious or critical axe-core violation, naming the rule and the elements."""
    results = _axe.run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    if not blocking:
        return
    lines = [f"axe found {len(blocking)} serious or critical violation(s) on {page.url}:"]
    for violation in blocking:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
    raise AssertionError("\n".join(lines))


def visit(page: Page, path: str, status: int = 200) -> Response:
    """Open a page of the live server, check its status, then check it with axe."""
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    assert response.status == status, f"{path} answered {response.status}, expected {status}"
    check_axe(page)
    return response


def newest_email_to(address: str) -> OutboxMessage:
    """The most recent message queued for an address (the server thread commits before replying)."""
    # The test's session may hold rows it loaded earlier; read what the server wrote since.
    db.session.expire_all()
    message = db.session.scalars(
        db.select(OutboxMessage)
        .where(OutboxMessage.to_address == address)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()
    assert message is not None, f"no email was queued for {address}"
    return message


def link_in_email(message: OutboxMessage, containing: str = "") -> str:
    """The path and query of the first link in the body containing the text, for page.goto.

    Only the path is kept, so the link works against the live server whatever host
    the email names.
    """
    for url in _URL.findall(message.body_text):
        if containing in url:
            parts = urlsplit(url.rstrip(".,;)"))
            return parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"no link containing {containing!r} in {message.subject!r}")
