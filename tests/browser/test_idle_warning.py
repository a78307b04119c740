"""Staff are warned before the idle sign-out and can stay signed in (WCAG 2.2.1); if the
session ends anyway, what they typed comes back on the page they return to after signing in.

The timeout is shortened for the test on the live server's app: IDLE_SECONDS, the warning at
half of it. The idle time passes on clocks the test moves, the page's (Playwright's clock)
and the server's (the idle check's utcnow), instead of 25 s of real waiting (issue 17).
"""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal import security
from portal.auth.models import Role
from portal.extensions import db
from portal.inspections import catalogue
from portal.models import utcnow
from portal.payments import services as payment_services
from portal.payments.models import FeeKind
from tests.browser.helpers import check_axe, sign_in, visit
from tests.factories import make_permit, make_user
from tests.factories.accounts import PASSWORD, next_totp_code

pytestmark = pytest.mark.browser

WARNING = "You will be signed out soon"
IDLE_SECONDS = 16
REASON = "Owner showed the inspector in at 9:05; the no-access record was a mistake."


@pytest.fixture
def short_idle_timeout(app):
    app.config["STAFF_IDLE_TIMEOUT"] = timedelta(seconds=IDLE_SECONDS)
    yield
    app.config["STAFF_IDLE_TIMEOUT"] = timedelta(minutes=30)


@pytest.fixture
def stand_idle(page: Page, monkeypatch):
    """Lets seconds pass with nobody at the page: on the page's clock (its timers fire) and
    on the server's idle clock, both moved ahead instead of waited for."""
    ahead = timedelta(0)

    def server_now():
        return utcnow() + ahead

    monkeypatch.setattr(security, "utcnow", server_now)
    page.clock.install()

    def idle(seconds: float) -> None:
        nonlocal ahead
        ahead += timedelta(seconds=seconds)
        page.clock.run_for(int(seconds * 1000))

    return idle


def _permit_with_a_fee(app):
    catalogue.seed_types()
    permit = make_permit(scope=["refrigeration"])
    with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
        fee = payment_services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access")
    db.session.commit()
    return permit, fee


def test_stay_signed_in_then_typed_reason_survives_the_sign_out(
    app, page: Page, short_idle_timeout, stand_idle
):
    permit, fee = _permit_with_a_fee(app)
    staff = make_user(name="Sam Staff", email="sam.idle@example.com", role=Role.STAFF)
    sign_in(page, staff)
    visit(page, f"/permits/{permit.id}/fees")
    warning = page.get_by_role("alertdialog", name=WARNING)
    expect(warning).to_be_hidden()

    # The warning comes before the timeout, takes focus, and passes axe.
    stand_idle(IDLE_SECONDS / 2 + 0.5)
    expect(warning).to_be_visible()
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    check_axe(page)
    with page.expect_response("**/account/keep-alive") as answer:
        stay.click()
    assert answer.value.status == 204
    expect(warning).to_be_hidden()

    # Typing, then idle past the timeout: the waiver is refused by the sign-in page ...
    reason = page.get_by_label("Reason for the waiver").first
    reason.fill(REASON)
    stand_idle(IDLE_SECONDS / 2 + 0.5)
    expect(warning).to_be_visible()
    stand_idle(IDLE_SECONDS / 2 + 0.5)
    page.get_by_role("button", name="Waive the fee").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text("You were signed out after 1 minute without activity.")).to_be_visible()

    # ... and after signing in again the same page holds what was typed, nothing was waived.
    app.config["STAFF_IDLE_TIMEOUT"] = timedelta(minutes=30)
    page.get_by_label("Email address").fill(staff.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/account/sign-in/code")
    page.get_by_label("Security code").fill(next_totp_code(staff))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**/permits/{permit.id}/fees")
    expect(page.get_by_label("Reason for the waiver").first).to_have_value(REASON)
    db.session.refresh(fee)
    assert fee.status.value == "outstanding"
    check_axe(page)
