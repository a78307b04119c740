"""Requesting an inspection: the rules, the refusals with their way forward, bad input."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.applications.models import ApplicationStatus
from portal.extensions import db
from portal.inspections import deadlines
from portal.inspections.errors import InvalidRequest
from portal.inspections.forms import DUTY_LABELS
from portal.inspections.models import InspectionRequest, InspectionStatus
from portal.payments import services as payments
from portal.payments.models import FeeKind
from portal.permits.models import PermitStatus
from portal.timeline import TimelineEntry
from tests.factories import make_application, make_permit, make_user, set_settings, sign_in_as
from tests.factories.inspections import (
    MEMORIAL_DAY,
    NEXT_TUESDAY,
    TODAY,
    derive,
    form_data,
    make_request,
    required_by_code,
)
from tests.support.mail import outbox
from tests.support.pages import check_page


def url(permit) -> str:
    return f"/permits/{permit.id}/inspections/request"


def count_requests() -> int:
    return db.session.scalar(select(func.count(InspectionRequest.id)))


def test_a_contractor_requests_an_inspection(contractor_client, permit, contractor, owner):
    required = required_by_code(permit, "ELEC-RGH")
    page = contractor_client.get(url(permit) + f"?required={required.id}")
    assert page.status_code == 200
    check_page(page.data)
    assert b"The stamped, approved plans will be on site" in page.data

    response = contractor_client.post(url(permit), data=form_data(required))
    assert response.status_code == 302
    created = db.session.scalar(select(InspectionRequest))
    assert response.headers["Location"].endswith(f"/permits/{permit.id}/inspections/{created.id}")
    assert created.status == InspectionStatus.REQUESTED
    assert created.requested_by_id == contractor.id
    assert created.preferred_dates[0].isoformat() == "2026-05-20"
    assert created.confirm_plans
    assert created.confirm_equipment
    assert {m.to_address for m in outbox()} == {contractor.email, owner.email}
    assert "Rough electrical" in outbox(owner.email)[0].body_text
    assert any(e.event == "inspection.requested" for e in db.session.scalars(select(TimelineEntry)))

    detail = contractor_client.get(response.headers["Location"])
    check_page(detail.data)
    assert b"Gate code 4412" in detail.data


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-05-23", b"is a weekend day"),
        (MEMORIAL_DAY.isoformat(), b"is a holiday (Memorial Day)"),
        (TODAY.isoformat(), b"has passed or is today"),
        ("2026-05-01", b"has passed or is today"),
        ("2026-05-19", b"is too soon"),
        ("2026-02-30", b"Enter a real date"),
        ("next week", b"Enter a real date"),
    ],
)
def test_bad_dates_are_refused_and_the_answers_kept(contractor_client, permit, value, message):
    required = required_by_code(permit, "ELEC-RGH")
    response = contractor_client.post(url(permit), data=form_data(required, preferred_date_1=value))
    assert response.status_code == 200
    check_page(response.data)
    assert message in response.data
    assert b"Error:" in response.data
    assert b'value="Carla Site"' in response.data
    assert b"Gate code 4412" in response.data
    assert count_requests() == 0


def test_a_repeated_date_and_a_later_bad_choice_are_refused(contractor_client, permit):
    required = required_by_code(permit, "ELEC-RGH")
    same = contractor_client.post(
        url(permit), data=form_data(required, preferred_date_2="2026-05-20")
    )
    assert b"different date for each choice" in same.data
    third = contractor_client.post(
        url(permit), data=form_data(required, preferred_date_3=MEMORIAL_DAY.isoformat())
    )
    assert b"Memorial Day" in third.data
    assert count_requests() == 0


def test_every_duty_must_be_confirmed_and_the_summary_names_each(contractor_client, permit):
    required = required_by_code(permit, "ELEC-RGH")
    response = contractor_client.post(
        url(permit), data=form_data(required, confirm_access=None, confirm_plans=None)
    )
    check_page(response.data)
    html = response.data.decode()
    for duty in ("confirm_access", "confirm_plans"):
        assert f'<a href="#{duty}">Confirm: {DUTY_LABELS[duty]}</a>'.replace("'", "&#39;") in html
    assert "Confirm this to request the inspection" not in html
    assert count_requests() == 0


def test_the_date_pickers_offer_only_the_days_the_rules_allow(contractor_client, permit):
    """Earliest: the lead time after today (the fixed Monday, 18 May 2026); latest: 182 days."""
    page = contractor_client.get(url(permit))
    check_page(page.data)
    earliest = deadlines.earliest_inspection_day()
    latest = TODAY + timedelta(days=182)
    for n in (1, 2, 3):
        assert (
            f'id="preferred_date_{n}" max="{latest.isoformat()}" min="{earliest.isoformat()}"'
            in page.data.decode()
        )
    # The hint writes the example as the picker shows a day in English (mm/dd/yyyy).
    assert earliest.strftime("For example %m/%d/%Y, the earliest.").encode() in page.data
    too_far = contractor_client.post(
        url(permit),
        data=form_data(
            required_by_code(permit, "ELEC-RGH"),
            preferred_date_2=(latest + timedelta(days=3)).isoformat(),
        ),
    )
    assert b"is too far ahead" in too_far.data
    assert count_requests() == 0


def test_a_bad_date_is_reported_with_the_other_errors(contractor_client, permit):
    """The calendar's refusal comes with the missing duties, not only once they are fixed."""
    required = required_by_code(permit, "ELEC-RGH")
    response = contractor_client.post(
        url(permit),
        data=form_data(required, preferred_date_2="2026-05-23", confirm_access=None),
    )
    check_page(response.data)
    assert b"Saturday 23 May 2026 is a weekend day" in response.data
    assert b"Confirm: " in response.data
    assert b'href="#preferred_date_2"' in response.data
    assert b'href="#confirm_access"' in response.data
    assert count_requests() == 0


