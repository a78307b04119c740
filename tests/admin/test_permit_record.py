"""The staff record page of a permit, and the staff page about a person."""

import pytest

from portal import audit, timeline
from portal.admin.permit_record import AUDIT_LIMIT
from portal.applications.models import ApplicationDocument, DocumentType
from portal.auth.models import Role
from portal.certificates.models import CertificateVersion, VersionStatus
from portal.extensions import db
from portal.payments import services as payment_services
from portal.payments.models import Fee, FeeKind
from portal.permits.models import PartyRole
from tests.factories import add_party, make_permit, make_user, sign_in_as
from tests.factories.world import build_world
from tests.support.pages import check_page
from tests.support.queries import counted_queries


@pytest.fixture
def world(app):
    world = build_world()
    # A second version of the certificate: the first is kept, superseded.
    first = world.certificate.versions[0]
    first.status = VersionStatus.SUPERSEDED
    second = CertificateVersion(
        **{
            column: getattr(first, column)
            for column in (
                "certificate_type",
                "portion_of_building",
                "occupancy_load",
                "occupancy_groups",
                "construction_type",
                "granted_date",
                "permit_num",
                "address",
                "owner_name",
                "official_name",
                "official_title",
                "stored_file_id",
                "sha256",
                "created_by_id",
            )
        },
        version_number=2,
        status=VersionStatus.CURRENT,
        correction_reason="Occupancy load corrected",
    )
    db.session.flush()
    world.certificate.versions.append(second)
    world.certificate.last_version = 2
    db.session.commit()
    with app.test_request_context():
        payment_services.waive_fee(world.fee, world.staff, "Inspector's error", world.fee.version)
    return world


def _page(client, permit_id: int):
    response = client.get(f"/staff/permits/{permit_id}")
    assert response.status_code == 200
    check_page(response.data)
    return response.get_data(as_text=True)


def _section(html: str, anchor: str) -> str:
    start = html.index(f'<h2 id="{anchor}">')
    end = html.find("</section>", start)
    return html[start:end]


def test_every_section_shows_the_permits_real_records(client, world):
    sign_in_as(client, world.staff)
    html = _page(client, world.permit.id)
    permit = world.permit

    details = _section(html, "details")
    assert permit.permit_num in details
    assert permit.original_address1 in details
    assert "New Construction" in details
    assert "7,200" in details

    parties = _section(html, "parties")
    for person in (world.owner, world.agent, world.contractor):
        assert person.name in parties
        assert f"/staff/people/{person.id}" in parties
    assert "invitee@example.com" in parties  # pending invitation
    assert world.stranger.name not in parties

    application = _section(html, "application")
    assert "CO-2026-WORLD1" in application
    assert "Ari Architect" in application
    assert f"/staff/applications/{world.application.id}" in application
    assert f"/application/documents/{world.document.id}" in application

    inspections = _section(html, "inspections")
    assert "No cleanout at the base of the soil stack" in inspections
    assert "Failed" in inspections
    assert f"/staff/inspections/{world.inspection_request.id}/schedule" in inspections
    assert f"/staff/permits/{permit.id}/required-inspections" in inspections

    fees = _section(html, "fees")
    assert "Waived: Inspector&#39;s error" in fees
    assert world.payment.receipt_number in fees
    assert f"/payments/{world.payment.id}/receipt.pdf" in fees
    assert f"/staff/payments/{world.payment.id}" in fees
    assert f"/permits/{permit.id}/fees" in fees

    certificates = _section(html, "certificates")
    assert world.certificate.number in certificates
    assert "Occupancy load corrected" in certificates
    assert "Superseded" in certificates
    assert "Current" in certificates
    for version in world.certificate.versions:
        assert f"/versions/{version.id}/pdf" in certificates
    assert world.other_certificate.number not in html

    pickups = _section(html, "pickups")
    assert "Booked" in pickups
    assert world.owner.name in pickups

    assert "waived: Inspector&#39;s error" in _section(html, "timeline")

    entries = _section(html, "audit")
    # The latest few entries; every entry about the permit and its records is a page away.
    assert entries.count("<tr>") - 1 == AUDIT_LIMIT
    assert f"/staff/permits/{permit.id}/audit" in entries
    every = client.get(f"/staff/permits/{permit.id}/audit")
    check_page(every.data)
    assert "fee.waived" in every.text
    assert "inspection.result_recorded" in every.text


def test_the_permits_audit_page_lists_only_its_own_records_entries_newest_first(
    client, world, app, monkeypatch
):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    sign_in_as(client, world.staff)
    with app.test_request_context():
        for n in range(4):
            audit.record(f"test.permit{n}", world.permit, actor=world.staff)
        audit.record("test.other_permit", world.other_permit, actor=world.staff)
        db.session.commit()
    first = client.get(f"/staff/permits/{world.permit.id}/audit")
    check_page(first.data)
    assert first.text.index("test.permit3") < first.text.index("test.permit1")
    assert "test.permit0" not in first.text
    assert "test.other_permit" not in first.text
    older = client.get(f"/staff/permits/{world.permit.id}/audit?before=" + _oldest(first.text))
    assert "test.permit0" in older.text
    assert "test.other_permit" not in older.text
    assert client.get("/staff/permits/999999/audit").status_code == 404


def _oldest(html: str) -> str:
    return html.split("before=")[1].split('"')[0]


