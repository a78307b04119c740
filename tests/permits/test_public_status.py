"""The public status lookup: anyone finds a permit by number or address and reads what the
city publishes about it, and nothing personal."""

from sqlalchemy import select

from portal.applications.models import ApplicationStatus
from portal.extensions import db
from portal.inspections.models import RequiredInspection
from portal.models import utcnow
from portal.payments.models import Fee
from portal.permits import public_status
from portal.permits.models import PermitStatus
from portal.template_helpers import long_date
from tests.factories import make_permit
from tests.factories.world import build_world
from tests.support.pages import check_page


def _milwaukee(**fields):
    return make_permit(original_address1="1456 N Milwaukee Ave", **fields)


def test_the_search_page_needs_no_account(client):
    page = client.get("/status")
    assert page.status_code == 200
    check_page(page.data)
    assert b"Permit number or address" in page.data
    assert b'href="/verify"' in page.data


def test_a_permit_number_leads_to_the_permit_in_any_case_and_spacing(client):
    permit = make_permit()
    spellings = (permit.permit_num, permit.permit_num.lower(), permit.permit_num.replace("-", " "))
    for typed in spellings:
        response = client.get("/status", query_string={"q": typed})
        assert response.status_code == 302, typed
        assert response.headers["Location"].endswith(f"/status/{permit.permit_num}")


def test_an_address_finds_the_permit_with_or_without_direction_and_suffix(client):
    permit = _milwaukee()
    for typed in (
        "1456 Milwaukee",
        "1456 milwaukee ave",
        "1456 N Milwaukee",
        "1456 North Milwaukee Avenue",
        "1456 n. milwaukee ave.",
        "1456 Milw",
    ):
        page = client.get("/status", query_string={"q": typed})
        assert page.status_code == 200, typed
        check_page(page.data)
        assert f'href="/status/{permit.permit_num}"'.encode() in page.data, typed


def test_an_address_finds_every_permit_there_and_no_other_street(client):
    first = _milwaukee()
    second = _milwaukee()
    elsewhere = make_permit(original_address1="1456 S Milwaukee Ave")
    other_suffix = make_permit(original_address1="1456 N Milwaukee St")
    page = client.get("/status", query_string={"q": "1456 N Milwaukee Ave"})
    assert first.permit_num.encode() in page.data
    assert second.permit_num.encode() in page.data
    assert elsewhere.permit_num.encode() not in page.data
    assert other_suffix.permit_num.encode() not in page.data
    assert b"2 permits at 1456 N Milwaukee Ave" in page.data


def test_a_stored_direction_spelt_out_is_found_by_its_letter(client):
    permit = make_permit(original_address1="3300 West Fullerton Avenue")
    result = public_status.lookup("3300 W Fullerton Ave")
    assert [found.number for found in result.matches] == [permit.permit_num]


def test_a_miss_says_what_was_searched_and_links_to_the_contact_details(client):
    _milwaukee()
    for typed in ("1457 Milwaukee", "BP-1999-000000", "Milwaukee"):
        page = client.get("/status", query_string={"q": typed})
        assert page.status_code == 404
        check_page(page.data)
        text = page.get_data(as_text=True)
        assert f"We found no permit numbered or at “{typed}”." in text
        assert 'href="/help#contact"' in text


def test_an_unknown_permit_page_is_a_404_that_helps(client):
    page = client.get("/status/BP-1999-000000")
    assert page.status_code == 404
    check_page(page.data)
    assert "BP-1999-000000" in page.get_data(as_text=True)
    assert b'href="/help#contact"' in page.data


def test_a_nul_or_control_character_in_the_address_bar_is_a_plain_miss(client):
    permit = make_permit()
    for path in (
        f"/status/{permit.permit_num}%00",
        "/status/%01",
        "/status?q=1456%00Main",
        "/status?q=1%01Main",
    ):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        check_page(response.data)


