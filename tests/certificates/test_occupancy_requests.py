"""Occupancy requests: the owner asks for partial or temporary occupancy (with documents), an
extension or an optional C of O; staff accept (issue, extend, approve) or refuse with a
reason, and the timeline and an email say which."""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import calendar
from portal.certificates import occupancy, reading, versions
from portal.certificates.errors import InvalidCertificate
from portal.certificates.models import (
    CertificateKind,
    OccupancyRequest,
    RequestKind,
    RequestStatus,
)
from portal.errors import DomainError
from portal.extensions import db
from portal.inspections.models import (
    InspectionResult,
)
from portal.timeline import TimelineEntry
from tests.factories import certificates as factories
from tests.support.files import PDF
from tests.support.mail import emails_to
from tests.support.pages import check_page


def _timeline(permit_id: int) -> list[str]:
    return [
        entry.event
        for entry in db.session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.permit_id == permit_id)
            .order_by(TimelineEntry.id)
        )
    ]


def _ask(application, owner, kind=RequestKind.TEMPORARY, **fields):
    values = {
        "portion": "Floors 1-3, units 101-312",
        "wanted_from": calendar.local_today() + timedelta(days=3),
        "reason": "Tenants move in on the first of the month",
        **fields,
    }
    return occupancy.request_occupancy(application.permit, owner, kind, **values)


