"""The permit page's summary (issue 16 item 3): for each state of the permit, what leads the
page (the issued certificate, the department's request) or its one next step, read through
the features' contributions (portal/panels.py) as each kind of reader sees them."""

import html5lib
import pytest

from portal import panels
from portal.applications.models import APPLICATION_TRANSITIONS, ApplicationStatus
from portal.auth.models import Role
from portal.certificates.models import CertificateKind
from portal.extensions import db
from portal.models import utcnow
from portal.payments.models import Fee, FeeKind
from portal.permits.models import PartyRole, PermitStatus
from tests.factories import make_user, sign_in_as
from tests.factories.applications import complete_application
from tests.factories.certificates import issued_certificate, ready_application
from tests.factories.inspections import make_request, schedule
from tests.factories.settings import set_settings
from tests.support.pages import check_page

S = ApplicationStatus


def _summary(permit, role=PartyRole.OWNER) -> panels.Summary:
    db.session.expire_all()
    return panels.permit_summary(permit, role)


def _step(permit, role=PartyRole.OWNER) -> panels.NextStep | None:
    return _summary(permit, role).next_step


def _fee(permit, kind=FeeKind.INSPECTION, cents=15000) -> Fee:
    fee = Fee(permit_id=permit.id, kind=kind, amount_cents=cents, reason="Inspection")
    db.session.add(fee)
    db.session.commit()
    return fee


@pytest.fixture
def in_request(app):
    with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
        yield


@pytest.fixture
def staff():
    return make_user(role=Role.STAFF, name="Sam Staff")


def test_without_an_application_the_owner_is_asked_to_start_one(in_request, permit):
    step = _step(permit)
    assert step.text == "Start your C of O application"
    assert step.url == f"/permits/{permit.id}/application"
    assert not _summary(permit).leads


def test_a_contractor_is_told_the_owner_has_not_applied_with_no_link(in_request, permit):
    # The contractor may request inspections: that is their step, not the owner's application.
    step = _step(permit, PartyRole.CONTRACTOR)
    assert step.text == "Request an inspection"
    assert step.url == f"/permits/{permit.id}/inspections/request"


def test_a_draft_asks_the_owner_to_continue_it(in_request, permit, owner):
    complete_application(permit, owner)
    step = _step(permit)
    assert (step.text, step.url) == (
        "Continue your draft application",
        f"/permits/{permit.id}/application",
    )


@pytest.mark.parametrize("status", [S.SUBMITTED, S.UNDER_REVIEW, S.RESUBMITTED])
def test_while_the_department_reviews_the_step_is_an_inspection_then_waiting(
    in_request, permit, owner, status
):
    complete_application(permit, owner, status=status)
    # Something to do comes before something to wait for.
    assert _step(permit).text == "Request an inspection"
    waiting = next(f.step for f in _summary(permit).facts if f.key == "application")
    assert (waiting.text, waiting.url) == ("Waiting for the department's review", "")


def test_a_request_for_information_leads_as_an_alert_with_the_message(in_request, permit, owner):
    complete_application(
        permit,
        owner,
        status=S.INFORMATION_REQUESTED,
        staff_message="Please upload the fire alarm certificate.",
    )
    summary = _summary(permit)
    assert [fact.key for fact in summary.leads] == ["application"]
    assert summary.leads[0].lead == "applications/_summary_request.html"
    # The alert carries its own action: no separate next step competes with it.
    assert summary.next_step is None


def test_fees_owed_come_before_the_application_and_inspections(in_request, permit, owner):
    complete_application(permit, owner, status=S.SUBMITTED)
    _fee(permit)
    step = _step(permit)
    assert (step.text, step.url) == ("Pay $150.00 in fees", f"/permits/{permit.id}/fees")
    fees = next(f for f in _summary(permit).facts if f.key == "fees")
    assert fees.data.outstanding_cents == 15000


def test_an_unpaid_reinspection_fee_blocks_requests_and_is_the_step(in_request, permit, owner):
    set_settings(block_requests_when_fees_unpaid=True)
    complete_application(permit, owner, status=S.ACCEPTED)
    _fee(permit, FeeKind.REINSPECTION)
    step = _step(permit)
    assert step.url == f"/permits/{permit.id}/fees"
    inspections = next(f for f in _summary(permit).facts if f.key == "inspections")
    assert inspections.step.text == "Pay the reinspection fee before requesting inspections"


