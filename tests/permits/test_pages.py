"""The applicant's home and the permit page."""

import pytest
from flask import url_for

from portal import timeline
from portal.applications.contributions import next_action
from portal.applications.models import ApplicationStatus
from portal.extensions import db
from portal.payments.models import Fee, FeeKind
from portal.permits import services
from portal.permits.models import PartyRole, Permit, PermitStatus
from tests.factories import add_party, make_application, make_permit, make_user, sign_in_as
from tests.support.pages import check_page
from tests.support.queries import counted_queries


def test_home_lists_only_my_permits_with_status_role_and_next_step(client):
    me, someone = make_user(), make_user()
    mine = make_permit(original_address1="1 Mine St", status_current=PermitStatus.INSPECTION_PHASE)
    theirs = make_permit(original_address1="2 Theirs Ave")
    add_party(mine, me)
    add_party(theirs, someone)
    sign_in_as(client, me)

    response = client.get("/permits/")

    assert response.status_code == 200
    check_page(response.data)
    assert mine.permit_num.encode() in response.data
    assert b"1 Mine St, Chicago, IL 60602" in response.data
    assert b"Inspection phase" in response.data
    assert b"Owner" in response.data
    assert b"Start your C of O application" in response.data
    assert theirs.permit_num.encode() not in response.data
    assert b"/permits/claim" in response.data


def test_home_says_so_when_there_are_no_permits(client):
    sign_in_as(client, make_user())
    response = client.get("/permits/")
    check_page(response.data)
    assert b"You have no permits on the portal yet" in response.data
    assert b"/permits/claim" in response.data


def test_staff_are_sent_to_the_staff_home(client, staff_user):
    sign_in_as(client, staff_user)
    response = client.get("/permits/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/")


@pytest.mark.parametrize(
    ("status", "role", "expected"),
    [
        (None, PartyRole.OWNER, "Start your C of O application"),
        (ApplicationStatus.DRAFT, PartyRole.OWNER, "Continue your draft application"),
        (ApplicationStatus.DRAFT, PartyRole.AGENT, "Continue your draft application"),
        (ApplicationStatus.DRAFT, PartyRole.CONTRACTOR, "The owner is preparing"),
        (
            ApplicationStatus.INFORMATION_REQUESTED,
            PartyRole.OWNER,
            "Respond to the department's request",
        ),
        (ApplicationStatus.SUBMITTED, PartyRole.OWNER, "Waiting for the department's review"),
        (ApplicationStatus.UNDER_REVIEW, PartyRole.AGENT, "Waiting for the department's review"),
        (ApplicationStatus.RESUBMITTED, PartyRole.OWNER, "Waiting for the department's review"),
        (ApplicationStatus.ACCEPTED, PartyRole.OWNER, "Pass the required inspections"),
        (ApplicationStatus.REJECTED, PartyRole.OWNER, "Start a new C of O application"),
        (ApplicationStatus.COFO_ISSUED, PartyRole.CONTRACTOR, "Certificate of Occupancy issued"),
    ],
)
def test_next_step_follows_the_newest_application(client, status, role, expected):
    me, owner = make_user(), make_user()
    permit = make_permit()
    if role != PartyRole.OWNER:
        add_party(permit, owner)
    add_party(permit, me, role)
    if status is not None:
        # An older, finished application must not decide the next step.
        make_application(permit, owner, ApplicationStatus.WITHDRAWN)
        make_application(permit, owner, status)
    sign_in_as(client, me)

    response = client.get("/permits/")

    check_page(response.data)
    assert expected.replace("'", "&#39;").encode() in response.data


def test_an_expired_permit_without_an_application_says_to_contact_the_department(app):
    permit = make_permit(status_current=PermitStatus.EXPIRED)
    with app.test_request_context():
        text = next_action(permit.status_current, PartyRole.OWNER, None)
    assert text == (
        'The permit is Expired: contact the department <a href="/help#contact">'
        "How to contact the department</a>"
    )


