"""What the staff home shows: the work waiting, today's visits, money, stale permits, trends.

Read only, and a fixed number of queries whatever the data: each count stops at a cap,
each figure is one indexed range scan, and weekly series are bucketed by a CASE over a
bounded range (portable, where grouping by a local week is not). The figures are computed
at most once per CACHE_SECONDS for every web process together (portal/shared_cache.py),
and again as soon as a commit writes to a table they are counted from: a change shows at
once, on every process.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import cast

from sqlalchemy import Label, case, exists, func, select, text

from portal import calendar, shared_cache
from portal.applications.models import ApplicationStatus, CofOApplication
from portal.auth.models import User
from portal.certificates import phases
from portal.certificates.models import (
    Certificate,
    CertificateVersion,
    OccupancyRequest,
    PickupAppointment,
    PickupStatus,
    RequestStatus,
)
from portal.extensions import db
from portal.inspections.models import (
    VISIT_STATES,
    InspectionRequest,
    InspectionStatus,
    RequiredInspection,
    Window,
)
from portal.payments.models import Fee, Payment
from portal.payments.services import PaymentFilters, PeriodTotals, period_totals
from portal.permits.models import OPEN_PERMIT_CONDITION, Permit
from portal.settings.models import PortalSettings
from portal.settings.services import current

CHART_WEEKS = 12
STALE_SHOWN = 20
# Outcomes in the inspections chart's table, in the order shown.
OUTCOMES = [
    InspectionStatus.PASSED,
    InspectionStatus.FAILED,
    InspectionStatus.PARTIAL,
    InspectionStatus.NO_ACCESS,
    InspectionStatus.CANCELLED,
]

# The dashboard lists this many inspectors, busiest first; the queue has every visit.
INSPECTORS_SHOWN = 20
# Counts stop here: past it the card says "more than 1,000", and no count scans a big table.
COUNT_CAP = 1000
# The figures are fresh this long; then they are served while a background thread computes
# them again (at most COMPUTING_SECONDS more): at most about a minute old, whatever the
# session events missed (issue 17: 30-60 s).
CACHE_SECONDS = 30
# Every table a figure is counted from: a commit writing to one computes them again.
COUNTED_FROM = tuple(
    model.__tablename__
    for model in (
        CofOApplication,
        InspectionRequest,
        RequiredInspection,
        User,
        PickupAppointment,
        OccupancyRequest,
        Certificate,
        CertificateVersion,
        Fee,
        Payment,
        Permit,
        PortalSettings,
    )
)
shared_cache.watch(*COUNTED_FROM)


@dataclass(frozen=True)
class QueueSummary:
    count: int
    # True when more than `count` are waiting (the count stopped at the cap).
    capped: bool
    # Whole days the oldest item has waited; None when nothing waits.
    oldest_days: int | None = None
    # For the pickup counter: when today's first appointment starts.
    first_at: datetime | None = None


@dataclass(frozen=True)
class TodaysVisits:
    visits: int
    inspectors: int
    busiest: list["InspectorLoad"]

    @property
    def more(self) -> bool:
        return self.inspectors > len(self.busiest)


@dataclass(frozen=True)
class InspectorLoad:
    inspector_id: int
    name: str
    morning: int
    afternoon: int
    # Visits still without a result.
    to_record: int

    @property
    def visits(self) -> int:
        return self.morning + self.afternoon


@dataclass(frozen=True)
class MoneyPeriod:
    start: date
    end: date
    assessed_cents: int
    collected_cents: int
    refunded_cents: int


@dataclass(frozen=True)
class PermitShown:
    """What the stale list shows of a permit: plain values, so the figures can be cached."""

    id: int
    permit_num: str
    address: str
    issued_date: date


@dataclass(frozen=True)
class StalePermit:
    permit: PermitShown
    days_waited: int
    outstanding: int


@dataclass(frozen=True)
class StalePermits:
    threshold_days: int
    permits: list[StalePermit]
    total: int
    capped: bool


@dataclass(frozen=True)
class WeeklyCounts:
    """Counts per week (Monday to Sunday, department time) for each named series."""

    weeks: list[date]
    series: dict[str, list[int]]

    def totals(self) -> list[int]:
        return [sum(values[i] for values in self.series.values()) for i in range(len(self.weeks))]

    def without(self, key: str) -> list[int]:
        """Each week's total of every series but one."""
        return [total - own for total, own in zip(self.totals(), self.series[key], strict=True)]

    @property
    def axis_max(self) -> int:
        """The top of the value axis: the next 1, 2 or 5 times a power of ten."""
        highest = max(self.totals(), default=0)
        step = 1
        while True:
            for factor in (1, 2, 5):
                if step * factor >= highest:
                    return max(step * factor, 1)
            step *= 10


