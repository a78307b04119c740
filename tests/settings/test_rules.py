"""The working rules page: saving, refusing nonsense and stale forms, who may use it, and
that a saved rule changes what the inspection services do."""

import pytest
from flask import g

from portal.errors import DomainError, StaleRecord
from portal.extensions import db
from portal.inspections import deadlines
from portal.inspections.errors import CapacityFull, InvalidRequest
from portal.payments import services as payments
from portal.payments.models import FeeKind
from portal.settings import services
from portal.settings.models import DEFAULTS, PortalSettings
from tests.factories import make_user, sign_in_as
from tests.factories.inspections import NEXT_TUESDAY, THURSDAY, WEDNESDAY, make_request, schedule
from tests.factories.settings import stored_settings
from tests.support.audit import audit_entries
from tests.support.pages import check_page, input_value

URL = "/staff/settings"


def form(**overrides) -> dict:
    data = {
        "version": "0",
        "inspection_lead_business_days": "2",
        "inspection_cutoff_business_days": "1",
        "inspector_daily_capacity": "8",
        "stale_inspection_days": "60",
        "block_requests_when_fees_unpaid": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_index_shows_the_defaults_and_links_every_settings_page(admin_client):
    response = admin_client.get(URL)
    assert response.status_code == 200
    check_page(response.data)
    html = response.get_data(as_text=True)
    for link in (
        "/staff/settings/holidays",
        "/staff/settings/fees",
        "/staff/inspection-types",
        "/staff/pickup-hours",
    ):
        assert f'href="{link}"' in html
    assert input_value(html, "inspector_daily_capacity") == "8"
    assert input_value(html, "version") == "0"
    assert stored_settings() is None


def test_the_first_save_inserts_the_row_and_audits_old_and_new_values(admin_client, admin):
    response = admin_client.post(
        URL, data=form(inspector_daily_capacity="4", block_requests_when_fees_unpaid=None)
    )
    assert response.status_code == 302
    saved = stored_settings()
    assert (saved.id, saved.version) == (1, 1)
    assert saved.inspector_daily_capacity == 4
    assert saved.block_requests_when_fees_unpaid is False
    assert saved.inspection_lead_business_days == 2
    [entry] = audit_entries("settings.changed")
    assert entry.actor_id == admin.id
    assert (entry.record_type, entry.record_id) == ("PortalSettings", 1)
    assert entry.details == {
        "inspector_daily_capacity": "8 -> 4",
        "block_requests_when_fees_unpaid": "True -> False",
    }

    page = admin_client.get(URL)
    check_page(page.data)
    html = page.get_data(as_text=True)
    assert "The settings are saved" in html
    assert input_value(html, "inspector_daily_capacity") == "4"
    assert input_value(html, "version") == "1"

    admin_client.post(URL, data=form(version="1", stale_inspection_days="1,200"))
    assert stored_settings().version == 2
    assert stored_settings().stale_inspection_days == 1200
    assert audit_entries("settings.changed")[-1].details == {
        "inspector_daily_capacity": "4 -> 8",
        "block_requests_when_fees_unpaid": "False -> True",
        "stale_inspection_days": "60 -> 1200",
    }


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("inspector_daily_capacity", "0", "Enter a number from 1 to 50"),
        ("inspector_daily_capacity", "51", "Enter a number from 1 to 50"),
        ("inspection_lead_business_days", "-1", "Enter a number from 1 to 30"),
        ("inspection_cutoff_business_days", "31", "Enter a number from 0 to 30"),
        ("stale_inspection_days", "3651", "Enter a number from 1 to 3650"),
        ("stale_inspection_days", "99999999999999999999999", "Enter a number from 1 to 3650"),
        ("inspector_daily_capacity", "lots", "Enter a whole number, like 12"),
        ("inspection_lead_business_days", "2.5", "Enter a whole number, like 12"),
        ("inspection_lead_business_days", "", "Enter a number from 1 to 30"),
    ],
)
def test_nonsense_is_refused_with_a_message_and_the_answers_kept(
    admin_client, field, typed, message
):
    response = admin_client.post(URL, data={**form(inspector_daily_capacity="5"), field: typed})
    assert response.status_code == 200
    check_page(response.data)
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert f'<a href="#{field}">{message}</a>' in html
    assert input_value(html, field) == typed
    if field != "inspector_daily_capacity":
        assert input_value(html, "inspector_daily_capacity") == "5"
    assert stored_settings() is None
    assert audit_entries("settings.changed") == []


