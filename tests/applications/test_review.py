"""Staff review: the review page, each decision, and the stale-version guard."""

import pytest
from sqlalchemy import select, text

from portal.applications import review
from portal.applications.models import ApplicationStatus, CofOApplication
from portal.audit import AuditEvent
from portal.auth.models import Role
from portal.errors import DomainError, StaleRecord
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.permits.models import PartyRole
from portal.timeline import TimelineEntry
from tests.factories import add_party, make_permit, make_user, sign_in_as
from tests.factories.applications import complete_application
from tests.support.pages import check_page, hidden_value

S = ApplicationStatus


def review_url(application):
    return f"/staff/applications/{application.id}"


def act(client, application, action, version, message=None, confirm=True):
    """Start the review, or record a decision through the one decision form (confirmed)."""
    if action == "start-review":
        data = {"start-csrf_token": client.csrf_token(), "start-version": str(version)}
        return client.post(f"{review_url(application)}/start-review", data=data)
    data = {"decision": action, "version": str(version)}
    if message is not None:
        data["message"] = message
    if confirm:
        data["confirm"] = "yes"
    return client.post(f"{review_url(application)}/decision", data=data)


def reload(application) -> CofOApplication:
    db.session.expire_all()
    return db.session.get(CofOApplication, application.id)


@pytest.fixture
def submitted(permit, owner):
    agent = make_user(email="agent@example.com")
    add_party(permit, agent, PartyRole.AGENT)
    add_party(permit, make_user(email="contractor@example.com"), PartyRole.CONTRACTOR)
    return complete_application(permit, owner, status=S.SUBMITTED)


# ---- access ---------------------------------------------------------------------------------


def test_applicants_cannot_open_staff_pages(client, owner, submitted):
    sign_in_as(client, owner)
    assert client.get("/staff/applications").status_code == 404
    assert client.get(review_url(submitted)).status_code == 404
    response = act(client, submitted, "accept", submitted.version)
    assert response.status_code == 404
    assert reload(submitted).status == S.SUBMITTED


def test_anonymous_is_sent_to_sign_in(client, submitted):
    response = client.get(review_url(submitted))
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


# ---- the review page and decisions -----------------------------------------------------------


def test_review_page_shows_every_answer_and_document(staff_client, submitted):
    response = staff_client.get(review_url(submitted))
    assert response.status_code == 200
    check_page(response.data)
    html = response.data.decode()
    assert submitted.confirmation_number in html
    for text_ in ("Entire building", "R-2", "VA", "Olivia Owner", "Ari Architect", "001-234567"):
        assert text_ in html
    document = submitted.documents[0]
    assert f"/permits/{submitted.permit_id}/application/documents/{document.id}" in html
    assert hidden_value(html, "version") == str(submitted.version)
    for label in (
        "Start review",
        "Accept the application",
        "Request more information from the applicant",
        "Reject the application",
        "Not applicable: this project needs no certificate",
        "Record the decision",
    ):
        assert label in html


def assert_decided(
    application, status, event_code, emails_expected=("owner@example.com", "agent@example.com")
):
    application = reload(application)
    assert application.status == status
    emails = db.session.scalars(select(OutboxMessage)).all()
    assert sorted(e.to_address for e in emails) == sorted(emails_expected)
    assert all(application.confirmation_number in e.subject for e in emails)
    entries = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.event == event_code)
    ).all()
    assert len(entries) == 1
    assert entries[0].by_department is True
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == event_code)).all()
    assert len(audit) == 1
    assert audit[0].record_id == application.id
    return application, emails, entries[0]


def test_start_review(staff_client, submitted, reviewer):
    response = act(staff_client, submitted, "start-review", submitted.version)
    assert response.status_code == 302
    application, _emails, _entry = assert_decided(
        submitted, S.UNDER_REVIEW, "application.review_started"
    )
    assert application.reviewer_id == reviewer.id
    page = staff_client.get(review_url(submitted))
    check_page(page.data)
    assert b"Review started." in page.data
    assert b"Start review" not in page.data


def test_accept(staff_client, submitted):
    act(staff_client, submitted, "accept", submitted.version)
    application, emails, _entry = assert_decided(submitted, S.ACCEPTED, "application.accepted")
    assert application.decided_at is not None
    assert "accepted" in emails[0].body_text