@dataclass(frozen=True)
class Dashboard:
    today: date
    reviews: QueueSummary
    to_schedule: QueueSummary
    to_record: QueueSummary
    to_issue: QueueSummary
    pickups: QueueSummary
    occupancy_requests: QueueSummary
    # Temporary certificates expiring within 30 days, and those expired on a permit not finaled.
    expiring: QueueSummary
    expired: QueueSummary
    capacity: int
    inspectors: TodaysVisits
    week: MoneyPeriod
    month: MoneyPeriod
    stale: StalePermits
    submitted: WeeklyCounts
    results: WeeklyCounts

    @property
    def nothing_waiting(self) -> bool:
        queues = (
            self.reviews,
            self.to_schedule,
            self.to_record,
            self.to_issue,
            self.pickups,
            self.occupancy_requests,
            self.expired,
        )
        return all(queue.count == 0 for queue in queues)


def _utc(day: date) -> datetime:
    """The instant the department's day starts."""
    return datetime.combine(day, time.min, calendar.department_zone()).astimezone(UTC)


def _age(value: date | datetime | None, today: date) -> int | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.astimezone(calendar.department_zone()).date()
    return max(0, (today - value).days)


def _queue(today: date, ordered, *conditions) -> QueueSummary:
    """Count (up to the cap) and the oldest, in one scan of the index ordered by `ordered`."""
    head = (
        select(ordered.label("waiting_since"))
        .where(*conditions)
        .order_by(ordered)
        .limit(COUNT_CAP + 1)
        .subquery()
    )
    count, oldest = db.session.execute(select(func.count(), func.min(head.c.waiting_since))).one()
    return QueueSummary(min(count, COUNT_CAP), count > COUNT_CAP, _age(oldest, today))


def _pickups(today: date) -> QueueSummary:
    count, first = db.session.execute(
        select(func.count(), func.min(PickupAppointment.starts_at)).where(
            PickupAppointment.day == today, PickupAppointment.status == PickupStatus.BOOKED
        )
    ).one()
    return QueueSummary(count, False, first_at=first)


def _inspectors(today: date) -> TodaysVisits:
    """Today's visits per inspector, busiest first: the totals over everyone, the rows for
    the busiest few (a department has hundreds of inspectors; the queue lists every visit).

    One query whatever the number of inspectors: the per-inspector counts come from one
    covering index, are ranked and cut to the shown rows in SQL, and window functions over
    the grouped rows carry the totals, so only the shown rows reach Python."""
    # Grouped on "inspector_id + 0", not the bare column: given the bare column, SQLite
    # walks the (inspector, day) index once per inspector to avoid a sort, instead of
    # today's range of the covering index.
    # Typed as never NULL: the WHERE below leaves out visits with no inspector.
    inspector = cast("Label[int]", (InspectionRequest.inspector_id + 0).label("inspector"))
    loads = (
        select(
            inspector,
            func.count(case((InspectionRequest.scheduled_window == Window.MORNING, 1))).label(
                "morning"
            ),
            func.count(case((InspectionRequest.scheduled_window == Window.AFTERNOON, 1))).label(
                "afternoon"
            ),
            func.count(case((InspectionRequest.status == InspectionStatus.SCHEDULED, 1))).label(
                "to_record"
            ),
        )
        .where(
            InspectionRequest.scheduled_date == today,
            InspectionRequest.status.in_(VISIT_STATES),
            InspectionRequest.inspector_id.is_not(None),
        )
        .group_by(inspector)
        .subquery()
    )
    visits = loads.c.morning + loads.c.afternoon
    ranked = (
        select(
            loads,
            func.count().over().label("inspectors"),
            func.sum(visits).over().label("visits"),
        )
        .order_by(visits.desc(), loads.c.inspector)
        .limit(INSPECTORS_SHOWN)
        .subquery()
    )
    rows = db.session.execute(
        select(ranked, User.name)
        .join(User, User.id == ranked.c.inspector)
        .order_by((ranked.c.morning + ranked.c.afternoon).desc(), ranked.c.inspector)
    ).all()
    if not rows:
        return TodaysVisits(visits=0, inspectors=0, busiest=[])
    return TodaysVisits(
        visits=int(rows[0].visits),
        inspectors=rows[0].inspectors,
        busiest=[
            InspectorLoad(row.inspector, row.name, row.morning, row.afternoon, row.to_record)
            for row in rows
        ],
    )