def test_a_permit_with_nothing_yet_still_renders(client, app):
    staff = make_user(role=Role.STAFF)
    permit = make_permit()
    sign_in_as(client, staff)
    html = _page(client, permit.id)
    assert "Nobody has claimed this permit yet." in html
    assert "No application has been started." in html
    assert "No certificate has been issued." in html
    assert "No audit entries yet." in html


def test_the_query_count_does_not_grow_with_the_records(client, app, world):
    sign_in_as(client, world.staff)
    with counted_queries() as few:
        _page(client, world.permit.id)
    with app.test_request_context():
        for n in range(6):
            person = make_user()
            add_party(world.permit, person, PartyRole.CONTRACTOR, trade="plumbing")
            timeline.add(world.permit, "party.added", actor=person, name=person.name, role="x")
            fee = Fee(
                permit_id=world.permit.id,
                kind=FeeKind.REINSPECTION,
                amount_cents=100 + n,
                reason=f"Reinspection {n}",
            )
            db.session.add(fee)
            db.session.flush()
            audit.record("fee.assessed", fee, actor=world.staff)
        db.session.commit()
    with counted_queries() as many:
        html = _page(client, world.permit.id)
    assert "Reinspection 5" in html
    assert len(many) == len(few)
    assert len(many) <= 25


def test_a_missing_permit_or_person_is_404(client, app):
    sign_in_as(client, make_user(role=Role.STAFF))
    assert client.get("/staff/permits/999999").status_code == 404
    assert client.get("/staff/people/999999").status_code == 404


def test_parties_applicants_and_anonymous_are_refused(app, client, world):
    for url in (f"/staff/permits/{world.permit.id}", f"/staff/people/{world.owner.id}"):
        assert app.test_client().get(url).status_code in (302, 401)
        sign_in_as(client, world.owner)
        response = client.get(url)
        assert response.status_code == 404
        assert world.permit.permit_num not in response.get_data(as_text=True)


def test_the_person_page_lists_permits_and_applications(client, world):
    sign_in_as(client, world.staff)
    response = client.get(f"/staff/people/{world.owner.id}")
    assert response.status_code == 200
    check_page(response.data)
    html = response.get_data(as_text=True)
    assert world.owner.email in html
    assert "Applicant" in html
    assert world.permit.permit_num in html
    assert "Owner" in html
    assert "CO-2026-WORLD1" in html
    assert world.other_permit.permit_num not in html
    # An applicant's page has no staff-account link, even for admins.
    assert "/staff/users/" not in html


def test_admins_see_the_staff_account_link_on_a_staff_members_page(client, world):
    sign_in_as(client, world.staff)
    assert "/staff/users/" not in client.get(f"/staff/people/{world.admin.id}").text
    sign_in_as(client, world.admin)
    html = client.get(f"/staff/people/{world.staff.id}").get_data(as_text=True)
    assert f"/staff/users/{world.staff.id}" in html


def test_the_person_page_query_count_is_fixed(client, world):
    sign_in_as(client, world.staff)
    with counted_queries() as few:
        client.get(f"/staff/people/{world.owner.id}")
    for _ in range(5):
        add_party(make_permit(), world.owner, PartyRole.AGENT)
    with counted_queries() as many:
        html = client.get(f"/staff/people/{world.owner.id}").get_data(as_text=True)
    assert html.count("Agent") >= 5
    assert len(many) == len(few)


def test_the_answers_show_the_applications_contacts_and_current_documents(client, world):
    """The record reads the application as columns (issue 17): its contacts, and only the
    documents not removed (the model's current set), as the applicant sees them."""
    sign_in_as(client, world.staff)
    with counted_queries() as before:
        _page(client, world.permit.id)
    world.document.removed_in = 1
    world.application.contacts[1].name = "Nora Newer"
    current = ApplicationDocument(
        application_id=world.application.id,
        document_type=DocumentType.FLOOR_PLAN,
        stored_file_id=world.document.stored_file_id,
        filename="floor-plan.pdf",
        uploaded_by_id=world.owner.id,
        added_in=2,
    )
    db.session.add(current)
    db.session.commit()
    with counted_queries() as after:
        application = _section(_page(client, world.permit.id), "application")
    assert "Nora Newer" in application
    assert world.owner.name in application
    assert f"/application/documents/{current.id}" in application
    assert "floor-plan.pdf" in application
    assert f"/application/documents/{world.document.id}" not in application
    assert len(after) == len(before)


def test_the_permit_page_reads_its_checklist_once_and_the_settings_only_when_they_matter(
    client, world
):
    """Issue 17: the required inspections and their visits are one statement, and the
    settings row ("block requests while a reinspection fee is unpaid") is read only when
    such a fee is unpaid."""
    sign_in_as(client, world.owner)
    with counted_queries() as statements:
        response = client.get(f"/permits/{world.permit.id}")
    assert response.status_code == 200
    assert "No cleanout at the base of the soil stack" in response.text
    inspections = [s for s in statements if "inspection_requests" in s]
    assert len(inspections) == 1
    assert "required_inspections" in inspections[0]
    assert not [s for s in statements if "portal_settings" in s]

    with client.application.test_request_context():
        payment_services.assess_fee(
            world.permit, FeeKind.REINSPECTION, reason="Reinspection", actor=world.staff
        )
        db.session.commit()
    with counted_queries() as statements:
        response = client.get(f"/permits/{world.permit.id}")
    assert "Pay the reinspection fee before requesting inspections" in response.text
    assert len([s for s in statements if "portal_settings" in s]) == 1