def test_an_accepted_application_leads_to_requesting_inspections(in_request, permit, owner):
    complete_application(permit, owner, status=S.ACCEPTED)
    step = _step(permit)
    assert (step.text, step.url) == (
        "Request an inspection",
        f"/permits/{permit.id}/inspections/request",
    )
    line = next(f for f in _summary(permit).facts if f.key == "inspections").data
    assert line.passed == 0
    assert line.required > 0


def test_a_scheduled_visit_is_the_summarys_next_inspection(
    fixed_today, permit, owner, contractor, staff
):
    complete_application(permit, owner, status=S.ACCEPTED)
    visit = schedule(make_request(permit, contractor, "ELEC-RGH"), staff)
    line = next(f for f in _summary(permit).facts if f.key == "inspections").data
    assert line.next_visit.latest.id == visit.id


def test_when_inspections_are_complete_the_owner_waits_for_the_certificate(in_request, owner):
    application = ready_application(owner)
    APPLICATION_TRANSITIONS.move(application, S.INSPECTIONS_COMPLETE)
    db.session.commit()
    step = _step(application.permit)
    assert (step.text, step.url) == ("Waiting for the department to issue the certificate", "")


def test_an_issued_final_certificate_leads_with_download_and_pickup(in_request, owner, staff):
    application = ready_application(owner)
    certificate = issued_certificate(application, staff, 1)
    APPLICATION_TRANSITIONS.move(application, S.INSPECTIONS_COMPLETE)
    APPLICATION_TRANSITIONS.move(application, S.COFO_ISSUED)
    db.session.commit()
    summary = _summary(application.permit)
    assert [fact.key for fact in summary.leads] == ["certificate"]
    lead = summary.leads[0].data
    assert lead.certificate.id == certificate.id
    assert lead.editor
    assert lead.booking_problem is None
    assert summary.next_step is None
    # A contractor sees the certificate, without its download and pickup.
    assert not _summary(application.permit, PartyRole.CONTRACTOR).leads[0].data.editor


def test_a_revoked_or_partial_certificate_does_not_lead(in_request, owner, staff):
    application = ready_application(owner)
    partial = issued_certificate(application, staff, 1, kind=CertificateKind.PARTIAL)
    db.session.commit()
    assert not _summary(application.permit).leads
    partial.kind = CertificateKind.FINAL
    partial.revoked_at = utcnow()
    db.session.commit()
    assert not _summary(application.permit).leads


def test_an_expired_permit_sends_the_owner_to_the_department_without_a_button(
    in_request, permit, owner
):
    permit.status_current = PermitStatus.EXPIRED
    db.session.commit()
    step = _step(permit)
    assert "contact the department" in step.text
    assert step.url == ""


def test_staff_read_the_summary_without_a_next_step(in_request, permit, owner):
    complete_application(permit, owner, status=S.DRAFT)
    _fee(permit)
    summary = _summary(permit, None)
    assert summary.next_step is None
    assert {fact.key for fact in summary.facts} >= {"application", "inspections", "fees"}


def test_the_page_puts_the_next_step_right_after_the_h1_then_the_jump_links(client, permit, owner):
    complete_application(
        permit, owner, status=S.INFORMATION_REQUESTED, staff_message="Upload the plans."
    )
    sign_in_as(client, owner)
    page = client.get(f"/permits/{permit.id}")
    check_page(page.data)
    tree = html5lib.parse(page.data, namespaceHTMLElements=False)
    content = next(e for e in tree.iter() if any(child.tag == "h1" for child in e))
    children = list(content)
    h1 = next(i for i, child in enumerate(children) if child.tag == "h1")
    after_h1 = children[h1 + 1]
    text = " ".join(after_h1.itertext())
    assert "Upload the plans." in text
    assert "Respond to the department's request" in text
    # The message is not repeated as a row of the application's panel.
    assert page.data.count(b"Upload the plans.") == 1
    nav = next(e for e in tree.iter("nav") if "portal-jump-links" in e.get("class", ""))
    links = [a.get("href") for a in nav.iter("a")]
    assert links[:4] == ["#application", "#inspections", "#fees", "#certificate"]
    ids = {e.get("id"): e for e in tree.iter() if e.get("id")}
    for anchor in links:
        assert ids[anchor[1:]].get("tabindex") == "-1", anchor
