"""Every form's error path in a real browser: the error summary takes focus, the title
says "Error:", each of its links leads to a field on the page, and the fields keep what
the user typed (passwords excepted).

To cover another form, add a FormErrorCase to CASES: how to reach the form (records to
make, who signs in), what to enter into which labelled field, the button to press and the
errors expected.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from flask import current_app
from playwright.sync_api import Locator, Page, expect

from portal.auth import services as auth_services
from portal.auth.models import Role
from tests.browser.helpers import check_axe, choose, expect_error_summary, let_in, visit
from tests.factories import PASSWORD, enrol_second_factor, make_permit, make_user
from tests.factories.applications import build_application
from tests.factories.permits import owner_with_permit
from tests.support.mail import link_in_email, newest_email_to

pytestmark = pytest.mark.browser

FILE_INPUT = "Drag file here or choose from folder"  # the name USWDS gives a file input
FILES_INPUT = "Drag files here or choose from folder"  # ... and a file input taking several
EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com."
SHORT_PASSWORD = "Enter a password of at least 12 characters."
NO_MATCH = "The passwords do not match. Enter them again."
REASON_NEEDED = "Enter a message for the applicant"


@dataclass(frozen=True)
class FormErrorCase:
    # Makes the records the form needs, signs in if it must, and returns the form's path.
    open: Callable[[Page], str]
    submit: str
    # The first error is the one whose link is followed to its field.
    errors: list[str]
    typed: dict[str, str] = field(default_factory=dict)  # label → text typed
    selected: dict[str, str] = field(default_factory=dict)  # select's label → option label
    ticked: list[str] = field(default_factory=list)  # labels of checkboxes or radios to tick
    # label → (file name, content) to upload
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    # label → value the field must show after the error; defaults to what was typed
    kept: dict[str, str] | None = None
    # password fields, which come back empty
    cleared: list[str] = field(default_factory=list)
    # where the form is, when the page has several with the same labels
    form: str = ""


# ---- how each form is reached --------------------------------------------------------------


def _public(path: str) -> Callable[[Page], str]:
    return lambda page: path


def _applicant(path: str) -> Callable[[Page], str]:
    def open_(page: Page) -> str:
        let_in(page, make_user())
        return path

    return open_


def _reset_link(page: Page) -> str:
    user = make_user()
    with current_app.test_request_context():
        auth_services.request_password_reset(user.email)
    return link_in_email(newest_email_to(user.email), containing="/account/password/reset/")


def _owner(path: str, *, draft: bool = False) -> Callable[[Page], str]:
    def open_(page: Page) -> str:
        owner, permit = owner_with_permit()
        if draft:
            build_application(permit, owner, complete=False, submit=False)
        let_in(page, owner)
        return path.format(permit=permit.id)

    return open_


def _staff(page: Page) -> str:
    permit = make_permit()
    let_in(page, make_user(role=Role.STAFF))
    return f"/permits/{permit.id}/parties/new"


def _admin(path: str) -> Callable[[Page], str]:
    def open_(page: Page) -> str:
        let_in(page, make_user(role=Role.ADMIN))
        return path

    return open_


def _review(page: Page) -> str:
    owner, permit = owner_with_permit()
    application = build_application(permit, owner, complete=True, submit=True)
    let_in(page, make_user(role=Role.STAFF))
    return f"/staff/applications/{application.id}"


def _security_code(page: Page) -> str:
    """Stops at the second sign-in step of an enrolled staff account."""
    staff = make_user(role=Role.STAFF)
    enrol_second_factor(staff)
    visit(page, "/account/sign-in")
    page.get_by_label("Email address").fill(staff.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    return "/account/sign-in/code"


# Refused at the upload (its rows are the import job's to check): no Scope column.
BAD_CSV = (
    b"PermitNum,StatusCurrent,OriginalAddress1,OriginalCity,OriginalState,OriginalZip\n"
    b"BP-2026-900001,Issued,1 N State St,Chicago,IL,60602\n"
)
HTML_AS_PDF = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


CASES = {
    "register": FormErrorCase(
        open=_public("/account/register"),
        submit="Create account",
        typed={
            "Full name": "Rosa Diaz",
            "Email address": "rosa@example",
            "Phone number": "312-555-0147",
            "Password": "too short",
            "Confirm password": "not the same",
        },
        errors=[EMAIL_FORMAT, SHORT_PASSWORD, NO_MATCH],
        cleared=["Password", "Confirm password"],
    ),
    "sign-in": FormErrorCase(
        open=_public("/account/sign-in"),
        submit="Sign in",
        typed={"Email address": "nobody@example.com", "Password": "not the password"},
        errors=["The email address or password is not right. Check them and try again."],
        cleared=["Password"],
    ),
    "security-code": FormErrorCase(
        open=_security_code,
        submit="Continue",
        typed={"Security code": "12345"},
        errors=["Enter the code as 6 digits, like 123456."],
    ),
    "forgot-password": FormErrorCase(
        open=_public("/account/password/forgot"),
        submit="Send the link",
        typed={"Email address": "rosa at example.com"},
        errors=[EMAIL_FORMAT],
    ),
    "reset-password": FormErrorCase(
        open=_reset_link,
        submit="Set password",
        typed={"New password": "too short", "Confirm new password": "too short"},
        errors=[SHORT_PASSWORD],
        cleared=["New password", "Confirm new password"],
    ),
    "change-password": FormErrorCase(
        open=_applicant("/account/password"),
        submit="Change password",
        typed={"New password": "too short", "Confirm new password": "different"},
        errors=["Enter your current password.", SHORT_PASSWORD, NO_MATCH],
        cleared=["Current password", "New password", "Confirm new password"],
    ),
    "profile": FormErrorCase(
        open=_applicant("/account/profile"),
        submit="Save details",
        typed={"Full name": "", "Phone number": "call me"},
        errors=["Enter your full name.", "Enter a phone number, like 312-555-0100."],
    ),
    "claim": FormErrorCase(
        open=_applicant("/permits/claim"),
        submit="Claim permit",
        typed={"Permit number": "BP-2026-000123"},
        errors=["Enter the access code"],
    ),
    "invite": FormErrorCase(
        open=_owner("/permits/{permit}/invitations/new"),
        submit="Send invitation",
        typed={"Email address": "carlos at example.com", "License number": "EC-55012"},
        selected={"Trade": "Electrical"},
        errors=[
            "Enter an email address in the correct format, like name@example.com",
            "Choose their role",
        ],
    ),
    "add-party": FormErrorCase(
        open=_staff,
        submit="Add to permit",
        typed={"Email address": "nobody@example.com"},
        ticked=["Contractor"],
        errors=["No account uses that email address. Ask the person to create an account first."],
    ),
    "import": FormErrorCase(
        open=_admin("/permits/import"),
        submit="Import permits",
        files={FILE_INPUT: ("permits.csv", BAD_CSV)},
        errors=["The file is missing required columns: Scope."],
    ),
    "requirement-check": FormErrorCase(
        open=_public("/do-i-need-a-certificate"),
        submit="Check whether I need one",
        typed={
            "How many dwelling or sleeping units does the work build or substantially alter?": "12"
        },
        errors=[
            "Enter the floor area",
            "Select yes if the use is changing",
            "Select the uses, or 'None of these'",
        ],
    ),
    "building": FormErrorCase(
        open=_owner("/permits/{permit}/application/building", draft=True),
        submit="Save and continue",
        typed={
            "Total floor area, in square feet": "about 7,000",
            "Stories above grade": "4",
        },
        errors=[
            "Enter a whole number, like 12",
            "Select at least one occupancy group",
            "Enter the portion of the building the certificate covers",
        ],
    ),
    "contact": FormErrorCase(
        open=_owner("/permits/{permit}/application/contacts", draft=True),
        # The primary button: a half-filled contact is not lost (issue 16 item 1).
        submit="Save and continue",
        selected={"Role": "Architect or engineer of record"},
        typed={"Full name": "Ines Architect", "Email address": "ines@"},
        errors=["Enter the license number", "Enter an email address like name@example.com"],
    ),
    "document": FormErrorCase(
        open=_owner("/permits/{permit}/application/documents", draft=True),
        submit="Save and continue",
        selected={"Document type": "Stamped plans"},
        files={FILES_INPUT: ("plans.pdf", HTML_AS_PDF)},
        errors=["plans.pdf: The selected file must be a PDF, PNG or JPEG."],
    ),
    "attestations": FormErrorCase(
        open=_owner("/permits/{permit}/application/attestations", draft=True),
        submit="Save and continue",
        ticked=[
            "The information in this application is true and complete to the best of my knowledge"
        ],
        errors=[
            "Confirm the owner's involvement",
            "Confirm the licensed professionals",
            "Confirm that all related permits are finaled",
        ],
    ),
    **{
        f"review-{action}": FormErrorCase(
            open=_review,
            form="form:has(button:text-is('Record the decision'))",
            submit="Record the decision",
            ticked=[label],
            errors=[REASON_NEEDED],
        )
        for action, label in [
            ("request-information", "Request more information from the applicant"),
            ("reject", "Reject the application"),
            ("not-applicable", "Not applicable: this project needs no certificate"),
        ]
    },
    "staff-account": FormErrorCase(
        open=_admin("/staff/users/new"),
        submit="Send the invitation",
        typed={"Full name": "Sam Staff", "Work email address": "sam@city"},
        errors=[EMAIL_FORMAT, "Choose a role."],
    ),
}


def _field(form: Locator, label: str) -> Locator:
    # Optional fields' labels end in "(optional)".
    return form.get_by_label(re.compile(rf"^{re.escape(label)}( \(optional\))?$"))


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_form_error_focuses_the_summary_and_keeps_the_answers(
    page: Page, case: FormErrorCase, tmp_path
):
    visit(page, case.open(page))
    form = page.locator(case.form) if case.form else page.locator("main")
    for label, value in case.typed.items():
        _field(form, label).fill(value)
    for label, option in case.selected.items():
        _field(form, label).select_option(label=option)
    for label in case.ticked:
        choose(form, label)
    for label, (name, content) in case.files.items():
        path = tmp_path / name
        path.write_bytes(content)
        form.get_by_label(label).set_input_files(path)
    form.get_by_role("button", name=case.submit, exact=True).click()

    summary = expect_error_summary(page)
    for message in case.errors:
        expect(summary.get_by_role("link", name=message)).to_be_visible()
    kept = case.kept if case.kept is not None else case.typed
    form = page.locator(case.form) if case.form else page.locator("main")
    for label, value in kept.items():
        if label not in case.cleared:
            expect(_field(form, label)).to_have_value(value)
    for label, option in case.selected.items():
        chosen = _field(form, label).evaluate("select => select.selectedOptions[0].text")
        assert chosen.strip() == option
    for label in case.ticked:
        expect(form.get_by_label(label, exact=True)).to_be_checked()
    for label in case.cleared:
        expect(_field(form, label)).to_have_value("")

    # Following the first error's link lands on the field it names, ready to correct.
    link = summary.get_by_role("link", name=case.errors[0])
    target_id = link.get_attribute("href").removeprefix("#")
    link.click()
    expect(page).to_have_url(re.compile(f"#{re.escape(target_id)}$"))
    target = page.locator(f"[id='{target_id}']")
    if target.evaluate("el => el.matches('input, select, textarea')"):
        expect(target).to_be_focused()
    # USWDS moves radio and checkbox inputs off screen and draws their labels instead.
    shown = (
        page.locator(f"label[for='{target_id}']")
        if target.evaluate("el => el.matches('.usa-checkbox__input, .usa-radio__input')")
        else target
    )
    expect(shown).to_be_in_viewport()
    check_axe(page)