def test_a_blank_search_asks_for_a_number_or_an_address(client):
    page = client.get("/status", query_string={"q": "  "})
    check_page(page.data)
    assert b"There is a problem" in page.data
    assert b"Enter a permit number or an address" in page.data


def test_a_long_query_is_refused_and_kept_escaped(client):
    page = client.get("/status", query_string={"q": "1456 <script>" + "x" * 100})
    check_page(page.data)
    assert b"Enter at most 100 characters" in page.data
    assert b"1456 &lt;script&gt;xxx" in page.data
    assert b"<script>x" not in page.data


def test_lookups_are_rate_limited_per_address_across_search_and_pages(client):
    permit = make_permit()
    statuses = [client.get(f"/status/{permit.permit_num}").status_code for _ in range(20)]
    misses = [client.get("/status", query_string={"q": "1 Main St"}) for _ in range(11)]
    statuses += [response.status_code for response in misses]
    assert statuses[:20] == [200] * 20
    assert statuses[20:30] == [404] * 10
    assert statuses[30] == 429


def test_the_public_page_shows_what_the_city_publishes(client):
    world = build_world(ApplicationStatus.UNDER_REVIEW)
    permit = world.permit
    passed = db.session.scalar(
        select(RequiredInspection).where(
            RequiredInspection.permit_id == permit.id,
            RequiredInspection.id != world.inspection_request.required_inspection_id,
        )
    )
    passed.passed_at = utcnow()
    db.session.commit()
    world.schedule_open_request()
    visit = world.inspection_request.visit_date

    page = client.get(f"/status/{permit.permit_num}")
    assert page.status_code == 200
    check_page(page.data)
    text = page.get_data(as_text=True)
    for shown in (
        permit.permit_num,
        permit.original_address1,
        permit.description,
        str(PermitStatus.ISSUED.label),
        "Status: Under review",
        passed.inspection_type.name,
        f"Passed on {long_date(passed.passed_at)}",
        f"Next visit on {long_date(visit)}",
        f'href="/verify/{world.certificate.number}"',
    ):
        assert shown in text, shown


def test_the_public_page_shows_no_personal_data(client):
    world = build_world(ApplicationStatus.UNDER_REVIEW)
    permit = world.permit
    permit.contractor_company_name = "Lakeshore Builders LLC"
    permit.contractor_lic_num = "GC-104522"
    for contact in world.application.contacts:
        contact.email = f"{contact.role.value}@contacts.example.com"
        contact.phone = "773-555-0142"
        contact.company = "Ines Architecture Studio"
    world.owner.phone = "312-555-0177"
    db.session.commit()
    world.schedule_open_request()
    fees = db.session.scalars(select(Fee).where(Fee.permit_id == permit.id)).all()
    personal = {
        permit.access_code,
        permit.contractor_company_name,
        permit.contractor_lic_num,
        world.owner.phone,
        world.invitation.email,
        world.document.filename,
        world.inspection_request.contact_name,
        world.inspection_request.contact_phone,
        world.inspection_request.access_notes,
        "No cleanout at the base of the soil stack",  # a deficiency the inspector recorded
        "$",  # no amount of any fee, payment or project cost
        *(user.name for user in (world.owner, world.agent, world.contractor, world.staff)),
        *(user.email for user in (world.owner, world.agent, world.contractor, world.staff)),
        *(contact.name for contact in world.application.contacts),
        *(contact.email for contact in world.application.contacts),
        *(contact.phone for contact in world.application.contacts),
        *(contact.company for contact in world.application.contacts),
        world.application.confirmation_number,
    }
    assert fees
    assert all(fee.amount_cents for fee in fees)

    page = client.get(f"/status/{permit.permit_num}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    leaked = sorted(value for value in personal if value and value in text)
    assert leaked == []
    assert "/documents" not in text
    assert ".pdf" not in text


def test_a_draft_application_is_not_published(client):
    world = build_world(ApplicationStatus.DRAFT)
    text = client.get(f"/status/{world.permit.permit_num}").get_data(as_text=True)
    assert "No application has been submitted for this permit." in text
    assert "Draft" not in text
