"""The fee schedule: what is in force and coming, adding a schedule (amounts typed in
dollars), removing one not yet in force, and that fees already assessed never change."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.payments import fee_schedule
from portal.payments import services as payments
from portal.payments.models import Fee, FeeKind, FeeSchedule
from portal.settings import services
from tests.factories import sign_in_as
from tests.factories.inspections import TODAY
from tests.support.audit import audit_entries
from tests.support.pages import check_page, input_value

URL = "/staff/settings/fees"
AUTHORITY = "Chicago Construction Codes Administrative Provisions 14A-5-501.4"


def form(**overrides) -> dict:
    data = {
        "name": "Fees from July",
        "effective_from": "2026-07-01",
        "amount_inspection": "",
        "authority_inspection": "",
        "amount_reinspection": "200.00",
        "authority_reinspection": AUTHORITY,
    }
    data.update(overrides)
    return data


def schedules() -> list[FeeSchedule]:
    db.session.expire_all()
    return list(db.session.scalars(select(FeeSchedule).order_by(FeeSchedule.effective_from)))


def test_the_page_shows_the_schedule_in_force_and_prefills_its_amounts(admin_client):
    response = admin_client.get(URL)
    assert response.status_code == 200
    check_page(response.data)
    html = response.get_data(as_text=True)
    assert "Inspection fees, in force since 1 January 2026" in html
    assert "$150.00" in html
    assert "No schedule is waiting to come into force" in html
    assert input_value(html, "amount_reinspection") == "150.00"
    assert input_value(html, "authority_reinspection") == AUTHORITY
    assert input_value(html, "amount_inspection") == ""


@pytest.mark.parametrize(
    ("typed", "cents"),
    [("200.00", 20000), ("1,200", 120000), ("$1,200.50", 120050), ("87.5", 8750), ("0", 0)],
)
def test_a_new_schedule_reads_dollars_as_cents_and_is_audited(admin_client, admin, typed, cents):
    response = admin_client.post(URL, data=form(amount_reinspection=typed))
    assert response.status_code == 302
    page = admin_client.get(URL)
    check_page(page.data)
    html = page.get_data(as_text=True)
    assert "The fee schedule Fees from July comes into force on 1 July 2026" in html
    assert "Fees from July, from 1 July 2026" in html

    new = schedules()[-1]
    assert (new.name, new.effective_from, new.created_by_id) == (
        "Fees from July",
        date(2026, 7, 1),
        admin.id,
    )
    assert [(e.kind, e.amount_cents, e.authority) for e in new.entries] == [
        (FeeKind.REINSPECTION, cents, AUTHORITY)
    ]
    [entry] = [e for e in audit_entries("fee_schedule.created") if e.record_id == new.id]
    assert entry.actor_id == admin.id
    assert entry.details == {
        "name": "Fees from July",
        "effective_from": "2026-07-01",
        "reinspection": cents,
    }
    # Until 1 July the amount in force is unchanged.
    assert payments.schedule_entry(FeeKind.REINSPECTION, TODAY).amount_cents == 15000
    assert payments.schedule_entry(FeeKind.REINSPECTION, date(2026, 7, 1)).amount_cents == cents


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount_reinspection": "-5"}, "amount_reinspection", "An amount cannot be negative"),
        ({"amount_reinspection": "12abc"}, "amount_reinspection", "Enter an amount in dollars"),
        ({"amount_reinspection": "1.234"}, "amount_reinspection", "Enter an amount in dollars"),
        ({"amount_reinspection": "1,20"}, "amount_reinspection", "Enter an amount in dollars"),
        ({"amount_reinspection": "1e5"}, "amount_reinspection", "Enter an amount in dollars"),
        ({"amount_reinspection": "NaN"}, "amount_reinspection", "Enter an amount in dollars"),
        (
            {"amount_reinspection": "99999999999999999999"},
            "amount_reinspection",
            "Enter an amount up to $100,000.00",
        ),
        (
            {"amount_reinspection": ""},
            "amount_reinspection",
            "Enter the amount: the schedule before this one charges it",
        ),
        (
            {"authority_reinspection": ""},
            "authority_reinspection",
            "Enter the rule this amount comes from",
        ),
        ({"effective_from": "2026-05-18"}, "effective_from", "must start after today"),
        ({"effective_from": "2026-01-01"}, "effective_from", "must start after today"),
        ({"effective_from": "2026-13-01"}, "effective_from", "Enter a real date"),
        ({"effective_from": ""}, "effective_from", "Enter the date the schedule comes into force"),
        ({"effective_from": "2999-01-01"}, "effective_from", "within the next ten years"),
        ({"name": ""}, "name", "Enter a name for the schedule"),
    ],
)
def test_bad_schedules_are_refused_and_the_answers_kept(admin_client, overrides, field, message):
    before = len(schedules())
    data = form(**overrides)
    response = admin_client.post(URL, data=data)
    assert response.status_code == 200
    check_page(response.data)
    html = response.get_data(as_text=True)
    assert f'<a href="#{field}">' in html
    assert message in html
    for name in ("name", "effective_from", "amount_reinspection", "authority_reinspection"):
        assert input_value(html, name) == data[name]
    assert len(schedules()) == before
    assert audit_entries("fee_schedule.created")[1:] == []


def test_two_schedules_cannot_start_on_the_same_day(admin_client):
    assert admin_client.post(URL, data=form()).status_code == 302
    response = admin_client.post(URL, data=form(name="Another", amount_reinspection="300"))
    assert response.status_code == 200
    check_page(response.data)
    assert "A schedule already starts on that date" in response.get_data(as_text=True)
    assert [s.name for s in schedules()] == ["Inspection fees", "Fees from July"]


def test_a_future_schedule_can_be_removed_and_one_in_force_cannot(admin_client, admin):
    admin_client.post(URL, data=form())
    in_force, future = (s.id for s in schedules())
    response = admin_client.post(f"{URL}/{future}/remove", data={})
    assert response.status_code == 302
    page = admin_client.get(URL)
    check_page(page.data)
    assert "The fee schedule Fees from July is removed" in page.get_data(as_text=True)
    assert [s.id for s in schedules()] == [in_force]
    [entry] = audit_entries("fee_schedule.removed")
    assert (entry.record_id, entry.actor_id) == (future, admin.id)
    assert entry.details == {"name": "Fees from July", "effective_from": "2026-07-01"}

    response = admin_client.post(f"{URL}/{in_force}/remove", data={})
    page = admin_client.get(response.headers["Location"])
    assert "it stays on record and cannot change" in page.get_data(as_text=True)
    assert [s.id for s in schedules()] == [in_force]
    assert admin_client.post(f"{URL}/999999/remove", data={}).status_code == 404


def test_fees_already_assessed_never_change(admin, permit):
    fee = payments.assess_fee(permit, FeeKind.REINSPECTION, reason="No access")
    db.session.commit()
    old_entry = fee.schedule_entry_id
    tomorrow = TODAY + timedelta(days=1)
    schedule = fee_schedule.add_schedule(
        admin,
        name="Higher fees",
        effective_from=tomorrow,
        amounts={FeeKind.REINSPECTION: (25000, AUTHORITY)},
    )
    later = payments.assess_fee(permit, FeeKind.REINSPECTION, reason="Late cancel", on=tomorrow)
    db.session.commit()
    db.session.expire_all()
    fee = db.session.get(Fee, fee.id)
    assert (fee.amount_cents, fee.schedule_entry_id) == (15000, old_entry)
    assert later.amount_cents == 25000
    # A schedule a fee was charged from stays, even before it comes into force.
    with pytest.raises(services.InvalidSetting, match="Fees were already charged"):
        fee_schedule.remove_schedule(schedule, admin)
    assert db.session.get(FeeSchedule, schedule.id) is not None


def test_staff_and_applicants_cannot_change_the_fee_schedule(app, admin, staff_member, contractor):
    [in_force] = schedules()
    for user in (staff_member, contractor):
        client = app.test_client()
        sign_in_as(client, user)
        assert client.get(URL).status_code == 404
        assert client.post(URL, data=form()).status_code == 404
        assert client.post(f"{URL}/{in_force.id}/remove", data={}).status_code == 404
    assert [s.id for s in schedules()] == [in_force.id]
