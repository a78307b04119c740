"""The applicant's application: start, sections over two visits, validation, submit, read-only."""

from sqlalchemy import func, select

from portal.applications import services
from portal.applications.models import ApplicationStatus, CofOApplication, ContactRole
from portal.audit import AuditEvent
from portal.auth.models import Role
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.permits.models import PartyRole
from portal.timeline import TimelineEntry
from tests.factories import add_party, make_application, make_permit, make_user, sign_in_as
from tests.factories.applications import BUILDING_ANSWERS, complete_application
from tests.support.pages import check_page


def url(permit, tail=""):
    return f"/permits/{permit.id}/application{tail}"


def get_page(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status
    check_page(response.data)
    return response.data.decode()


def the_application(permit) -> CofOApplication:
    db.session.expire_all()
    return db.session.scalar(select(CofOApplication).where(CofOApplication.permit_id == permit.id))


def test_start_button_then_task_list(owner_client, permit):
    html = get_page(owner_client, url(permit))
    assert "Start the application" in html
    response = owner_client.post(url(permit, "/start"), data={})
    assert response.status_code == 302
    application = the_application(permit)
    assert application.status == ApplicationStatus.DRAFT
    html = get_page(owner_client, url(permit))
    for title in ("Building and occupancy", "Contacts", "Documents", "Attestations"):
        assert title in html
    assert html.count("Not started") == 4
    events = db.session.scalars(select(TimelineEntry.event)).all()
    assert "application.started" in events


def test_one_open_application_per_permit(owner_client, permit):
    owner_client.post(url(permit, "/start"), data={})
    response = owner_client.post(url(permit, "/start"), data={}, follow_redirects=True)
    check_page(response.data)
    assert b"already has an application" in response.data
    count = db.session.scalar(select(func.count()).select_from(CofOApplication))
    assert count == 1


def test_building_section_over_two_visits(app, owner, permit):
    client = app.test_client()
    sign_in_as(client, owner)
    client.post(url(permit, "/start"), data={})
    partial = {"portion_of_building": "Floors 1 to 3", "dwelling_units": "6", "save": "later"}
    response = client.post(url(permit, "/building"), data=partial)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(permit))
    html = get_page(client, url(permit))
    assert "Your answers are saved" in html
    assert "In progress" in html

    # A second visit, in a new session: what was saved is still there.
    later = app.test_client()
    sign_in_as(later, owner)
    html = get_page(later, url(permit, "/building"))
    assert 'value="Floors 1 to 3"' in html
    assert 'value="6"' in html

    response = later.post(url(permit, "/building"), data={**BUILDING_ANSWERS, "save": "continue"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(permit, "/contacts"))
    application = the_application(permit)
    assert application.occupancy_groups == ["R-2", "M"]
    assert application.dwelling_units == 6
    assert application.sprinklered is True
    assert application.change_of_occupancy is False
    assert services.section_statuses(application)["building"] == services.SectionStatus.COMPLETED


def test_save_and_continue_lists_what_is_missing_and_keeps_values(owner_client, permit):
    owner_client.post(url(permit, "/start"), data={})
    answers = {
        **BUILDING_ANSWERS,
        "stories": "four",
        "change_of_occupancy": "yes",
        "certificate_type": "partial",
        "construction_type": "",
        "save": "continue",
    }
    response = owner_client.post(url(permit, "/building"), data=answers)
    assert response.status_code == 200
    check_page(response.data)
    html = response.data.decode()
    assert "Error: Building and occupancy" in html
    assert "Enter a whole number, like 12" in html
    assert "Enter the previous use" in html
    assert "Enter the portion the partial certificate covers" in html
    assert "Select the construction type" in html
    assert 'value="four"' in html
    assert 'value="Entire building"' in html
    assert the_application(permit).portion_of_building == ""


def test_save_for_later_still_refuses_text_in_a_number(owner_client, permit):
    owner_client.post(url(permit, "/start"), data={})
    response = owner_client.post(
        url(permit, "/building"), data={"floor_area_sq_ft": "big", "save": "later"}
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"Enter a whole number" in response.data
    assert the_application(permit).floor_area_sq_ft is None


def test_answers_that_no_longer_apply_are_dropped(owner_client, permit):
    owner_client.post(url(permit, "/start"), data={})
    owner_client.post(
        url(permit, "/building"),
        data={**BUILDING_ANSWERS, "previous_use": "Warehouse", "partial_portion": "Floor 2"},
    )
    application = the_application(permit)
    assert application.previous_use == ""
    assert application.partial_portion == ""


def test_stale_csrf_token_keeps_the_answers(owner_client, permit):
    owner_client.post(url(permit, "/start"), data={})
    response = owner_client.post(
        url(permit, "/building"), data={**BUILDING_ANSWERS, "csrf_token": ""}
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"Your answers are still here" in response.data
    assert b'value="Entire building"' in response.data
    assert the_application(permit).portion_of_building == ""


def test_contacts_add_change_remove_and_completion(owner_client, permit):
    owner_client.post(url(permit, "/start"), data={})
    html = get_page(owner_client, url(permit, "/contacts"))
    assert "Still needed" in html

    response = owner_client.post(
        url(permit, "/contacts"), data={"role": "trade_contractor", "name": "Pat Plumber"}
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"Enter the license number" in response.data
    assert b"Enter the contractor&#39;s trade" in response.data or b"contractor's trade" in (
        response.data
    )
    assert b'value="Pat Plumber"' in response.data

    owner_client.post(url(permit, "/contacts"), data={"role": "owner", "name": "Olivia Owner"})
    owner_client.post(
        url(permit, "/contacts"),
        data={"role": "architect", "name": "Ari Arch", "license_number": "001-1"},
    )
    owner_client.post(
        url(permit, "/contacts"),
        data={
            "role": "trade_contractor",
            "name": "Pat Plumber",
            "trade": "Plumbing",
            "license_number": "PL-9",
        },
    )
    application = the_application(permit)
    assert [c.role for c in application.contacts] == [
        ContactRole.OWNER,
        ContactRole.ARCHITECT,
        ContactRole.TRADE_CONTRACTOR,
    ]
    assert services.section_statuses(application)["contacts"] == services.SectionStatus.COMPLETED
    html = get_page(owner_client, url(permit, "/contacts"))
    assert "Still needed" not in html

    plumber = application.contacts[2]
    html = get_page(owner_client, url(permit, f"/contacts/{plumber.id}"))
    assert 'value="PL-9"' in html
    owner_client.post(
        url(permit, f"/contacts/{plumber.id}"),
        data={
            "role": "trade_contractor",
            "name": "Pat P.",
            "trade": "Plumbing",
            "license_number": "PL-9",
        },
    )
    assert the_application(permit).contacts[2].name == "Pat P."

    architect = the_application(permit).contacts[1]
    response = owner_client.post(url(permit, f"/contacts/{architect.id}/remove"), data={})
    assert response.status_code == 302
    application = the_application(permit)
    assert len(application.contacts) == 2
    assert services.section_statuses(application)["contacts"] == services.SectionStatus.IN_PROGRESS


def test_another_applications_contact_is_a_404(owner_client, permit, owner):
    other_permit = make_permit()
    add_party(other_permit, owner)
    other = complete_application(other_permit, owner)
    owner_client.post(url(permit, "/start"), data={})
    contact_id = other.contacts[0].id
    assert owner_client.get(url(permit, f"/contacts/{contact_id}")).status_code == 404
    assert (
        owner_client.post(url(permit, f"/contacts/{contact_id}/remove"), data={}).status_code == 404
    )


def test_attestations_need_all_four(owner_client, permit, owner):
    owner_client.post(url(permit, "/start"), data={})
    response = owner_client.post(
        url(permit, "/attestations"),
        data={"attest_owner_involved": "y", "attest_true": "y", "save": "continue"},
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"Confirm the licensed professionals" in response.data
    assert b"Confirm that all related permits are finaled" in response.data

    response = owner_client.post(
        url(permit, "/attestations"),
        data={"attest_owner_involved": "y", "attest_true": "y", "save": "later"},
    )
    assert response.status_code == 302
    application = the_application(permit)
    assert application.attest_owner_involved is True
    assert application.attest_professionals is False
    assert (
        services.section_statuses(application)["attestations"] == services.SectionStatus.IN_PROGRESS
    )

    response = owner_client.post(
        url(permit, "/attestations"),
        data=dict.fromkeys(services.ATTESTATION_FIELDS, "y") | {"save": "continue"},
    )
    assert response.headers["Location"].endswith(url(permit, "/check"))
    application = the_application(permit)
    assert application.attested_by_id == owner.id
    assert (
        services.section_statuses(application)["attestations"] == services.SectionStatus.COMPLETED
    )


def test_check_answers_lists_what_is_missing_and_refuses_to_submit(owner_client, permit):
    owner_client.post(url(permit, "/start"), data={})
    html = get_page(owner_client, url(permit, "/check"))
    assert "Some answers are still missing" in html
    assert "Add the owner" in html
    response = owner_client.post(url(permit, "/submit"), data={}, follow_redirects=True)
    assert response.status_code == 200
    check_page(response.data)
    assert b"Complete every section before you submit." in response.data
    assert b"Some answers are still missing" in response.data
    assert the_application(permit).status == ApplicationStatus.DRAFT
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_check_answers_submit_confirmation_and_email(owner_client, permit, owner):
    complete_application(permit, owner, dwelling_units=6)
    html = get_page(owner_client, url(permit))
    assert html.count(">Completed<") == 4
    assert "Check your answers and submit" in html
    html = get_page(owner_client, url(permit, "/check"))
    assert "Some answers are still missing" not in html
    assert "Is a certificate required? Required" in html
    assert (
        "Rule: Construction or substantial alteration (reconfiguration) of 4 or more dwelling "
        "or sleeping units." in html
    )
    assert f'href="{url(permit, "/building")}"' in html

    response = owner_client.post(url(permit, "/submit"), data={})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(permit, "/confirmation"))
    application = the_application(permit)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.submitted_at is not None
    number = application.confirmation_number
    assert number.startswith("CO-20")
    assert len(number.rsplit("-", 1)[1]) == 6

    html = get_page(owner_client, url(permit, "/confirmation"))
    assert number in html
    emails = db.session.scalars(select(OutboxMessage)).all()
    assert [e.to_address for e in emails] == [owner.email]
    assert number in emails[0].subject
    assert number in emails[0].body_text
    assert f"/permits/{permit.id}/application" in emails[0].body_text
    entry = db.session.scalar(
        select(TimelineEntry).where(TimelineEntry.event == "application.submitted")
    )
    assert entry.params == {"confirmation": number}
    assert (
        db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "application.submitted")
        ).actor_id
        == owner.id
    )


def test_double_submit_shows_the_confirmation_and_submits_once(owner_client, permit, owner):
    complete_application(permit, owner)
    first = owner_client.post(url(permit, "/submit"), data={})
    number = the_application(permit).confirmation_number
    second = owner_client.post(url(permit, "/submit"), data={}, follow_redirects=True)
    assert first.status_code == 302
    assert second.status_code == 200
    check_page(second.data)
    assert number.encode() in second.data
    assert b"Application submitted" in second.data
    assert the_application(permit).confirmation_number == number
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    submitted = db.session.scalar(
        select(func.count())
        .select_from(TimelineEntry)
        .where(TimelineEntry.event == "application.submitted")
    )
    assert submitted == 1


def test_confirmation_numbers_retry_on_a_collision(app, owner, monkeypatch):
    first_permit, second_permit = make_permit(), make_permit()
    add_party(first_permit, owner)
    add_party(second_permit, owner)
    first = complete_application(first_permit, owner)
    second = complete_application(second_permit, owner)
    codes = iter(["AAAAAA", "AAAAAA", "BBBBBB"])
    monkeypatch.setattr(services, "new_confirmation_code", lambda: next(codes))
    with app.test_request_context():
        services.submit(first, owner)
        services.submit(second, owner)
    assert first.confirmation_number.endswith("-AAAAAA")
    assert second.confirmation_number.endswith("-BBBBBB")
    assert second.status == ApplicationStatus.SUBMITTED


def test_read_only_after_submit(owner_client, permit, owner):
    complete_application(permit, owner, status=ApplicationStatus.SUBMITTED)
    response = owner_client.post(
        url(permit, "/building"), data={**BUILDING_ANSWERS, "portion_of_building": "Changed"}
    )
    assert response.status_code == 302
    html = get_page(owner_client, url(permit))
    assert "cannot be changed now" in html
    assert the_application(permit).portion_of_building == "Entire building"
    for tail in ("/building", "/contacts", "/documents", "/attestations"):
        assert owner_client.get(url(permit, tail)).status_code == 302
    document = the_application(permit).documents[0]
    owner_client.post(url(permit, f"/documents/{document.id}/remove"), data={})
    assert len(the_application(permit).documents) == 1
    html = get_page(owner_client, url(permit))
    assert "Sections" not in html
    assert "Entire building" in html


def test_information_requested_edit_and_resubmit(owner_client, permit, owner):
    complete_application(
        permit,
        owner,
        status=ApplicationStatus.INFORMATION_REQUESTED,
        staff_message="Upload the fire alarm certificate.",
    )
    html = get_page(owner_client, url(permit))
    assert "The department needs more information" in html
    assert "Upload the fire alarm certificate." in html
    response = owner_client.post(
        url(permit, "/building"),
        data={**BUILDING_ANSWERS, "portion_of_building": "Floors 1-4", "save": "later"},
    )
    assert response.status_code == 302
    html = get_page(owner_client, url(permit, "/check"))
    assert "Resubmit the application" in html
    response = owner_client.post(url(permit, "/submit"), data={})
    assert response.status_code == 302
    application = the_application(permit)
    assert application.status == ApplicationStatus.RESUBMITTED
    assert application.portion_of_building == "Floors 1-4"
    events = db.session.scalars(select(TimelineEntry.event)).all()
    assert "application.resubmitted" in events
    audit = db.session.scalars(select(AuditEvent.action)).all()
    assert "application.resubmitted" in audit


def test_the_resubmission_confirmation_says_resubmitted_with_its_time(owner_client, permit, owner):
    from datetime import UTC, datetime

    complete_application(
        permit,
        owner,
        status=ApplicationStatus.INFORMATION_REQUESTED,
        staff_message="Upload the fire alarm certificate.",
        submitted_at=datetime(2026, 5, 1, 15, 0, tzinfo=UTC),
    )
    owner_client.post(url(permit, "/submit"), data={})
    application = the_application(permit)
    page = owner_client.get(url(permit, "/confirmation"))
    check_page(page.data)
    html = page.data.decode()
    assert "<h1>Application resubmitted</h1>" in html
    assert "Application submitted" not in html
    assert "Resubmitted " in html
    assert application.resubmitted_at.date() != application.submitted_at.date()


def test_a_new_application_after_a_closed_one(owner_client, permit, owner):
    complete_application(
        permit, owner, status=ApplicationStatus.REJECTED, staff_message="Wrong building"
    )
    html = get_page(owner_client, url(permit))
    assert "Wrong building" in html
    assert "Start a new application" in html
    owner_client.post(url(permit, "/start"), data={})
    assert db.session.scalar(select(func.count()).select_from(CofOApplication)) == 2


def test_contractor_can_view_but_not_edit(client, permit, owner):
    complete_application(permit, owner)
    contractor = make_user()
    add_party(permit, contractor, PartyRole.CONTRACTOR)
    sign_in_as(client, contractor)
    html = get_page(client, url(permit))
    assert "Entire building" in html
    assert "Start the application" not in html
    assert "Sections" not in html
    for tail in ("/building", "/contacts", "/documents", "/attestations", "/check"):
        assert client.get(url(permit, tail)).status_code == 404
    assert client.post(url(permit, "/building"), data=BUILDING_ANSWERS).status_code == 404
    assert client.post(url(permit, "/submit"), data={}).status_code == 404
    assert client.post(url(permit, "/start"), data={}).status_code == 404


def test_agent_can_edit(client, permit):
    agent = make_user()
    add_party(permit, agent, PartyRole.AGENT)
    sign_in_as(client, agent)
    client.post(url(permit, "/start"), data={})
    response = client.post(url(permit, "/building"), data={**BUILDING_ANSWERS, "save": "later"})
    assert response.status_code == 302
    assert the_application(permit).created_by_id == agent.id


def test_non_party_gets_404_everywhere(client, permit, owner):
    application = complete_application(permit, owner)
    sign_in_as(client, make_user())
    for tail in (
        "",
        "/building",
        "/check",
        "/confirmation",
        f"/documents/{application.documents[0].id}",
    ):
        assert client.get(url(permit, tail)).status_code == 404
    assert client.post(url(permit, "/start"), data={}).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, permit):
    response = client.get(url(permit))
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


def test_staff_can_view_but_not_fill_in(staff_client, permit, owner):
    complete_application(permit, owner, status=ApplicationStatus.SUBMITTED)
    html = get_page(staff_client, url(permit))
    assert "Open the review page" in html
    assert staff_client.get(url(permit, "/building")).status_code == 404


def test_make_application_factory_builds_a_draft(permit, owner):
    application = make_application(permit, owner)
    assert services.section_statuses(application) == dict.fromkeys(
        services.SECTIONS, services.SectionStatus.NOT_STARTED
    )


def test_the_applicant_replies_to_a_request_for_information(app, owner_client, permit, owner):
    complete_application(
        permit,
        owner,
        status=ApplicationStatus.INFORMATION_REQUESTED,
        staff_message="Upload the fire alarm certificate.",
    )
    page = owner_client.get(url(permit, "/check"))
    check_page(page.data)
    assert b"The department asked:" in page.data
    assert b"Your reply to the department" in page.data
    reply = "The alarm contractor issues the certificate on Friday; the test report is attached."
    owner_client.post(url(permit, "/submit"), data={"reply": reply})
    application = the_application(permit)
    assert application.status == ApplicationStatus.RESUBMITTED
    assert application.applicant_reply == reply
    texts = db.session.scalars(select(TimelineEntry)).all()
    assert any(e.event == "application.resubmitted_with_reply" for e in texts)
    assert any(reply in e.text for e in texts)
    staff = make_user(email="reviewer@example.com", role=Role.STAFF)
    staff_client = app.test_client()
    sign_in_as(staff_client, staff)
    review = staff_client.get(f"/staff/applications/{application.id}")
    check_page(review.data)
    assert b"Upload the fire alarm certificate." in review.data
    assert b"s reply</dt>" in review.data
    assert reply.encode() in review.data