def test_an_inspection_not_on_the_permit_is_refused(contractor_client, permit, seeded):
    other = make_permit(scope=["boiler"])
    derive(other)
    foreign = required_by_code(other, "BOIL-FIN")
    response = contractor_client.post(url(permit), data=form_data(foreign))
    assert response.status_code == 200
    check_page(response.data)
    assert b"one of this permit&#39;s required inspections" in response.data
    assert count_requests() == 0


def test_a_second_open_request_for_the_same_inspection_is_refused(
    contractor_client, permit, contractor
):
    make_request(permit, contractor)
    required = required_by_code(permit, "ELEC-RGH")
    response = contractor_client.post(url(permit), data=form_data(required))
    check_page(response.data)
    assert b"already been requested" in response.data
    assert count_requests() == 1


def test_a_finaled_permit_takes_no_requests(contractor_client, permit):
    permit.status_current = PermitStatus.FINALED
    db.session.commit()
    required = required_by_code(permit, "ELEC-RGH")
    response = contractor_client.post(url(permit), data=form_data(required))
    check_page(response.data)
    assert b"is Finaled, so no more inspections can be requested" in response.data
    assert b'if work is still going on. <a href="/help#contact">' in response.data
    assert count_requests() == 0


def test_an_unpaid_reinspection_fee_blocks_requests_with_a_link_to_the_fees(
    app, contractor_client, permit
):
    payments.assess_fee(permit, FeeKind.REINSPECTION, reason="No access")
    db.session.commit()
    required = required_by_code(permit, "ELEC-RGH")
    response = contractor_client.post(url(permit), data=form_data(required))
    check_page(response.data)
    assert b"A reinspection fee on this permit is unpaid" in response.data
    assert f'href="/permits/{permit.id}/fees"'.encode() in response.data
    assert count_requests() == 0

    set_settings(block_requests_when_fees_unpaid=False)
    allowed = contractor_client.post(url(permit), data=form_data(required))
    assert allowed.status_code == 302
    assert count_requests() == 1


def test_an_inspection_fee_is_assessed_when_the_type_has_one(permit, contractor):
    required = required_by_code(permit, "ELEC-RGH")
    required.inspection_type.fee_cents = 7500
    db.session.commit()
    inspection_request = make_request(permit, contractor)
    fees = payments.fees_for_permit(permit.id)
    assert [(f.kind, f.amount_cents, f.inspection_request_id) for f in fees] == [
        (FeeKind.INSPECTION, 7500, inspection_request.id)
    ]


def test_cofo_inspections_wait_for_the_accepted_application(permit, contractor, owner):
    with pytest.raises(InvalidRequest, match="accepted your C of O application"):
        make_request(permit, contractor, "COFO-DOB")
    make_application(permit, owner, status=ApplicationStatus.ACCEPTED)
    assert make_request(permit, contractor, "COFO-DOB").status == InspectionStatus.REQUESTED


def test_later_dates_are_fine(permit, contractor):
    created = make_request(permit, contractor, preferred_date_1=NEXT_TUESDAY, preferred_date_2=None)
    assert created.preferred_dates == [NEXT_TUESDAY]


def test_people_not_on_the_permit_get_a_404(client, permit):
    sign_in_as(client, make_user())
    assert client.get(url(permit)).status_code == 404
    assert client.get(f"/permits/{permit.id}/inspections").status_code == 404


def test_another_permit_s_request_id_is_a_404(owner_client, permit, contractor, seeded, owner):
    other = make_permit(scope=["electrical"])
    from portal.permits.models import PartyRole
    from tests.factories import add_party

    add_party(other, owner, PartyRole.OWNER)
    derive(other)
    foreign = make_request(other, owner)
    assert owner_client.get(f"/permits/{permit.id}/inspections/{foreign.id}").status_code == 404
    assert (
        owner_client.get(f"/permits/{permit.id}/inspections/{foreign.id}/cancel").status_code == 404
    )
    assert owner_client.get(f"/permits/{other.id}/inspections/{foreign.id}").status_code == 200


def test_the_permit_page_shows_the_checklist_by_stage(owner_client, permit, contractor):
    make_request(permit, contractor)
    response = owner_client.get(f"/permits/{permit.id}")
    assert response.status_code == 200
    check_page(response.data)
    html = response.data.decode()
    assert html.index("Underground") < html.index("Rough") < html.index("Final")
    assert "Plumbing underground" in html
    assert "Waiting for the department to schedule it" in html
    assert "Request this inspection" in html
    listing = owner_client.get(f"/permits/{permit.id}/inspections")
    check_page(listing.data)