def test_home_query_count_does_not_grow_with_the_number_of_permits(client):
    me = make_user()
    sign_in_as(client, me)

    def add_permits(n):
        for _ in range(n):
            permit = make_permit()
            add_party(permit, me)
            make_application(permit, me, ApplicationStatus.SUBMITTED)

    add_permits(2)
    with counted_queries() as few:
        assert client.get("/permits/").status_code == 200
    add_permits(10)
    with counted_queries() as many:
        response = client.get("/permits/")
    assert response.status_code == 200
    # Twice per permit: the cards a phone shows and the table a desktop shows.
    assert response.data.count(b"Waiting for the department&#39;s review") == 24
    assert len(many) == len(few)


def test_home_reads_its_permits_and_every_fact_in_one_statement(client):
    me = make_user()
    owing, applied = make_permit(), make_permit()
    for permit in (owing, applied):
        add_party(permit, me)
    make_application(applied, me, ApplicationStatus.SUBMITTED)
    db.session.add(
        Fee(permit_id=owing.id, kind=FeeKind.INSPECTION, amount_cents=5000, reason="Boiler")
    )
    db.session.commit()
    sign_in_as(client, me)

    with counted_queries() as statements:
        response = client.get("/permits/")

    check_page(response.data)
    assert b"$50.00" in response.data
    assert b"Waiting for the department&#39;s review" in response.data
    # The signed-in user, then the page's rows with their application, fees and whether a
    # reinspection fee blocks requests (it was one statement per fact and the settings row).
    assert len(statements) == 2, statements


def test_home_is_paginated(client, app):
    me = make_user()
    for _ in range(app.config["PAGE_SIZE"] + 2):
        add_party(make_permit(), me)
    sign_in_as(client, me)

    first = client.get("/permits/")
    check_page(first.data)
    assert first.data.count(b"/permits/claim") == 1
    assert b"Page 1 of 2" in first.data
    second = client.get("/permits/?page=2")
    check_page(second.data)
    assert b"Page 2 of 2" in second.data
    beyond = client.get("/permits/?page=9")
    check_page(beyond.data)
    assert b"There are no permits on this page" in beyond.data


def test_home_counts_permits_only_when_they_span_pages(client, app):
    me = make_user()
    for _ in range(app.config["PAGE_SIZE"]):
        add_party(make_permit(), me)
    sign_in_as(client, me)

    with counted_queries() as one_page:
        response = client.get("/permits/")
    assert response.status_code == 200
    assert b"usa-pagination" not in response.data
    assert not [s for s in one_page if "count(" in s.lower()]
    add_party(make_permit(), me)
    with counted_queries() as two_pages:
        response = client.get("/permits/")
    assert b"Page 1 of 2" in response.data
    assert len([s for s in two_pages if "count(" in s.lower()]) == 1


def owned_permit(**fields) -> tuple[Permit, object]:
    owner = make_user(name="Olivia Owner")
    permit = make_permit(
        access_code="SECRET42",
        est_project_cost_cents=125_000_000,
        contractor_company_name="Lakeside Builders LLC",
        **fields,
    )
    add_party(permit, owner)
    return permit, owner


def test_a_party_sees_the_permit_page_without_the_access_code(client):
    permit, owner = owned_permit()
    contractor = make_user(name="Carl Contractor")
    add_party(permit, contractor, PartyRole.CONTRACTOR, trade="electrical", license_number="EC-1")
    sign_in_as(client, contractor)

    response = client.get(f"/permits/{permit.id}")

    assert response.status_code == 200
    check_page(response.data)
    for expected in (
        permit.permit_num,
        permit.address,
        "$1,250,000.00",
        "Lakeside Builders LLC",
        "New construction (carpentry)",
        "Electrical",
        "Olivia Owner",
        "Carl Contractor",
        "EC-1",
    ):
        assert expected.encode() in response.data, expected
    assert b"SECRET42" not in response.data
    assert b"Open invitations" not in response.data


