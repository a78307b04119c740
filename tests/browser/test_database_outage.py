"""A form sent while the database cannot be reached: the 503 page keeps what was typed, and
its Try again button sends it again once the database is back."""

import psycopg
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.exc import OperationalError

from portal.permits import services
from tests.browser.helpers import check_axe, check_reflow, let_in, visit
from tests.factories import make_permit, make_user

pytestmark = pytest.mark.browser


def test_try_again_sends_what_was_typed_once_the_database_is_back(page: Page, monkeypatch):
    owner = make_user(name="Olivia Owner")
    permit = make_permit(access_code="K7P2Q9XD")
    let_in(page, owner)
    visit(page, "/permits/claim")
    page.get_by_label("Permit number").fill(permit.permit_num)
    page.get_by_label("Access code").fill("K7P2Q9XD")

    claim = services.claim_permit

    def restarting(*args, **kwargs):
        raise OperationalError(
            "SELECT ...", {}, psycopg.errors.AdminShutdown("terminating connection")
        )

    monkeypatch.setattr(services, "claim_permit", restarting)
    with page.expect_response("**/permits/claim") as answer:
        page.get_by_role("button", name="Claim permit").click()
    assert answer.value.status == 503
    assert answer.value.headers["retry-after"] == "30"
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The service is not available just now"
    )
    expect(page.get_by_text("What you typed is kept")).to_be_visible()
    check_axe(page)
    check_reflow(page)

    monkeypatch.setattr(services, "claim_permit", claim)
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Permit {permit.permit_num}")
