"""The fee schedule and the ledger: amounts by effective date, the fees page, waivers."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.errors import IllegalTransition, StaleRecord
from portal.extensions import db
from portal.payments import services
from portal.payments.models import Fee, FeeKind, FeeSchedule, FeeScheduleEntry, FeeStatus
from tests.factories import make_permit, make_user, sign_in_as
from tests.support.mail import outbox
from tests.support.pages import check_page


def test_the_amount_comes_from_the_schedule_in_force_on_the_date(app):
    first = FeeSchedule(name="2026", effective_from=date(2026, 1, 1))
    first.entries.append(FeeScheduleEntry(kind=FeeKind.REINSPECTION, amount_cents=10000))
    second = FeeSchedule(name="July", effective_from=date(2026, 7, 1))
    second.entries.append(FeeScheduleEntry(kind=FeeKind.REINSPECTION, amount_cents=12500))
    db.session.add_all([first, second])
    db.session.commit()
    assert services.schedule_entry(FeeKind.REINSPECTION, date(2026, 6, 30)).amount_cents == 10000
    assert services.schedule_entry(FeeKind.REINSPECTION, date(2026, 7, 1)).amount_cents == 12500
    with pytest.raises(services.NoFeeInSchedule):
        services.schedule_entry(FeeKind.REINSPECTION, date(2025, 12, 31))
    with pytest.raises(services.NoFeeInSchedule):
        services.schedule_entry(FeeKind.INSPECTION, date(2026, 8, 1))


def test_a_fee_keeps_its_amount_when_the_schedule_changes(app, permit):
    fee = services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access", on=date(2026, 5, 1))
    db.session.commit()
    entry = db.session.scalar(select(FeeScheduleEntry))
    entry.amount_cents = 99900
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Fee, fee.id).amount_cents == 15000


def test_the_fees_page_lists_every_fee_and_the_home_page_the_total(owner_client, permit):
    outstanding = services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access at visit")
    waived = services.assess_fee(permit, FeeKind.INSPECTION, reason="Boiler", amount_cents=5000)
    db.session.commit()
    staff = make_user(role="staff")
    services.waive_fee(waived, staff, "Duplicate charge", waived.version)
    page = owner_client.get(f"/permits/{permit.id}/fees")
    assert page.status_code == 200
    check_page(page.data)
    assert b"$150.00 outstanding" in page.data
    assert b"No access at visit" in page.data
    assert b"Waived: Duplicate charge" in page.data
    assert b"Waive the fee" not in page.data
    home = owner_client.get("/permits/")
    check_page(home.data)
    assert b"$150.00" in home.data
    permit_page = owner_client.get(f"/permits/{permit.id}")
    check_page(permit_page.data)
    assert b"$150.00 in fees is outstanding" in permit_page.data
    assert outstanding.status == FeeStatus.OUTSTANDING


def test_staff_waive_with_a_reason(staff_client, permit, owner):
    fee = services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access")
    db.session.commit()
    page = staff_client.get(f"/permits/{permit.id}/fees")
    check_page(page.data)
    assert b"Waive the fee" in page.data
    prefix = f"fee-{fee.id}"
    missing = staff_client.post(
        f"/staff/fees/{fee.id}/waive",
        data={
            f"{prefix}-csrf_token": staff_client.csrf_token(),
            f"{prefix}-version": "1",
            f"{prefix}-reason": "",
        },
    )
    check_page(missing.data)
    assert b"Enter the reason for the waiver" in missing.data
    stale = staff_client.post(
        f"/staff/fees/{fee.id}/waive",
        data={f"{prefix}-csrf_token": "", f"{prefix}-version": "1", f"{prefix}-reason": "x"},
    )
    check_page(stale.data)
    assert db.session.get(Fee, fee.id).status == FeeStatus.OUTSTANDING
    done = staff_client.post(
        f"/staff/fees/{fee.id}/waive",
        data={
            f"{prefix}-csrf_token": staff_client.csrf_token(),
            f"{prefix}-version": "1",
            f"{prefix}-reason": "Inspector was late",
        },
    )
    assert done.status_code == 302
    db.session.expire_all()
    fee = db.session.get(Fee, fee.id)
    assert (fee.status, fee.waiver_reason) == (FeeStatus.WAIVED, "Inspector was late")
    assert fee.waived_by_id is not None
    assert "fee.waived" in set(db.session.scalars(select(AuditEvent.action)))
    assert any("waived" in m for m in [o.subject for o in outbox(owner.email)])
    with pytest.raises((IllegalTransition, StaleRecord)):
        services.waive_fee(fee, make_user(role="staff"), "again", fee.version)


def test_a_stale_waiver_is_refused(permit):
    fee = services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access")
    db.session.commit()
    with pytest.raises(StaleRecord):
        services.waive_fee(fee, make_user(role="staff"), "reason", fee.version + 1)


def test_applicants_cannot_waive_and_strangers_see_no_fees(client, owner_client, permit, owner):
    fee = services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access")
    db.session.commit()
    response = owner_client.post(
        f"/staff/fees/{fee.id}/waive",
        data={f"fee-{fee.id}-version": "1", f"fee-{fee.id}-reason": "please"},
    )
    assert response.status_code == 404
    sign_in_as(client, make_user())
    assert client.get(f"/permits/{permit.id}/fees").status_code == 404
    other = make_permit()
    assert owner_client.get(f"/permits/{other.id}/fees").status_code == 404


def _outbox(address):
    return outbox(address)


def test_a_waiver_by_the_portal_s_own_rule_goes_through_the_transition_table(permit):
    fee = services.assess_fee(permit, FeeKind.INSPECTION, reason="Boiler", amount_cents=5000)
    db.session.commit()
    services.record_waiver(fee, "Request cancelled before the cut-off")
    db.session.commit()
    assert (fee.status, fee.waived_by_id) == (FeeStatus.WAIVED, None)
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "fee.waived"))
    assert (entry.actor_id, entry.details) == (
        None,
        {"permit": permit.permit_num, "reason": "Request cancelled before the cut-off"},
    )
    fee.status = FeeStatus.PAID
    db.session.commit()
    with pytest.raises(IllegalTransition):
        services.record_waiver(fee, "again")