def test_the_owner_requests_temporary_occupancy_from_the_permit(owner_client, application, owner):
    url = f"/permits/{application.permit_id}/occupancy-requests/new"
    page = owner_client.get(url)
    check_page(page.data)
    response = owner_client.post(
        url,
        data={
            "kind": "temporary",
            "portion": "",
            "wanted_from": "not a date",
            "reason": "Tenants move in",
            "documents": (io.BytesIO(PDF), "floor-plan.pdf"),
        },
        content_type="multipart/form-data",
    )
    check_page(response.data)
    text = response.get_data(as_text=True)
    assert "Enter which part of the building to occupy" in text
    assert "Tenants move in" in text  # what was typed is kept
    response = owner_client.post(
        url,
        data={
            "kind": "temporary",
            "portion": "Floors 1-3",
            "wanted_from": calendar.local_today().isoformat(),
            "reason": "Tenants move in",
            "documents": (io.BytesIO(PDF), "floor-plan.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [request] = reading.requests_for_permit(application.permit_id)
    assert request.kind == RequestKind.TEMPORARY
    assert [d.filename for d in request.documents] == ["floor-plan.pdf"]
    assert "occupancy.requested_temporary" in _timeline(application.permit_id)


def test_one_open_request_of_a_kind(application, owner):
    _ask(application, owner)
    with pytest.raises(DomainError, match="already waiting"):
        _ask(application, owner)


def test_a_date_in_the_past_is_refused(application, owner):
    with pytest.raises(InvalidCertificate, match="today or later") as refused:
        _ask(application, owner, wanted_from=calendar.local_today() - timedelta(days=1))
    assert refused.value.field == "wanted_from"


def test_staff_accept_by_issuing_the_requested_certificate(staff_client, application, owner, staff):
    request = _ask(application, owner)
    queue = staff_client.get("/staff/occupancy-requests")
    check_page(queue.data)
    assert b"Temporary occupancy" in queue.data
    detail = staff_client.get(f"/staff/occupancy-requests/{request.id}")
    check_page(detail.data)
    issue_url = f"/staff/applications/{application.id}/certificate?request={request.id}"
    assert issue_url.replace("&", "&amp;").encode() in detail.data
    page = staff_client.get(issue_url)
    check_page(page.data)
    assert b"Floors 1-3, units 101-312" in page.data
    response = staff_client.post(
        issue_url,
        data=factories.form_data(
            application,
            certificate_type="temporary",
            portion_of_building="Floors 1-3, units 101-312",
            expires_on=(calendar.local_today() + timedelta(days=90)).isoformat(),
            outstanding_matters="Roof deck railings",
        ),
    )
    assert response.status_code == 302
    db.session.refresh(request)
    assert request.status == RequestStatus.ACCEPTED
    assert request.certificate.kind == CertificateKind.TEMPORARY
    timeline = _timeline(application.permit_id)
    assert "certificate.issued_temporary" in timeline
    assert "occupancy.accepted" in timeline
    assert any("accepted your request" in m.body_text for m in emails_to(owner.email))


def test_staff_refuse_with_a_reason_the_owner_reads(staff_client, application, owner):
    request = _ask(application, owner, RequestKind.PARTIAL)
    url = f"/staff/occupancy-requests/{request.id}/refuse"
    response = staff_client.post(
        url,
        data={
            "refuse-csrf_token": staff_client.csrf_token(),
            "refuse-version": str(request.version),
            "refuse-reason": "",
        },
    )
    check_page(response.data)
    assert b"Enter the reason for refusing the request" in response.data
    response = staff_client.post(
        url,
        data={
            "refuse-csrf_token": staff_client.csrf_token(),
            "refuse-version": str(request.version),
            "refuse-reason": "Floor 3 has no second exit yet",
        },
    )
    assert response.status_code == 302
    db.session.refresh(request)
    assert request.status == RequestStatus.REFUSED
    body = emails_to(owner.email)[-1].body_text
    assert "refused your request" in body
    assert "Floor 3 has no second exit yet" in body
    assert "occupancy.refused" in _timeline(application.permit_id)


def test_the_owner_asks_for_an_extension_and_staff_grant_it(application, owner, staff):
    temporary = factories.issue(
        application,
        staff,
        certificate_type="temporary",
        expires_on=calendar.local_today() + timedelta(days=10),
        outstanding_matters="Roof deck railings",
    )
    expires = temporary.current_version.expires_on
    with pytest.raises(InvalidCertificate, match="must be after"):
        occupancy.request_extension(temporary, owner, expires, "More time")
    request = occupancy.request_extension(
        temporary, owner, expires + timedelta(days=30), "Railings delayed"
    )
    new = versions.extend(temporary, staff, request.extend_to, "Railings delayed", request=request)
    assert new.expires_on == expires + timedelta(days=30)
    db.session.refresh(request)
    assert request.status == RequestStatus.ACCEPTED
    assert "occupancy.requested_extension" in _timeline(application.permit_id)
    assert "certificate.extended" in _timeline(application.permit_id)


def test_an_optional_c_of_o_is_requested_before_work_begins(application, owner, staff):
    """Seed: other projects, single-family homes included, "may request a C of O, but the
    request must be made online and approved before any construction begins"."""
    request = occupancy.request_optional(application.permit, owner, "Our lender asks")
    occupancy.approve_optional(request, staff, request.version)
    assert request.status == RequestStatus.ACCEPTED
    assert "The Certificate of Occupancy process now applies" in (
        emails_to(owner.email)[-1].body_text
    )


def test_an_optional_c_of_o_is_refused_once_an_inspection_is_recorded(
    owner_client, application, owner, staff
):
    request = occupancy.request_optional(application.permit, owner, "Our lender asks")
    factories.recorded_visit(application, owner, "ELEC-RGH", InspectionResult.PASSED)
    with pytest.raises(DomainError, match="before any construction work begins"):
        occupancy.approve_optional(request, staff, request.version)
    db.session.delete(request)
    db.session.commit()
    with pytest.raises(DomainError, match="an inspection result is already recorded"):
        occupancy.request_optional(application.permit, owner, "Our lender asks")
    page = owner_client.get(f"/permits/{application.permit_id}/optional-certificate")
    check_page(page.data)
    assert b"an inspection result is already recorded" in page.data
    assert b"Send the request" not in page.data
    assert db.session.scalar(select(OccupancyRequest.id)) is None


def test_the_request_queue_is_paged_oldest_first(staff_client, owner, small_pages):
    asked = []
    for n in range(3):
        application = factories.ready_application(owner)
        asked.append(_ask(application, owner, portion=f"Floor {n + 1}"))
    first = staff_client.get("/staff/occupancy-requests")
    check_page(first.data)
    text = first.get_data(as_text=True)
    assert "Floor 1" in text
    assert "Floor 2" in text
    assert "Floor 3" not in text
    next_link = re.search(r'href="(/staff/occupancy-requests\?after=[^"]+)"', text)
    assert next_link is not None
    second = staff_client.get(next_link[1].replace("&amp;", "&"))
    assert "Floor 3" in second.get_data(as_text=True)


def test_the_permit_page_says_the_optional_c_of_o_was_approved(
    owner_client, application, owner, staff
):
    page = owner_client.get(f"/permits/{application.permit_id}").get_data(as_text=True)
    assert "Request a C of O before work begins" in page
    request = occupancy.request_optional(application.permit, owner, "Our lender asks")
    occupancy.approve_optional(request, staff, request.version)
    page = owner_client.get(f"/permits/{application.permit_id}")
    check_page(page.data)
    text = page.get_data(as_text=True)
    assert "the C of O process applies to this permit" in text
    assert "Request a C of O before work begins" not in text


def test_extending_from_the_certificate_page_answers_the_open_request(
    staff_client, application, owner, staff
):
    temporary = factories.issue(
        application,
        staff,
        certificate_type="temporary",
        expires_on=calendar.local_today() + timedelta(days=10),
        outstanding_matters="Roof deck railings",
    )
    new_date = temporary.current_version.expires_on + timedelta(days=30)
    request = occupancy.request_extension(temporary, owner, new_date, "Railings delayed")
    response = staff_client.post(
        f"/staff/certificates/{temporary.id}/extend",
        data={
            "extend-csrf_token": staff_client.csrf_token(),
            "extend-expires_on": new_date.isoformat(),
            "extend-reason": "Railings delayed",
        },
    )
    assert response.status_code == 302
    db.session.refresh(request)
    assert request.status == RequestStatus.ACCEPTED


def test_a_request_whose_documents_the_store_cannot_take_keeps_the_form(
    owner_client, application, store_down
):
    response = owner_client.post(
        f"/permits/{application.permit_id}/occupancy-requests/new",
        data={
            "kind": "temporary",
            "portion": "Floors 1-3",
            "wanted_from": calendar.local_today().isoformat(),
            "reason": "Tenants move in",
            "documents": (io.BytesIO(PDF), "floor-plan.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    check_page(response.data)
    text = response.get_data(as_text=True)
    assert "The document store cannot be reached just now" in text
    assert "Floors 1-3" in text
    assert "Tenants move in" in text
    assert reading.requests_for_permit(application.permit_id) == []