def test_a_form_opened_before_another_admin_saved_is_refused(app, admin_client, admin):
    other = make_user(email="second.admin@example.com", role=admin.role)
    other_client = app.test_client()
    sign_in_as(other_client, other)
    # Both opened the page on the defaults; the other admin saves first.
    assert other_client.post(URL, data=form(inspector_daily_capacity="3")).status_code == 302

    response = admin_client.post(URL, data=form(inspector_daily_capacity="12"))
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"])
    check_page(page.data)
    html = page.get_data(as_text=True)
    assert "Another administrator changed these settings since you opened the page" in html
    assert input_value(html, "inspector_daily_capacity") == "3"
    assert stored_settings().inspector_daily_capacity == 3

    # And once saved, an older version is refused the same way.
    assert admin_client.post(URL, data=form(version="1")).status_code == 302
    assert stored_settings().version == 2
    response = admin_client.post(URL, data=form(version="1", inspector_daily_capacity="20"))
    assert response.status_code == 302
    assert stored_settings().inspector_daily_capacity == 8
    assert len(audit_entries("settings.changed")) == 2


def test_a_save_changes_what_the_rest_of_the_request_reads(admin):
    assert services.current().inspector_daily_capacity == DEFAULTS["inspector_daily_capacity"]
    services.save({**DEFAULTS, "inspector_daily_capacity": 3}, admin, "0")
    assert services.current().inspector_daily_capacity == 3
    with pytest.raises(StaleRecord):
        services.save({**DEFAULTS, "inspector_daily_capacity": 5}, admin, "0")
    assert services.current().inspector_daily_capacity == 3


def test_only_an_admin_may_change_the_rules(app, staff_member, contractor, admin):
    for user in (staff_member, contractor):
        client = app.test_client()
        sign_in_as(client, user)
        assert client.get(URL).status_code == 404
        response = client.post(URL, data=form(inspector_daily_capacity="1"))
        assert response.status_code == 404
        check_page(response.data)
    anonymous = app.test_client().post(URL, data=form(inspector_daily_capacity="1"))
    assert anonymous.status_code == 302
    assert stored_settings() is None
    assert audit_entries("settings.changed") == []
    with pytest.raises(DomainError, match="Only an administrator"):
        services.save({**DEFAULTS, "inspector_daily_capacity": 1}, staff_member, "0")


# ---- a saved rule changes what the inspection services do -----------------------------------


def test_a_longer_lead_time_refuses_a_date_it_allowed_before(admin_client, permit, contractor):
    assert deadlines.earliest_inspection_day() == WEDNESDAY
    admin_client.post(URL, data=form(inspection_lead_business_days="5"))
    g.pop("portal_settings", None)  # what the next request would read
    assert deadlines.earliest_inspection_day() == NEXT_TUESDAY
    with pytest.raises(InvalidRequest, match="too soon: inspections need 5"):
        make_request(permit, contractor, preferred_date_1=THURSDAY, preferred_date_2=None)
    assert make_request(permit, contractor, preferred_date_1=NEXT_TUESDAY, preferred_date_2=None)


def test_a_lower_capacity_fills_an_inspector_s_day_sooner(
    admin_client, permit, contractor, staff_member
):
    first = make_request(permit, contractor, "ELEC-RGH")
    second = make_request(permit, contractor, "PLB-RGH")
    admin_client.post(URL, data=form(inspector_daily_capacity="1"))
    g.pop("portal_settings", None)
    schedule(first, staff_member, day=THURSDAY)
    with pytest.raises(CapacityFull, match="already has 1 inspections"):
        schedule(second, staff_member, day=THURSDAY)


def test_unblocking_lets_a_permit_with_an_unpaid_fee_request_again(
    admin_client, permit, contractor
):
    payments.assess_fee(permit, FeeKind.REINSPECTION, reason="No access")
    db.session.commit()
    with pytest.raises(InvalidRequest, match="reinspection fee on this permit"):
        make_request(permit, contractor)
    admin_client.post(URL, data=form(block_requests_when_fees_unpaid=None))
    g.pop("portal_settings", None)
    assert make_request(permit, contractor).permit_id == permit.id


def test_saving_unchanged_rules_writes_nothing(admin_client):
    admin_client.post(URL, data=form(inspector_daily_capacity="6"))
    admin_client.post(URL, data=form(version="1", inspector_daily_capacity="6"))
    assert stored_settings().version == 1
    assert len(audit_entries("settings.changed")) == 1


def test_a_cut_off_as_long_as_the_notice_is_refused(admin_client):
    """The earliest date's cut-off would pass before anyone could change the request."""
    response = admin_client.post(
        URL,
        data=form(inspection_lead_business_days="2", inspection_cutoff_business_days="2"),
    )
    check_page(response.data)
    assert b"Make the cut-off fewer business days than the notice" in response.data
    assert db.session.get(PortalSettings, 1) is None
