"""The public requirement check in a real browser, answered both ways, without an account."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import check_axe, choose, visit

pytestmark = pytest.mark.browser

UNITS = "How many dwelling or sleeping units does the work build or substantially alter?"
AREA = (
    "How much floor area used for anything other than homes does the work build or "
    "substantially alter, in square feet?"
)
CHANGE = "Will the building or space change to a different use?"
USES = "Will any part of the building be used for these?"


def _answer(page: Page, units: str, area: str, change: str, uses: list[str]) -> None:
    page.get_by_label(UNITS).fill(units)
    page.get_by_label(AREA).fill(area)
    choose(page, change, group=CHANGE)
    for use in uses:
        choose(page, use, group=USES)
    page.get_by_role("button", name="Check whether I need one").click()
    check_axe(page)


def test_six_flats_need_a_certificate_and_the_answers_can_be_changed(page: Page):
    visit(page, "/")
    page.get_by_role("link", name="Do I need a C of O?").click()
    check_axe(page)
    _answer(page, "6", "0", "No", ["None of these"])

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "A Certificate of Occupancy is required"
    )
    expect(page).to_have_title("A Certificate of Occupancy is required – Occupancy Portal")
    expect(page.get_by_role("main").get_by_role("region")).to_contain_text("Required")
    # The reason is in plain words with the rule it comes from.
    expect(page.get_by_role("list").filter(has_text="Rule:").first).to_contain_text("units")

    page.get_by_role("link", name="Change your answers").click()
    check_axe(page)
    expect(page.get_by_label(UNITS)).to_have_value("6")
    expect(page.get_by_role("group", name=USES).get_by_label("None of these")).to_be_checked()


def test_a_small_shop_with_no_change_of_use_does_not_need_one(page: Page):
    visit(page, "/do-i-need-a-certificate")
    _answer(page, "2", "1200", "No", ["None of these"])

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "A Certificate of Occupancy is not required"
    )
    expect(page.get_by_role("main").get_by_role("region")).to_contain_text(
        "Not required, but you may request one"
    )
    expect(page.get_by_text("1,200 sq ft", exact=True)).to_be_visible()