def test_request_information_then_the_applicant_sees_it(staff_client, submitted, owner, app):
    act(
        staff_client,
        submitted,
        "request-information",
        submitted.version,
        "Upload the elevator certificate.",
    )
    application, emails, entry = assert_decided(
        submitted, S.INFORMATION_REQUESTED, "application.information_requested"
    )
    assert application.staff_message == "Upload the elevator certificate."
    assert "Upload the elevator certificate." in emails[0].body_text
    assert entry.params == {"message": "Upload the elevator certificate."}
    applicant = app.test_client()
    sign_in_as(applicant, owner)
    page = applicant.get(f"/permits/{submitted.permit_id}/application")
    check_page(page.data)
    assert b"Upload the elevator certificate." in page.data
    assert b"Sections" in page.data


def test_reject(staff_client, submitted):
    act(staff_client, submitted, "reject", submitted.version, "The permit is for another building.")
    application, emails, entry = assert_decided(submitted, S.REJECTED, "application.rejected")
    assert application.staff_message == "The permit is for another building."
    assert "The permit is for another building." in emails[0].body_text
    assert entry.params == {"reason": "The permit is for another building."}


def test_not_applicable(staff_client, submitted):
    act(staff_client, submitted, "not-applicable", submitted.version, "Single-family home (R-3).")
    application, emails, entry = assert_decided(
        submitted, S.NOT_APPLICABLE, "application.not_applicable"
    )
    assert "Single-family home (R-3)." in emails[0].body_text
    assert entry.params == {"reason": "Single-family home (R-3)."}


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("request-information", "Enter a message for the applicant"),
        ("reject", "Enter a message for the applicant"),
        ("not-applicable", "Enter a message for the applicant"),
    ],
)
def test_a_message_is_required(staff_client, submitted, action, message):
    response = act(staff_client, submitted, action, submitted.version, "")
    assert response.status_code == 200
    check_page(response.data)
    assert b"Error: Review application" in response.data
    assert message.encode() in response.data
    assert reload(submitted).status == S.SUBMITTED
    assert db.session.scalar(select(OutboxMessage)) is None


def test_services_refuse_an_empty_reason(app, submitted, reviewer):
    with app.test_request_context():
        for service in (
            review.request_information,
            review.reject,
            review.mark_not_applicable,
        ):
            with pytest.raises(DomainError, match="Enter"):
                service(submitted, reviewer, submitted.version, "   ")
    assert reload(submitted).status == S.SUBMITTED


def test_an_illegal_action_is_a_message_not_an_error_page(staff_client, owner):
    application = complete_application(make_permit(), owner, status=S.ACCEPTED)
    response = act(staff_client, application, "accept", application.version)
    assert response.status_code == 302
    page = staff_client.get(review_url(application))
    check_page(page.data)
    assert b"not possible for this record in its current state" in page.data


def test_an_unknown_decision_is_refused_on_the_page(staff_client, submitted):
    response = act(staff_client, submitted, "approve-everything", submitted.version, "x")
    assert response.status_code == 200
    check_page(response.data)
    assert b"Error: Review application" in response.data
    assert reload(submitted).status == S.SUBMITTED


def test_the_review_page_has_one_decision_form(staff_client, submitted):
    page = staff_client.get(review_url(submitted))
    check_page(page.data)
    html = page.data.decode()
    assert html.count('name="message"') == 1
    assert html.count('name="decision"') == 4
    assert html.count("Message to the applicant") == 1


@pytest.mark.parametrize(
    ("decision", "status", "button"),
    [
        ("reject", S.REJECTED, b"Yes, reject the application"),
        ("not-applicable", S.NOT_APPLICABLE, b"Yes, mark it not applicable"),
    ],
)
def test_closing_decisions_are_confirmed_first(staff_client, submitted, decision, status, button):
    reason = "The work is on <another> building."
    first = act(staff_client, submitted, decision, submitted.version, reason, confirm=False)
    assert first.status_code == 200
    check_page(first.data)
    assert button in first.data
    assert b"The work is on &lt;another&gt; building." in first.data
    assert reload(submitted).status == S.SUBMITTED
    assert db.session.scalar(select(OutboxMessage)) is None
    # "No, change the decision" goes back to the form with the decision and reason kept.
    back = staff_client.post(
        f"{review_url(submitted)}/decision",
        data={
            "decision": decision,
            "message": reason,
            "version": str(submitted.version),
            "confirm": "yes",
            "change": "1",
        },
    )
    check_page(back.data)
    assert f'value="{decision}" checked'.encode() in back.data
    assert b"The work is on &lt;another&gt; building.</textarea>" in back.data
    assert reload(submitted).status == S.SUBMITTED
    act(staff_client, submitted, decision, submitted.version, reason)
    assert reload(submitted).status == status