def _fee_sums(starts: tuple[date, ...], end: date) -> list[int]:
    """Fees assessed from each start to the end of `end`'s eve, in one range scan."""
    sums = db.session.execute(
        select(
            *(
                func.coalesce(
                    func.sum(case((Fee.assessed_at >= _utc(start), Fee.amount_cents), else_=0)),
                    0,
                )
                for start in starts
            )
        ).where(Fee.assessed_at >= _utc(min(starts)), Fee.assessed_at < _utc(end))
    ).one()
    return [int(value) for value in sums]


def _paid(start: date, last: date) -> PeriodTotals:
    """The payments page's own totals (so the two pages agree), from `start` to `last`."""
    return period_totals(PaymentFilters(date_from=start, date_to=last))


def _money(today: date) -> tuple[MoneyPeriod, MoneyPeriod]:
    """Fees assessed, payments received and refunds this week (from Monday) and month."""
    week_start = today - timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    assessed = _fee_sums((week_start, month_start), today + timedelta(days=1))
    periods = []
    for start, assessed_cents in zip((week_start, month_start), assessed, strict=True):
        paid = _paid(start, today)
        periods.append(
            MoneyPeriod(start, today, assessed_cents, paid.received_cents, paid.refunded_cents)
        )
    return periods[0], periods[1]


def _stale(today: date) -> StalePermits:
    """Permits not closed (Finaled, Expired, Revoked), issued more than N days ago, with a
    required inspection not yet passed.

    The wait counts from the permit's issue date: every inspection is outstanding from
    then, and the open permits' partial index lists them oldest first, so the scan stops
    after the first rows (counting from a required inspection's creation would wade
    through the expired and revoked permits' inspections, which stay outstanding forever).
    """
    threshold = current().stale_inspection_days
    outstanding = (
        RequiredInspection.permit_id == Permit.id,
        RequiredInspection.passed_at.is_(None),
        RequiredInspection.removed_at.is_(None),
    )
    conditions = (
        text(OPEN_PERMIT_CONDITION),
        Permit.issued_date < today - timedelta(days=threshold),
        exists().where(*outstanding),
    )
    # Ordered so the planner walks the open permits' index too, whatever its estimates.
    counted = (
        select(Permit.id)
        .where(*conditions)
        .order_by(Permit.issued_date, Permit.id)
        .limit(COUNT_CAP + 1)
        .subquery()
    )
    total = db.session.scalar(select(func.count()).select_from(counted)) or 0
    outstanding_count = select(func.count()).where(*outstanding).correlate(Permit).scalar_subquery()
    rows = db.session.execute(
        select(Permit, outstanding_count)
        .where(*conditions)
        .order_by(Permit.issued_date, Permit.id)
        .limit(STALE_SHOWN)
    ).all()
    permits = [
        StalePermit(
            PermitShown(permit.id, permit.permit_num, permit.address, permit.issued_date),
            (today - permit.issued_date).days,
            count,
        )
        for permit, count in rows
    ]
    return StalePermits(threshold, permits, min(total, COUNT_CAP), total > COUNT_CAP)


