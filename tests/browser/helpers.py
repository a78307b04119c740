"""What browser tests share through Playwright: visiting a page with an accessibility
check, signing in and out, checking an error summary, ticking a choice. (The outbox readers
they use are in tests/support/mail.py.)"""

import hashlib
import os
import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from flask import current_app
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Response, expect

from portal.auth.models import User
from portal.extensions import db
from portal.models import utcnow
from tests.factories import PASSWORD, enrol_second_factor, next_totp_code, sign_in_as

BLOCKING_IMPACTS = {"serious", "critical"}
# The conftest's context fixture adds it to every page as it loads, which is quicker than
# sending it for each check; pages from other contexts get it on their first check.
AXE_SCRIPT = Axe().axe_script


# What Playwright says when a navigation replaces the document an evaluation runs in.
_NAVIGATED = ("Execution context was destroyed", "documentElement", "navigat")

# The documents this process (one pytest-xdist worker) has already seen pass each check.
# The same document (its CSRF tokens aside) at the same viewport gives the same answers,
# and tests revisit many (the sign-in page, a permit page in the same state), so each
# distinct document is checked once per run instead of once per visit: axe's first run on
# a page costs 0.1-0.3 s of browser CPU (issue 17). A failure is never remembered.
_PASSED: set[tuple[str, str]] = set()
_CSRF_VALUE = re.compile(r'(<input[^>]*\bname="csrf_token"[^>]*\bvalue=")[^"]*')


def _document(page: Page, *, with_viewport: bool) -> str:
    """A digest of the page's document as it stands (and of the viewport's size, for axe,
    whose answers depend on the layout)."""
    html = _CSRF_VALUE.sub(r"\1", page.evaluate("document.documentElement.outerHTML"))
    viewport = page.viewport_size if with_viewport else None
    return hashlib.sha256(f"{viewport}\n{html}".encode()).hexdigest()


def _run_axe(page: Page) -> tuple[str, list[dict]]:
    """The document's digest, and axe's violations for the page once it has finished loading
    (none when the same document passed before).

    A click that submits a form or follows a link may still be navigating when the test asks
    for the check (seen on a loaded machine: axe read a document that was already gone). So
    wait for the load to settle first, and if a navigation still replaced the document under
    the evaluation, wait again and rerun on the new one.
    """
    for _ in range(4):
        try:
            return _axe_violations(page)
        except PlaywrightError as error:
            if not any(sign in str(error) for sign in _NAVIGATED):
                raise
    return _axe_violations(page)


def _axe_violations(page: Page) -> tuple[str, list[dict]]:
    page.wait_for_load_state("load")
    document = _document(page, with_viewport=True)
    if ("axe", document) in _PASSED:
        return document, []
    if not page.evaluate("typeof window.axe?.run === 'function'"):
        page.evaluate(AXE_SCRIPT)
    return document, page.evaluate("axe.run({resultTypes: ['violations']}).then(r => r.violations)")


def check_axe(page: Page) -> None:
    """Fail on any serious or critical axe-core violation, naming the rule and the elements."""
    document, violations = _run_axe(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    if not blocking:
        _PASSED.add(("axe", document))
        return
    lines = [f"axe found {len(blocking)} serious or critical violation(s) on {page.url}:"]
    for violation in blocking:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
    raise AssertionError("\n".join(lines))


# WCAG 1.4.10 (reflow): a phone's width, and a 1280 px screen zoomed to 200 %.
REFLOW_WIDTHS = (320, 640)


def check_reflow(page: Page) -> None:
    """Fail if the page scrolls sideways at any of REFLOW_WIDTHS, then give the page its
    viewport back (one resize and one measurement per width); a document that passed
    before in this run is not measured again."""
    document = _document(page, with_viewport=False)
    if ("reflow", document) in _PASSED:
        return
    viewport = page.viewport_size
    too_wide = {}
    try:
        for width in REFLOW_WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                too_wide[width] = scroll_width
    finally:
        if viewport is not None:
            page.set_viewport_size(viewport)
    assert not too_wide, f"{page.url} scrolls sideways: {too_wide} (width: scroll width)"
    _PASSED.add(("reflow", document))


def visit(page: Page, path: str, status: int = 200) -> Response:
    """Open a page of the live server, check its status, check it with axe, then check
    that it does not scroll sideways at 320 or 640 px."""
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    assert response.status == status, f"{path} answered {response.status}, expected {status}"
    check_axe(page)
    check_reflow(page)
    return response


def sign_in(page: Page, user: User | str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in page, as a person would; staff also give the code their
    authenticator app shows (the account is enrolled first if it is not yet)."""
    if isinstance(user, str):
        user = db.session.scalar(db.select(User).where(User.email == user))
    visit(page, "/account/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    if user.is_staff:
        # Reloading while the sign-in's own navigation is under way detaches the page.
        page.wait_for_url("**/account/sign-in/code")
        if not user.has_second_factor:
            enrol_second_factor(user)
            page.reload()
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
        check_axe(page)
        page.get_by_label("Security code").fill(next_totp_code(user))
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    check_axe(page)


def let_in(page: Page, user: User) -> None:
    """Give the browser the session cookie signing in would, without the sign-in pages:
    for tests about something else (the sign-in journeys walk through those pages)."""
    app = current_app._get_current_object()
    client = app.test_client()
    # Flask-Login's "strong" protection ties the session to the browser's address and agent.
    client.environ_base.update(
        REMOTE_ADDR="127.0.0.1", HTTP_USER_AGENT=page.evaluate("navigator.userAgent")
    )
    sign_in_as(client, user)
    with client.session_transaction() as session:
        session["last_seen"] = utcnow().isoformat()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "domain": "127.0.0.1", "path": "/"}]
    )


def open_menu_item(page: Page, menu: str, item: str) -> None:
    """Follow a staff menu item: open its menu (Work, Records, Admin), then click the item."""
    page.get_by_role("button", name=menu, exact=True).click()
    page.get_by_role("link", name=item, exact=True).click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    check_axe(page)


def expect_error_summary(page: Page) -> Locator:
    """The page answered a form post with errors: the summary has focus and every link
    in it leads to an element on the page."""
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("aria-labelledby", "error-summary-title")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    expect(page).to_have_title(re.compile(r"^Error: "))
    broken = page.evaluate(
        """() => [...document.querySelectorAll('#error-summary a')]
            .map(a => a.getAttribute('href'))
            .filter(href => !href.startsWith('#') || !document.getElementById(href.slice(1)))"""
    )
    assert broken == [], f"error summary links without a target on {page.url}: {broken}"
    check_axe(page)
    return summary


def choose(scope: Page | Locator, option: str, group: str | None = None) -> None:
    """Tick a radio button or checkbox by clicking its label, as a person does: USWDS
    draws its own box and moves the real input off screen, so the input itself cannot
    be clicked."""
    if group is not None:
        scope = scope.get_by_role("group", name=group)
    scope.locator("label").filter(has_text=re.compile(f"^{re.escape(option)}$")).click()
    expect(scope.get_by_label(option, exact=True)).to_be_checked()


def shoot(page: Page, name: str) -> None:
    """Screenshots at 1280 and 375 px for a person to look at, when PORTAL_SCREENSHOTS
    names a folder."""
    folder = os.environ.get("PORTAL_SCREENSHOTS", "")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
