"""Who may cancel or reschedule a request: whoever made it, the owner and agents, staff;
not another contractor on the permit (a late cancellation would charge the permit)."""

from datetime import date

import pytest

from portal.errors import DomainError
from portal.inspections import requests
from portal.inspections.models import InspectionStatus
from portal.permits.models import PartyRole
from tests.factories import add_party, make_user, sign_in_as
from tests.factories.inspections import make_request, reload
from tests.support.pages import check_page

NEW_DATES = {"preferred_date_1": "2026-05-27", "window": "afternoon"}


@pytest.fixture
def plumber(permit):
    plumber = make_user(name="Pat Plumber", email="plumber@example.com")
    add_party(permit, plumber, PartyRole.CONTRACTOR, trade="plumbing")
    return plumber


def _url(permit, inspection_request, action: str = "") -> str:
    return f"/permits/{permit.id}/inspections/{inspection_request.id}{action}"


def test_the_contractor_who_asked_cancels_and_reschedules_their_own_request(
    contractor_client, permit, contractor
):
    mine = make_request(permit, contractor, "ELEC-RGH")
    page = contractor_client.get(_url(permit, mine))
    check_page(page.data)
    assert b"Change the dates" in page.data
    assert b"Cancel the inspection" in page.data

    moved = contractor_client.post(
        _url(permit, mine, "/reschedule"), data={"version": str(mine.version), **NEW_DATES}
    )
    assert moved.status_code == 302
    assert reload(mine).preferred_dates == [date(2026, 5, 27)]

    cancelled = contractor_client.post(
        _url(permit, mine, "/cancel"), data={"version": str(reload(mine).version)}
    )
    assert cancelled.status_code == 302
    assert reload(mine).status == InspectionStatus.CANCELLED


def test_another_contractor_on_the_permit_sees_the_request_but_cannot_change_it(
    app, permit, contractor, plumber
):
    theirs = make_request(permit, contractor, "ELEC-RGH")
    client = app.test_client()
    sign_in_as(client, plumber)

    page = client.get(_url(permit, theirs))
    check_page(page.data)
    assert b"Rough electrical" in page.data
    assert b"Change the dates" not in page.data
    assert b"Cancel the inspection" not in page.data

    for action in ("/cancel", "/reschedule"):
        assert client.get(_url(permit, theirs, action)).status_code == 404
    version = str(theirs.version)
    cancel = client.post(_url(permit, theirs, "/cancel"), data={"version": version})
    assert cancel.status_code == 404
    reschedule = client.post(
        _url(permit, theirs, "/reschedule"), data={"version": version, **NEW_DATES}
    )
    assert reschedule.status_code == 404
    unchanged = reload(theirs)
    assert unchanged.status == InspectionStatus.REQUESTED
    assert unchanged.version == theirs.version


def test_the_owner_changes_a_contractor_s_request(owner_client, permit, contractor):
    theirs = make_request(permit, contractor, "ELEC-RGH")
    page = owner_client.get(_url(permit, theirs))
    assert b"Cancel the inspection" in page.data
    response = owner_client.post(
        _url(permit, theirs, "/reschedule"), data={"version": str(theirs.version), **NEW_DATES}
    )
    assert response.status_code == 302
    assert reload(theirs).preferred_dates == [date(2026, 5, 27)]


def test_the_services_refuse_a_contractor_who_did_not_ask(permit, contractor, plumber):
    theirs = make_request(permit, contractor, "ELEC-RGH")
    with pytest.raises(DomainError, match="Only the person who asked"):
        requests.cancel_request(theirs, plumber, theirs.version)
    with pytest.raises(DomainError, match="Only the person who asked"):
        requests.reschedule_request(
            reload(theirs),
            plumber,
            {"preferred_date_1": date(2026, 5, 27), "window": "morning"},
            reload(theirs).version,
        )
    assert reload(theirs).status == InspectionStatus.REQUESTED