def _bucketed(column, group: tuple, weeks: list[date], end: date) -> list[tuple]:
    """(week number, *group, count) for `column` from the first week to `end`."""
    bucket = case(
        *((column < _utc(start), n) for n, start in enumerate(weeks[1:])),
        else_=len(weeks) - 1,
    )
    # Grouped outside a subquery: the CASE's bound dates would otherwise appear twice,
    # and PostgreSQL cannot tell that the two copies are the same expression.
    inner = (
        select(bucket.label("week"), *group)
        .where(column >= _utc(weeks[0]), column < _utc(end))
        .subquery()
    )
    keys = [inner.c.week, *(inner.c[g.key] for g in group)]
    return [tuple(row) for row in db.session.execute(select(*keys, func.count()).group_by(*keys))]


def _weekly(today: date, column, *group) -> tuple[list[date], list[tuple]]:
    """Rows of (week number, *group, count) for `column` in the last CHART_WEEKS weeks."""
    this_monday = today - timedelta(days=today.weekday())
    weeks = [this_monday - timedelta(weeks=n) for n in range(CHART_WEEKS - 1, -1, -1)]
    return weeks, _bucketed(column, group, weeks, today + timedelta(days=1))


def _submitted(today: date) -> WeeklyCounts:
    weeks, rows = _weekly(today, CofOApplication.submitted_at)
    counts = [0] * CHART_WEEKS
    for week, count in rows:
        counts[week] += count
    return WeeklyCounts(weeks, {"submitted": counts})


def _results(today: date) -> WeeklyCounts:
    # Only a result sets inspected_at, so no status filter: that would tempt the planner
    # onto a status index instead of the (inspected_at, status) one that covers the query.
    weeks, rows = _weekly(today, InspectionRequest.inspected_at, InspectionRequest.status)
    series = {outcome.value: [0] * CHART_WEEKS for outcome in OUTCOMES}
    for week, status, count in rows:
        if status.value in series:
            series[status.value][week] += count
    return WeeklyCounts(weeks, series)


def _expiry(today: date) -> dict[str, QueueSummary]:
    soon, lapsed = phases.expiry_counts(today)
    return {
        "expiring": QueueSummary(soon, False),
        "expired": QueueSummary(lapsed, False),
    }


def dashboard() -> Dashboard:
    """Every figure on the staff home, as of now in the department's time zone: computed
    at most once per CACHE_SECONDS and per change, for every web process together."""
    today = calendar.local_today()
    return shared_cache.remembered(
        "dashboard", (today,), COUNTED_FROM, CACHE_SECONDS, lambda: _computed(today)
    )


def _computed(today: date) -> Dashboard:
    week, month = _money(today)
    return Dashboard(
        today=today,
        reviews=_queue(today, CofOApplication.queued_at, CofOApplication.queued_at.is_not(None)),
        to_schedule=_queue(
            today,
            InspectionRequest.requested_at,
            InspectionRequest.status == InspectionStatus.REQUESTED,
        ),
        to_record=_queue(
            today,
            InspectionRequest.scheduled_date,
            InspectionRequest.status == InspectionStatus.SCHEDULED,
            InspectionRequest.scheduled_date <= today,
        ),
        to_issue=_queue(
            today,
            CofOApplication.updated_at,
            CofOApplication.status == ApplicationStatus.INSPECTIONS_COMPLETE,
        ),
        pickups=_pickups(today),
        occupancy_requests=_queue(
            today, OccupancyRequest.created_at, OccupancyRequest.status == RequestStatus.REQUESTED
        ),
        **_expiry(today),
        capacity=current().inspector_daily_capacity,
        inspectors=_inspectors(today),
        week=week,
        month=month,
        stale=_stale(today),
        submitted=_submitted(today),
        results=_results(today),
    )
