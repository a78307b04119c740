"""The staff home's dashboard: each figure from real records, and what must not count."""

import itertools
import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import html5lib
import pytest
from sqlalchemy import text

from portal import calendar, shared_cache
from portal.admin import dashboard
from portal.applications.models import ApplicationStatus as S
from portal.auth.models import Role
from portal.certificates.models import (
    Certificate,
    PickupAppointment,
    PickupSlot,
    PickupStatus,
)
from portal.extensions import db
from portal.inspections import results
from portal.inspections.models import (
    InspectionRequest,
    InspectionResult,
    InspectionStage,
    InspectionStatus,
    InspectionType,
    RequiredInspection,
    Window,
)
from portal.payments.models import Fee, FeeKind, Payment, PaymentMethod, PaymentStatus
from portal.permits.models import PermitStatus
from tests.factories import make_application, make_permit, make_user, set_settings, sign_in_as
from tests.support.pages import NS, check_page
from tests.support.queries import counted_queries

CHICAGO = ZoneInfo("America/Chicago")
# A Wednesday: the week began on Monday 16 November, the month on Sunday 1 November
# (the day summer time ended, so October's last evening is five hours behind UTC).
TODAY = date(2026, 11, 18)
MONDAY = date(2026, 11, 16)
_numbers = itertools.count(1)


