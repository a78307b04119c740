"""Every form's error path in a real browser: the error summary takes focus, its links
lead to the fields, and the fields keep what the user typed.

To cover another form, add a FormErrorCase to CASES: its path, what to type into
which labelled field, the button to press and the errors expected.
"""

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Page, expect

from tests.browser import sample_form
from tests.browser.helpers import check_axe, visit

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class FormErrorCase:
    path: str
    submit: str
    # label → text typed into that field before submitting
    typed: dict[str, str]
    # the first error is the one whose link is followed to its field
    errors: list[str]
    # label → value the field must still show after the error (defaults to what was typed)
    kept: dict[str, str] = field(default_factory=dict)


CASES = {
    "shared-form-macros": FormErrorCase(
        path=sample_form.PREFIX + sample_form.PATH,
        submit="Continue",
        typed={"Floor area in square feet": "about 7,000"},
        errors=[
            "Enter the floor area as a whole number, like 7200",
            "Enter a building name",
        ],
    ),
    "requirement-check": FormErrorCase(
        path="/do-i-need-a-certificate",
        submit="Check",
        typed={"How many dwelling units and sleeping units will the building have?": "12"},
        errors=[
            "Enter the floor area",
            "Select yes if the use is changing",
            "Select the uses, or 'None of these'",
        ],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_form_error_focuses_the_summary_and_keeps_the_answers(page: Page, case: FormErrorCase):
    visit(page, case.path)
    for label, value in case.typed.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name=case.submit).click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("aria-labelledby", "error-summary-title")
    expect(page).to_have_title(re.compile(r"^Error: "))
    for message in case.errors:
        expect(summary.get_by_role("link", name=message)).to_be_visible()
    for label, value in (case.kept or case.typed).items():
        expect(page.get_by_label(label, exact=True)).to_have_value(value)
    check_axe(page)

    # Following the first error's link lands on the field it names, ready to correct.
    link = summary.get_by_role("link", name=case.errors[0])
    target_id = link.get_attribute("href").removeprefix("#")
    link.click()
    target = page.locator(f"[id='{target_id}']")
    expect(page).to_have_url(re.compile(f"#{re.escape(target_id)}$"))
    expect(target).to_be_in_viewport()
    if target.evaluate("el => el.matches('input, select, textarea')"):
        expect(target).to_be_focused()