def test_a_missing_reason_keeps_the_chosen_decision(staff_client, submitted):
    response = act(staff_client, submitted, "request-information", submitted.version, "  ")
    check_page(response.data)
    assert b'value="request-information" checked' in response.data
    assert b'href="#message"' in response.data


# ---- stale forms and concurrent reviewers ----------------------------------------------------


def test_stale_version_is_refused_and_nothing_is_overwritten(staff_client, submitted):
    response = act(staff_client, submitted, "reject", submitted.version - 1, "Too late")
    assert response.status_code == 302
    page = staff_client.get(review_url(submitted))
    check_page(page.data)
    assert b"This application changed since you opened it." in page.data
    application = reload(submitted)
    assert application.status == S.SUBMITTED
    assert application.staff_message == ""
    assert db.session.scalar(select(OutboxMessage)) is None


def test_two_reviewers_acting_at_once(app, staff_client, submitted):
    second_reviewer = make_user(role=Role.STAFF)
    other = app.test_client()
    sign_in_as(other, second_reviewer)

    # Both open the review page and see version N.
    seen_first = hidden_value(staff_client.get(review_url(submitted)).data, "version")
    seen_second = hidden_value(other.get(review_url(submitted)).data, "version")
    assert seen_first == seen_second

    # The second reviewer accepts first; then the first reviewer's rejection arrives with N.
    act(other, submitted, "accept", seen_second)
    response = act(staff_client, submitted, "reject", seen_first, "Incomplete plans")
    assert response.status_code == 302
    page = staff_client.get(review_url(submitted))
    check_page(page.data)
    assert b"This application changed since you opened it." in page.data
    assert b"Accepted" in page.data

    application = reload(submitted)
    assert application.status == S.ACCEPTED
    assert application.staff_message == ""
    assert application.reviewer_id == second_reviewer.id
    events = db.session.scalars(select(TimelineEntry.event)).all()
    assert "application.rejected" not in events
    assert db.session.scalars(select(AuditEvent.action)).all().count("application.rejected") == 0


def test_a_concurrent_commit_between_load_and_save_is_a_stale_record(app, submitted, reviewer):
    """The version check passed in memory, but another transaction already moved the row."""
    with app.test_request_context():
        application = db.session.get(CofOApplication, submitted.id)
        seen = application.version
        db.session.execute(
            text("UPDATE cofo_applications SET version = version + 1 WHERE id = :id"),
            {"id": application.id},
        )
        with pytest.raises(StaleRecord, match="changed since you opened it"):
            review.accept(application, reviewer, seen)
    application = reload(submitted)
    assert application.status == S.SUBMITTED
    assert db.session.scalar(select(OutboxMessage)) is None


def test_not_applicable_against_the_requirement_rule_warns_and_is_audited(staff_client, submitted):
    """A change of occupancy needs a C of O by the rule: the page warns before the reason."""
    submitted.change_of_occupancy = True
    db.session.commit()
    page = staff_client.get(review_url(submitted))
    check_page(page.data)
    assert b'id="not-applicable-warning"' in page.data
    assert b"The requirement rule says this project needs a Certificate of Occupancy" in page.data
    empty = act(staff_client, submitted, "not-applicable", submitted.version, "")
    check_page(empty.data)
    assert reload(submitted).status == S.SUBMITTED
    act(staff_client, submitted, "not-applicable", submitted.version, "Exempt by the Commissioner.")
    assert reload(submitted).status == S.NOT_APPLICABLE
    audit = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "application.not_applicable")
    )
    assert audit.details["against_requirement_rule"] is True
    assert audit.details["message"] == "Exempt by the Commissioner."


def test_no_warning_when_the_rule_does_not_require_a_certificate(staff_client, submitted):
    submitted.change_of_occupancy = False
    submitted.occupancy_groups = ["R-3"]
    submitted.non_residential_sq_ft = 0
    submitted.dwelling_units = 1
    submitted.sleeping_units = 0
    submitted.occupancy_load = 5
    db.session.commit()
    page = staff_client.get(review_url(submitted))
    assert b'id="not-applicable-warning"' not in page.data