def local(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment in the department's zone, as the UTC instant the database stores."""
    return datetime.combine(day, time(hour, minute), CHICAGO).astimezone(UTC)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(calendar, "local_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def staff():
    return make_user(role=Role.STAFF, name="Sam Staff")


@pytest.fixture
def staff_client(app, staff):
    client = app.test_client()
    sign_in_as(client, staff)
    return client


@pytest.fixture
def owner():
    return make_user(name="Olivia Owner")


@pytest.fixture
def inspection_type():
    found = InspectionType(
        code="ELEC-RGH", name="Electrical rough", stage=InspectionStage.ROUGH, bureau="Electrical"
    )
    db.session.add(found)
    db.session.commit()
    return found


def application(owner, status, **fields):
    return make_application(make_permit(), owner, status=status, **fields)


def required(permit, inspection_type=None, **fields) -> RequiredInspection:
    if inspection_type is None:
        n = next(_numbers)
        inspection_type = InspectionType(
            code=f"T-{n}", name=f"Type {n}", stage=InspectionStage.FINAL, bureau="Building"
        )
    row = RequiredInspection(permit_id=permit.id, inspection_type=inspection_type, **fields)
    db.session.add(row)
    db.session.commit()
    return row


def inspection(owner, inspection_type, status, **fields) -> InspectionRequest:
    permit = fields.pop("permit", None) or make_permit()
    requirement = required(permit, inspection_type)
    row = InspectionRequest(
        permit_id=permit.id,
        required_inspection_id=requirement.id,
        inspection_type_id=inspection_type.id,
        status=status,
        requested_by_id=owner.id,
        preferred_date_1=TODAY + timedelta(days=7),
        window=Window.MORNING,
        contact_name="Carla Site",
        contact_phone="312-555-0199",
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def visit(owner, inspection_type, inspector, status=InspectionStatus.SCHEDULED, **fields):
    fields.setdefault("scheduled_date", TODAY)
    fields.setdefault("scheduled_window", Window.MORNING)
    return inspection(owner, inspection_type, status, inspector_id=inspector.id, **fields)


def fee(permit, cents, assessed_at) -> Fee:
    row = Fee(permit_id=permit.id, kind=FeeKind.INSPECTION, amount_cents=cents)
    row.assessed_at = assessed_at
    db.session.add(row)
    db.session.commit()
    return row


def payment(permit, cents, status, **fields) -> Payment:
    fields.setdefault("method", PaymentMethod.CARD)
    row = Payment(permit_id=permit.id, amount_cents=cents, status=status, **fields)
    db.session.add(row)
    db.session.commit()
    return row


def pickup(owner, staff, day, start, status=PickupStatus.BOOKED) -> PickupAppointment:
    issued = application(owner, S.COFO_ISSUED)
    n = next(_numbers)
    certificate = Certificate(
        number=f"CO-2026-{n:06d}",
        year=2026,
        sequence=n,
        permit_id=issued.permit_id,
        application_id=issued.id,
        issued_by_id=staff.id,
    )
    slot = PickupSlot(weekday=day.weekday(), start=start, end=time(start.hour + 1), capacity=6)
    db.session.add_all([certificate, slot])
    db.session.flush()
    row = PickupAppointment(
        certificate_id=certificate.id,
        permit_id=issued.permit_id,
        slot_id=slot.id,
        day=day,
        starts_at=local(day, start.hour),
        ends_at=local(day, start.hour + 1),
        status=status,
        booked_by_id=owner.id,
    )
    db.session.add(row)
    db.session.commit()
    return row


def table_rows(html: bytes, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, as the cells' texts."""
    tree = html5lib.parse(html.decode())
    for table in tree.iter(f"{NS}table"):
        found = table.find(f"{NS}caption")
        if found is not None and " ".join("".join(found.itertext()).split()) == caption:
            return [
                [" ".join("".join(cell.itertext()).split()) for cell in row]
                for row in table.find(f"{NS}tbody").iter(f"{NS}tr")
            ]
    raise AssertionError(f"no table captioned {caption!r}")


def count_queries(client) -> int:
    with counted_queries() as statements:
        response = client.get("/staff/")
        assert response.status_code == 200
    return len(statements)


# ---- the empty database -----------------------------------------------------------------


def test_an_empty_database_shows_that_nothing_is_waiting(staff_client):
    response = staff_client.get("/staff/")
    assert response.status_code == 200
    check_page(response.data)
    page = response.data.decode()
    assert "Nothing is waiting: every queue is empty." in page
    assert "No applications are waiting for review." in page
    assert "No inspections are scheduled for today." in page
    assert "No permit has waited on inspections for more than 60 days." in page
    assert table_rows(
        response.data, "Fees assessed and money collected, in the department's time zone"
    ) == [
        ["This week, since Monday 16 November 2026", "$0.00", "$0.00", "$0.00"],
        ["This month, since 1 November 2026", "$0.00", "$0.00", "$0.00"],
    ]
    rows = table_rows(response.data, "Applications submitted per week")
    assert len(rows) == 12
    assert {row[1] for row in rows} == {"0"}


# ---- the queues -------------------------------------------------------------------------


def test_applications_to_review_count_only_queued_ones_with_the_oldest_age(owner, staff_client):
    application(owner, S.SUBMITTED, queued_at=local(TODAY - timedelta(days=3)))
    application(owner, S.RESUBMITTED, queued_at=local(TODAY - timedelta(days=1)))
    application(owner, S.ACCEPTED, submitted_at=local(TODAY - timedelta(days=9)))
    application(owner, S.DRAFT)

    board = dashboard.dashboard()
    assert board.reviews == dashboard.QueueSummary(2, False, 3)
    page = staff_client.get("/staff/").data.decode()
    assert "The oldest has waited 3 days." in page
    assert "Nothing is waiting" not in page


def test_the_oldest_age_counts_days_in_the_department_s_zone(owner):
    # 03:00 UTC on the 18th is 9 pm on the 17th in Chicago: one day old, not zero.
    queued = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)
    application(owner, S.SUBMITTED, queued_at=queued)
    assert dashboard.dashboard().reviews.oldest_days == 1


def test_the_review_count_stops_at_the_cap(owner, staff_client, monkeypatch):
    monkeypatch.setattr(dashboard, "COUNT_CAP", 2)
    for days in (1, 2, 3):
        application(owner, S.SUBMITTED, queued_at=local(TODAY - timedelta(days=days)))
    board = dashboard.dashboard()
    assert (board.reviews.count, board.reviews.capped, board.reviews.oldest_days) == (2, True, 3)
    assert "More than 2" in staff_client.get("/staff/").data.decode()


def test_inspections_to_schedule_and_results_to_record(owner, staff, inspection_type):
    inspection(
        owner,
        inspection_type,
        InspectionStatus.REQUESTED,
        requested_at=local(TODAY - timedelta(days=5)),
    )
    inspection(owner, inspection_type, InspectionStatus.REQUESTED, requested_at=local(TODAY))
    inspection(
        owner,
        inspection_type,
        InspectionStatus.CANCELLED,
        requested_at=local(TODAY - timedelta(days=20)),
    )
    visit(owner, inspection_type, staff, scheduled_date=TODAY - timedelta(days=4))
    visit(owner, inspection_type, staff, scheduled_date=TODAY)
    # Not yet due, and already recorded: neither waits for a result.
    visit(owner, inspection_type, staff, scheduled_date=TODAY + timedelta(days=1))
    visit(
        owner,
        inspection_type,
        staff,
        InspectionStatus.PASSED,
        scheduled_date=TODAY - timedelta(days=9),
    )

    board = dashboard.dashboard()
    assert board.to_schedule == dashboard.QueueSummary(2, False, 5)
    assert board.to_record == dashboard.QueueSummary(2, False, 4)


def test_certificates_ready_and_pickups_today(owner, staff, staff_client):
    ready = application(
        owner, S.INSPECTIONS_COMPLETE, submitted_at=local(TODAY - timedelta(days=90))
    )
    ready.updated_at = local(TODAY - timedelta(days=6))
    db.session.commit()
    application(owner, S.ACCEPTED, submitted_at=local(TODAY - timedelta(days=30)))
    pickup(owner, staff, TODAY, time(10))
    pickup(owner, staff, TODAY, time(9))
    pickup(owner, staff, TODAY, time(8), status=PickupStatus.CANCELLED)
    pickup(owner, staff, TODAY + timedelta(days=1), time(8))

    board = dashboard.dashboard()
    assert (board.to_issue.count, board.to_issue.oldest_days) == (1, 6)
    assert board.pickups.count == 2
    assert board.pickups.first_at == local(TODAY, 9)
    page = staff_client.get("/staff/").data.decode()
    assert "The first is booked for 9:00 AM." in page
    assert "The oldest completed its inspections 6 days ago." in page


# ---- today's inspections -----------------------------------------------------------------


def test_today_s_inspections_per_inspector_against_the_capacity(
    owner, inspection_type, staff_client
):
    set_settings(inspector_daily_capacity=3)
    ines = make_user(role=Role.STAFF, name="Ines Inspector")
    abel = make_user(role=Role.STAFF, name="Abel Inspector")
    visit(owner, inspection_type, ines)
    visit(owner, inspection_type, ines)
    visit(owner, inspection_type, ines, InspectionStatus.FAILED, scheduled_window=Window.AFTERNOON)
    visit(owner, inspection_type, ines, InspectionStatus.CANCELLED)
    visit(owner, inspection_type, ines, scheduled_date=TODAY + timedelta(days=1))
    visit(owner, inspection_type, abel, scheduled_window=Window.AFTERNOON)

    board = dashboard.dashboard()
    assert board.capacity == 3
    assert board.inspectors.busiest == [
        dashboard.InspectorLoad(ines.id, "Ines Inspector", 2, 1, 2),
        dashboard.InspectorLoad(abel.id, "Abel Inspector", 0, 1, 1),
    ]
    assert (board.inspectors.visits, board.inspectors.inspectors) == (4, 2)
    assert not board.inspectors.more
    response = staff_client.get("/staff/")
    check_page(response.data)
    assert "4 visits today, by 2 inspectors." in response.text
    rows = table_rows(
        response.data,
        "Visits on 18 November 2026 by inspector, busiest first. "
        "Each inspector can make 3 visits a day.",
    )
    assert rows[0][:5] == ["Ines Inspector", "2", "1", "3 of 3 Full", "2"]
    assert (
        f"/staff/inspections/day?inspector={ines.id}&amp;date=2026-11-18" in response.data.decode()
    )


def test_only_the_busiest_inspectors_are_listed(owner, inspection_type, monkeypatch):
    monkeypatch.setattr(dashboard, "INSPECTORS_SHOWN", 2)
    inspectors = [make_user(role=Role.STAFF, name=f"Inspector {n}") for n in range(3)]
    for index, inspector in enumerate(inspectors):
        for _ in range(index + 1):
            visit(owner, inspection_type, inspector)
    board = dashboard.dashboard()
    assert [load.name for load in board.inspectors.busiest] == ["Inspector 2", "Inspector 1"]
    assert (board.inspectors.visits, board.inspectors.inspectors) == (6, 3)
    assert board.inspectors.more


# ---- money ------------------------------------------------------------------------------


def test_fees_and_payments_this_week_and_month(owner, staff_client):
    permit = make_permit()
    fee(permit, 5000, local(MONDAY, 0, 30))
    # Sunday evening in Chicago is already Monday in UTC: last week, this month.
    fee(permit, 700, local(MONDAY - timedelta(days=1), 23, 30))
    # October's last evening is 1 November in UTC: neither.
    fee(permit, 9999, local(date(2026, 10, 31), 23, 0))
    payment(
        permit,
        5000,
        PaymentStatus.SUCCEEDED,
        method=PaymentMethod.CASH,
        succeeded_at=local(TODAY - timedelta(days=1)),
    )
    payment(
        permit,
        2500,
        PaymentStatus.REFUNDED,
        succeeded_at=local(date(2026, 11, 3)),
        refunded_at=local(TODAY - timedelta(days=1)),
    )
    payment(permit, 4000, PaymentStatus.PENDING)
    payment(permit, 4100, PaymentStatus.FAILED)
    payment(permit, 4200, PaymentStatus.SUCCEEDED, succeeded_at=local(date(2026, 10, 30)))

    board = dashboard.dashboard()
    assert board.week == dashboard.MoneyPeriod(MONDAY, TODAY, 5000, 5000, 2500)
    assert board.month == dashboard.MoneyPeriod(date(2026, 11, 1), TODAY, 5700, 7500, 2500)
    response = staff_client.get("/staff/")
    assert table_rows(
        response.data, "Fees assessed and money collected, in the department's time zone"
    ) == [
        ["This week, since Monday 16 November 2026", "$50.00", "$50.00", "$25.00"],
        ["This month, since 1 November 2026", "$57.00", "$75.00", "$25.00"],
    ]


def test_the_figures_are_computed_once_until_something_changes(owner, staff_client):
    fee(make_permit(), 1000, local(MONDAY))
    assert dashboard.dashboard().week.assessed_cents == 1000
    with counted_queries() as statements:
        assert dashboard.dashboard().week.assessed_cents == 1000
    assert statements == []
    # A commit that writes to a table the figures are counted from shows at once.
    fee(make_permit(), 200, local(TODAY, 9))
    assert dashboard.dashboard().week.assessed_cents == 1200


def test_a_change_to_a_past_day_shows_at_once(app, owner, inspection_type, staff):
    """Past days' figures are cached like today's: a result recorded on Monday and then
    withdrawn by mistake leaves Monday's count at once (it used to stay until tomorrow)."""
    passed = visit(
        owner,
        inspection_type,
        staff,
        InspectionStatus.PASSED,
        scheduled_date=MONDAY,
        inspected_at=local(MONDAY, 10),
        result=InspectionResult.PASSED,
    )
    assert dashboard.dashboard().results.series["passed"][-1] == 1
    with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
        results.withdraw_result(passed, staff, reason="Wrong permit", version=passed.version)
    assert dashboard.dashboard().results.series["passed"][-1] == 0


def test_the_figures_are_computed_again_after_their_time(owner, monkeypatch):
    fee(make_permit(), 1000, local(MONDAY))
    assert dashboard.dashboard().week.assessed_cents == 1000
    # A change the session never saw (psql, another program) shows once the store has
    # forgotten the figures (their time to live and the time a computation may take).
    db.session.execute(text("UPDATE fees SET amount_cents = 3000"))
    db.session.commit()
    monkeypatch.setattr(shared_cache.time, "monotonic", lambda: 10**9)
    assert dashboard.dashboard().week.assessed_cents == 3000


def _background_done() -> None:
    for thread in threading.enumerate():
        if thread.name == "shared-cache dashboard":
            thread.join(30)
            assert not thread.is_alive()


def test_aged_figures_are_shown_once_more_while_they_are_computed_again(owner, monkeypatch):
    """Past CACHE_SECONDS the next request shows the figures it has at once and a thread
    computes them again from the database (issue 17: the request that found them expired
    computed them itself, a second at a million permits)."""
    monkeypatch.setattr(dashboard, "CACHE_SECONDS", 0)
    fee(make_permit(), 1000, local(MONDAY))
    assert dashboard.dashboard().week.assessed_cents == 1000
    db.session.execute(text("UPDATE fees SET amount_cents = 3000"))
    db.session.commit()
    assert dashboard.dashboard().week.assessed_cents == 1000
    _background_done()
    assert dashboard.dashboard().week.assessed_cents == 3000
    _background_done()


def test_requests_meeting_an_empty_cache_compute_the_figures_once(app, owner, monkeypatch):
    """Threads of a process just started, all asking for the dashboard at once: one
    computes, the others wait for its figures (issue 17: each computed them, and at a
    million permits each slowed the others for seconds)."""
    fee(make_permit(), 1000, local(MONDAY))
    computed = []
    compute = dashboard._computed

    def slow(day: date) -> dashboard.Dashboard:
        computed.append(day)
        figures = compute(day)
        # Long enough for every thread to ask meanwhile.
        threading.Event().wait(0.3)
        return figures

    monkeypatch.setattr(dashboard, "_computed", slow)
    asked = threading.Barrier(4)
    seen = []

    def ask() -> None:
        with app.app_context():
            asked.wait(10)
            seen.append(dashboard.dashboard().week.assessed_cents)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert seen == [1000] * 4
    assert computed == [TODAY]


# ---- stale permits ----------------------------------------------------------------------


def test_stale_permits_use_the_threshold_from_the_settings(staff_client):
    set_settings(stale_inspection_days=30)
    forty = make_permit(issued_date=TODAY - timedelta(days=40))
    required(forty)
    required(forty)
    required(forty, passed_at=local(TODAY - timedelta(days=2)))
    hundred = make_permit(
        issued_date=TODAY - timedelta(days=100), status_current=PermitStatus.INSPECTION_PHASE
    )
    required(hundred)
    required(hundred, removed_at=local(TODAY - timedelta(days=50)))
    # Exactly the threshold is not more than it.
    required(make_permit(issued_date=TODAY - timedelta(days=30)))
    # Closed permits, and an open one with every inspection passed.
    for status in (PermitStatus.EXPIRED, PermitStatus.REVOKED, PermitStatus.FINALED):
        required(make_permit(issued_date=TODAY - timedelta(days=200), status_current=status))
    required(make_permit(issued_date=TODAY - timedelta(days=90)), passed_at=local(TODAY))

    stale = dashboard.dashboard().stale
    assert (stale.threshold_days, stale.total, stale.capped) == (30, 2, False)
    assert [(s.permit.id, s.days_waited, s.outstanding) for s in stale.permits] == [
        (hundred.id, 100, 1),
        (forty.id, 40, 2),
    ]
    response = staff_client.get("/staff/")
    check_page(response.data)
    page = response.data.decode()
    assert "Permits waiting on inspections for more than 30 days" in page
    rows = table_rows(response.data, "The 2 permits that have waited longest")
    assert [row[0] for row in rows] == [hundred.permit_num, forty.permit_num]
    assert [row[3:] for row in rows] == [["100", "1"], ["40", "2"]]


def test_the_stale_total_is_capped(staff_client, monkeypatch):
    monkeypatch.setattr(dashboard, "COUNT_CAP", 2)
    for days in (70, 80, 90):
        required(make_permit(issued_date=TODAY - timedelta(days=days)))
    stale = dashboard.dashboard().stale
    assert (stale.total, stale.capped, len(stale.permits)) == (2, True, 3)
    assert "More than 2 permits." in staff_client.get("/staff/").data.decode()


# ---- charts -----------------------------------------------------------------------------


def test_the_charts_count_each_week_in_the_department_s_zone(
    owner, staff, inspection_type, staff_client
):
    eleven_weeks_ago = MONDAY - timedelta(weeks=11)
    for submitted in (
        local(TODAY, 8),
        local(MONDAY, 0, 30),
        local(MONDAY - timedelta(days=1), 23, 30),  # Sunday evening: the week before
        local(eleven_weeks_ago),
        local(eleven_weeks_ago - timedelta(days=1), 20),  # before the first week shown
    ):
        application(owner, S.ACCEPTED, submitted_at=submitted)
    application(owner, S.DRAFT)
    for status, inspected in (
        (InspectionStatus.PASSED, local(TODAY, 9)),
        (InspectionStatus.PASSED, local(MONDAY, 10)),
        (InspectionStatus.FAILED, local(MONDAY, 11)),
        (InspectionStatus.CANCELLED, local(TODAY, 8)),
        (InspectionStatus.NO_ACCESS, local(MONDAY - timedelta(days=3))),
        (InspectionStatus.PASSED, local(eleven_weeks_ago - timedelta(weeks=1))),
    ):
        visit(owner, inspection_type, staff, status, inspected_at=inspected)
    visit(owner, inspection_type, staff)

    board = dashboard.dashboard()
    assert board.submitted.weeks[0] == eleven_weeks_ago
    assert board.submitted.weeks[-1] == MONDAY
    assert board.submitted.series["submitted"] == [1] + [0] * 9 + [1, 2]
    results = board.results.series
    assert results["passed"][-1] == 2
    assert results["failed"][-1] == 1
    assert results["cancelled"][-1] == 1
    assert results["no_access"][-2] == 1
    assert board.results.totals() == [0] * 10 + [1, 4]
    assert board.results.without("passed") == [0] * 10 + [1, 2]

    response = staff_client.get("/staff/")
    check_page(response.data)
    submitted = table_rows(response.data, "Applications submitted per week")
    assert submitted[0] == ["31 August 2026", "1"]
    assert submitted[-2:] == [["9 November 2026", "1"], ["16 November 2026", "2"]]
    by_outcome = table_rows(response.data, "Inspection results recorded per week, by outcome")
    assert by_outcome[-1] == ["16 November 2026", "2", "1", "0", "0", "1", "4"]
    assert by_outcome[-2] == ["9 November 2026", "0", "0", "0", "1", "0", "1"]
    page = response.data.decode()
    assert 'aria-labelledby="chart-submitted-title chart-submitted-desc"' in page
    assert "5 in all, 2 of them passed" in page
    assert "style=" not in page


# ---- performance ------------------------------------------------------------------------


def _fill(owner, staff, inspection_type, n: int) -> None:
    for _ in range(n):
        application(owner, S.SUBMITTED, queued_at=local(TODAY - timedelta(days=2)))
        application(owner, S.INSPECTIONS_COMPLETE, submitted_at=local(TODAY - timedelta(days=20)))
        inspection(owner, inspection_type, InspectionStatus.REQUESTED, requested_at=local(TODAY))
        visit(owner, inspection_type, make_user(role=Role.STAFF))
        visit(owner, inspection_type, staff, InspectionStatus.PASSED, inspected_at=local(MONDAY))
        permit = make_permit(issued_date=TODAY - timedelta(days=100))
        required(permit)
        fee(permit, 1000, local(MONDAY))
        payment(permit, 1000, PaymentStatus.SUCCEEDED, succeeded_at=local(MONDAY))
        pickup(owner, staff, TODAY, time(9))


def test_the_query_count_does_not_grow_with_the_data(owner, staff, inspection_type, staff_client):
    _fill(owner, staff, inspection_type, 1)
    count_queries(staff_client)
    # Each count below computes the figures (a commit since, or the cache emptied).
    shared_cache.clear()
    few = count_queries(staff_client)
    _fill(owner, staff, inspection_type, 9)
    assert count_queries(staff_client) == few