def test_the_owner_sees_invitations_but_not_the_access_code(client):
    permit, owner = owned_permit()
    sign_in_as(client, owner)
    response = client.get(f"/permits/{permit.id}")
    check_page(response.data)
    assert b"Open invitations" in response.data
    assert b"Invite a contractor or agent" in response.data
    assert b"SECRET42" not in response.data


def test_staff_see_the_access_code(client, staff_user):
    permit, _owner = owned_permit()
    sign_in_as(client, staff_user)
    response = client.get(f"/permits/{permit.id}")
    assert response.status_code == 200
    check_page(response.data)
    assert b"SECRET42" in response.data
    assert b"Add a person to this permit" in response.data


def test_a_non_party_gets_a_404(client):
    permit, _owner = owned_permit()
    sign_in_as(client, make_user())
    response = client.get(f"/permits/{permit.id}")
    assert response.status_code == 404
    check_page(response.data)
    assert client.get(f"/permits/{permit.id}/timeline").status_code == 404


def test_the_permit_page_summarises_the_application(client):
    permit, owner = owned_permit()
    make_application(
        permit,
        owner,
        ApplicationStatus.INFORMATION_REQUESTED,
        confirmation_number="CO-2026-0001",
        staff_message="Upload the stamped floor plan.",
    )
    sign_in_as(client, owner)
    response = client.get(f"/permits/{permit.id}")
    check_page(response.data)
    assert b"Information requested" in response.data
    assert b"CO-2026-0001" in response.data
    assert b"Upload the stamped floor plan." in response.data


def test_timeline_newest_first_staff_as_the_department_with_a_show_all_link(
    client, app, staff_user
):
    permit, owner = owned_permit()
    with app.test_request_context():
        timeline.add(permit, "permit.imported", actor=staff_user, permit_num=permit.permit_num)
        for n in range(services.PERMIT_PAGE_TIMELINE_LIMIT):
            timeline.add(
                permit, "party.invited", actor=owner, email=f"p{n}@example.com", role="Agent"
            )
        db.session.commit()
    sign_in_as(client, owner)

    response = client.get(f"/permits/{permit.id}")

    check_page(response.data)
    html = response.data.decode()
    newest = html.index(f"p{services.PERMIT_PAGE_TIMELINE_LIMIT - 1}@example.com invited")
    oldest_shown = html.index("p0@example.com invited")
    assert newest < oldest_shown
    assert "recorded by the department" not in html  # eleventh entry: on the full timeline
    assert f"/permits/{permit.id}/timeline" in html

    full = client.get(f"/permits/{permit.id}/timeline")
    assert full.status_code == 200
    check_page(full.data)
    assert b"recorded by the department" in full.data
    assert b"The department" in full.data
    assert staff_user.name.encode() not in full.data


def test_the_application_link_appears_when_the_applications_feature_provides_it(client, app):
    permit, owner = owned_permit()
    sign_in_as(client, owner)
    response = client.get(f"/permits/{permit.id}")
    check_page(response.data)
    if "applications.overview" in app.view_functions:
        with app.test_request_context():
            link = url_for("applications.overview", permit_id=permit.id)
        assert f'href="{link}"'.encode() in response.data
    else:
        assert b"Start your C of O application" not in response.data


def test_permit_page_query_count_does_not_grow_with_parties_or_events(client, app):
    permit, owner = owned_permit()
    sign_in_as(client, owner)

    def add_activity(n):
        with app.test_request_context():
            for _ in range(n):
                person = make_user()
                add_party(permit, person, PartyRole.CONTRACTOR)
                timeline.add(permit, "party.added", actor=person, name=person.name, role="x")
            db.session.commit()

    add_activity(1)
    with counted_queries() as few:
        assert client.get(f"/permits/{permit.id}").status_code == 200
    add_activity(15)
    with counted_queries() as many:
        assert client.get(f"/permits/{permit.id}").status_code == 200
    assert len(many) == len(few)
