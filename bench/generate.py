"""Fill a database with a realistic portal workload for the benchmarks.

    python bench/generate.py --permits 1000000 \
        --database-url sqlite:///$PWD/instance/bench/bench-1000000.sqlite3

The schema comes from the portal itself (create_app + db.create_all), so the data
lands in exactly the tables the pages read. Rows go in with SQLAlchemy Core
executemany in batches (COPY on PostgreSQL), with the secondary indexes dropped
during the load and rebuilt after, and one precomputed argon2 hash shared by
every account. Columns this script does not know (added by a later feature) are
filled from their defaults, so the generator keeps working as the models grow.

Known accounts for the load test, all with the password BENCH_PASSWORD:
bench-owner@example.com (owner of BENCH_OWNER_PERMITS permits, each with an
application and a timeline) and bench-staff@example.com (staff).
"""

import argparse
import json
import pickle
import random
import secrets
import sys
import tempfile
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, String, Table, Text
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Connection, make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_PASSWORD = "bench-password-2026"  # noqa: S105 - a published benchmark account
OWNER_EMAIL = "bench-owner@example.com"
STAFF_EMAIL = "bench-staff@example.com"
BENCH_OWNER_PERMITS = 20
STAFF_ACCOUNTS = 5
# Staff accounts beyond the first few, so each inspector's day holds a realistic handful of
# visits (the daily capacity is 8): one inspector per this many permits.
PERMITS_PER_INSPECTOR = 1000
BATCH = 20_000

# Share of permits with each kind of party, and of owned permits with an application.
OWNED_SHARE = 0.85
CONTRACTOR_SHARE = 0.30
AGENT_SHARE = 0.08
APPLICATION_SHARE = 0.40  # of owned permits: about a third of all permits

# Application status -> weight; about 15% of applications sit in the staff queue.
STATUS_WEIGHTS = {
    "draft": 18,
    "submitted": 8,
    "under_review": 4,
    "information_requested": 5,
    "resubmitted": 3,
    "accepted": 24,
    "inspections_complete": 10,
    "cofo_issued": 22,
    "rejected": 3,
    "not_applicable": 2,
    "withdrawn": 1,
}
# The timeline events each status has been through, oldest first.
_REVIEWED = ["application.started", "application.submitted", "application.review_started"]
STATUS_EVENTS = {
    "draft": ["application.started"],
    "submitted": _REVIEWED[:2],
    "under_review": _REVIEWED,
    "information_requested": [*_REVIEWED, "application.information_requested"],
    "resubmitted": [
        *_REVIEWED,
        "application.information_requested",
        "application.resubmitted",
    ],
    "accepted": [*_REVIEWED, "application.accepted"],
    "inspections_complete": [*_REVIEWED, "application.accepted"],
    "cofo_issued": [*_REVIEWED, "application.accepted"],
    "rejected": [*_REVIEWED, "application.rejected"],
    "not_applicable": [*_REVIEWED, "application.not_applicable"],
    "withdrawn": ["application.started", "application.withdrawn"],
}
STAFF_ACTS = {
    "application.review_started",
    "application.information_requested",
    "application.accepted",
    "application.rejected",
    "application.not_applicable",
}
PERMIT_STATUS_WEIGHTS = {"Issued": 45, "Inspection Phase": 35, "Finaled": 15, "Expired": 4}
TRADES = [
    "new_construction",
    "foundations",
    "electrical",
    "plumbing",
    "ventilation",
    "iron",
    "refrigeration",
    "boiler",
    "fire_protection",
]
STREETS = [
    "N Clark St",
    "W Madison St",
    "S State St",
    "N Milwaukee Ave",
    "W Fullerton Ave",
    "S Halsted St",
    "N Broadway",
    "W Irving Park Rd",
    "S Ashland Ave",
    "N Lincoln Ave",
    "W Belmont Ave",
    "S Cottage Grove Ave",
]
ZIPS = ["60601", "60605", "60607", "60610", "60614", "60618", "60622", "60637", "60640", "60647"]
USES = [
    "Multi-family residential",
    "Office",
    "Retail",
    "Restaurant (assembly)",
    "School",
    "Warehouse",
    "Mixed use",
]
WORK_CLASSES = ["New", "Addition", "Alteration", "Change of occupancy"]
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def weighted(rng: random.Random, weights: dict[str, int], n: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=n)


class Loader:
    """Writes rows to one table: Core executemany in batches, or COPY on PostgreSQL.

    Rows arrive as tuples in ``columns`` order; any other column of the table that
    needs a value gets its default (or an empty value of its type).
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"

    def load(self, table: Table, columns: list[str], rows: Iterable[tuple]) -> int:
        extra_names, extra_values = self._fillers(table, set(columns))
        names = columns + extra_names
        json_at = [i for i, name in enumerate(names) if isinstance(table.c[name].type, JSON)]
        count = 0
        if self.postgres:
            cursor = self.connection.connection.driver_connection.cursor()
            column_sql = ", ".join(f'"{name}"' for name in names)
            with cursor.copy(f'COPY "{table.name}" ({column_sql}) FROM STDIN') as copy:
                for row in rows:
                    values = list(row) + [value() for value in extra_values]
                    for i in json_at:
                        values[i] = json.dumps(values[i])
                    copy.write_row(values)
                    count += 1
            cursor.close()
            return count
        insert = table.insert()
        batch: list[dict] = []
        for row in rows:
            batch.append(
                dict(zip(names, [*row, *(value() for value in extra_values)], strict=True))
            )
            if len(batch) >= BATCH:
                self.connection.execute(insert, batch)
                count += len(batch)
                batch = []
        if batch:
            self.connection.execute(insert, batch)
            count += len(batch)
        return count

    @staticmethod
    def _fillers(table: Table, given: set[str]) -> tuple[list[str], list[Callable[[], object]]]:
        names, values = [], []
        for column in table.columns:
            if column.name in given or (column.primary_key and column.autoincrement):
                continue
            default = column.default
            if default is not None and default.is_callable:
                fn = default.arg
                if column.unique:
                    values.append(lambda fn=fn: fn(None))
                else:
                    once = fn(None)
                    values.append(lambda once=once: once)
            elif default is not None and default.is_scalar:
                values.append(lambda arg=default.arg: arg)
            elif column.server_default is not None or column.nullable:
                continue
            else:
                empty = _empty_value(column.type)
                values.append(lambda empty=empty: empty)
            names.append(column.name)
        return names, values


def _empty_value(column_type) -> object:
    if isinstance(column_type, JSON):
        return {}
    if isinstance(column_type, Boolean):
        return False
    if isinstance(column_type, Integer | Numeric):
        return 0
    if isinstance(column_type, DateTime):
        return NOW
    if isinstance(column_type, Date):
        return NOW.date()
    if isinstance(column_type, String | Text):
        return ""
    raise SystemExit(f"bench/generate.py does not know how to fill a {column_type!r} column")


class Plan:
    """The shape of the data, decided up front so every table's rows agree."""

    def __init__(self, permits: int, users: int, seed: int, today: date) -> None:
        rng = random.Random(seed)
        self.permits = permits
        self.applicants = users
        self.today = today
        # User ids: 1 bench owner, 2 bench staff, then other staff (inspectors), then applicants.
        self.owner_id = 1
        self.staff_id = 2
        staff_count = max(STAFF_ACCOUNTS, permits // PERMITS_PER_INSPECTOR)
        self.staff_ids = [2, *range(3, 3 + staff_count - 1)]
        self.first_applicant = 3 + staff_count - 1
        self.last_user = self.first_applicant + users - 1
        applicant_ids = range(self.first_applicant, self.last_user + 1)

        # Spread the bench owner's permits across the id range, like real claims.
        stride = max(1, permits // BENCH_OWNER_PERMITS)
        bench_permits = range(1, permits + 1, stride)[:BENCH_OWNER_PERMITS]
        # The bench owner's applications go through every status, in order.
        bench_status = {
            permit_id: list(STATUS_WEIGHTS)[n % len(STATUS_WEIGHTS)]
            for n, permit_id in enumerate(bench_permits)
        }
        self.owner_of: list[int] = [0] * (permits + 1)
        self.contractor_of: list[int] = [0] * (permits + 1)
        self.agent_of: list[int] = [0] * (permits + 1)
        self.application_status: list[str | None] = [None] * (permits + 1)
        statuses = weighted(rng, STATUS_WEIGHTS, permits + 1)
        for permit_id in range(1, permits + 1):
            if permit_id in bench_status:
                owner = self.owner_id
                status = bench_status[permit_id]
            elif rng.random() < OWNED_SHARE:
                owner = rng.choice(applicant_ids)
                status = statuses[permit_id] if rng.random() < APPLICATION_SHARE else None
            else:
                continue
            self.owner_of[permit_id] = owner
            self.application_status[permit_id] = status
            if rng.random() < CONTRACTOR_SHARE:
                self.contractor_of[permit_id] = self._other(rng, applicant_ids, owner)
            if rng.random() < AGENT_SHARE:
                agent = self._other(rng, applicant_ids, owner)
                if agent != self.contractor_of[permit_id]:
                    self.agent_of[permit_id] = agent
        self.seed = seed
        # The permit's status and scope (a bit per TRADES entry): the inspection story reads
        # them, so they are decided here rather than while the permit rows are written.
        self.permit_status = weighted(rng, PERMIT_STATUS_WEIGHTS, permits + 1)
        self.scope = array("H", bytes(2 * (permits + 1)))
        for permit_id in range(1, permits + 1):
            if self.application_status[permit_id] == "cofo_issued":
                self.permit_status[permit_id] = "Finaled"
            mask = 0
            for trade in rng.sample(range(len(TRADES)), rng.randrange(1, 6)):
                mask |= 1 << trade
            self.scope[permit_id] = mask
        # Filled while the permit rows are written: what a certificate prints.
        self.addresses: dict[int, str] = {}
        # Filled once the catalogue is seeded (see InspectionCatalogue).
        self.catalogue: InspectionCatalogue | None = None

    @staticmethod
    def _other(rng: random.Random, ids: range, not_this: int) -> int:
        while True:
            pick = rng.choice(ids)
            if pick != not_this:
                return pick


def user_rows(plan: Plan, password_hash: str) -> Iterator[tuple]:
    from portal.search_keys import name_key

    verified = NOW - timedelta(days=400)
    accounts = [(plan.owner_id, OWNER_EMAIL, "Bench Owner", "applicant")]
    for n, user_id in enumerate(plan.staff_ids):
        email = STAFF_EMAIL if user_id == plan.staff_id else f"staff{n}@example.com"
        accounts.append((user_id, email, f"Staff Member {n}", "staff"))
    for user_id, email, name, role in accounts:
        yield (
            user_id,
            email,
            name,
            name_key(name),
            role,
            verified,
            password_hash,
            secrets.token_urlsafe(24),
        )
    for user_id in range(plan.first_applicant, plan.last_user + 1):
        email = f"applicant{user_id}@example.com"
        name = f"Applicant {user_id}"
        yield (
            user_id,
            email,
            name,
            name_key(name),
            "applicant",
            verified,
            password_hash,
            secrets.token_urlsafe(24),
        )


def permit_rows(plan: Plan) -> Iterator[tuple]:
    from portal.search_keys import address_key, permit_search_text

    rng = random.Random(plan.seed + 1)
    start = date(2022, 1, 1)
    for permit_id in range(1, plan.permits + 1):
        applied = start + timedelta(days=rng.randrange(1400))
        issued = applied + timedelta(days=rng.randrange(5, 90))
        use = rng.choice(USES)
        street = f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}"
        zip_code = rng.choice(ZIPS)
        if plan.application_status[permit_id] == "cofo_issued":
            plan.addresses[permit_id] = f"{street}, Chicago, IL {zip_code}"
        mask = plan.scope[permit_id]
        yield (
            permit_id,
            f"BLD{permit_id:09d}",
            f"{rng.choice(WORK_CLASSES)}: {use.lower()}, {rng.randrange(1, 30)} stories",
            applied,
            issued,
            plan.permit_status[permit_id],
            street,
            address_key(street),
            permit_search_text(street, "", "Chicago", "IL", zip_code),
            "",
            "Chicago",
            "IL",
            zip_code,
            "Building",
            rng.choice(WORK_CLASSES),
            use,
            rng.randrange(800, 250_000),
            rng.randrange(0, 120),
            rng.randrange(10_000, 50_000_000) * 100,
            f"Contractor Co {rng.randrange(1, 5000)}",
            f"GC-{rng.randrange(10000, 99999)}",
            [trade for bit, trade in enumerate(TRADES) if mask & (1 << bit)],
            secrets.token_hex(4).upper(),
            1,
            datetime.combine(issued, datetime.min.time(), UTC),
        )


def party_rows(plan: Plan) -> Iterator[tuple]:
    party_id = 0
    for permit_id in range(1, plan.permits + 1):
        owner = plan.owner_of[permit_id]
        if not owner:
            continue
        claimed = NOW - timedelta(days=permit_id % 700 + 30)
        party_id += 1
        yield (party_id, permit_id, owner, "owner", "", "", None, claimed)
        if plan.contractor_of[permit_id]:
            party_id += 1
            yield (
                party_id,
                permit_id,
                plan.contractor_of[permit_id],
                "contractor",
                "Electrical",
                f"EC-{permit_id % 90000 + 10000}",
                owner,
                claimed + timedelta(days=3),
            )
        if plan.agent_of[permit_id]:
            party_id += 1
            yield (party_id, permit_id, plan.agent_of[permit_id], "agent", "", "", owner, claimed)


def application_rows(plan: Plan) -> Iterator[tuple]:
    rng = random.Random(plan.seed + 2)
    application_id = 0
    for permit_id in range(1, plan.permits + 1):
        status = plan.application_status[permit_id]
        if status is None:
            continue
        application_id += 1
        started = NOW - timedelta(days=rng.randrange(2, 200), seconds=rng.randrange(86400))
        submitted = None if status == "draft" else started + timedelta(days=1)
        decided = submitted + timedelta(days=5) if status in _DECIDED else None
        complete = status != "draft"
        yield (
            application_id,
            permit_id,
            status,
            None if submitted is None else f"CO-{application_id:08d}",
            plan.owner_of[permit_id],
            ["B"] if permit_id % 3 else ["R-2"],
            "Entire building",
            rng.randrange(10, 900),
            rng.randrange(800, 250_000),
            rng.randrange(0, 120),
            0,
            rng.randrange(1, 30),
            "I-A",
            True,
            False,
            "full",
            complete,
            complete,
            complete,
            complete,
            plan.owner_of[permit_id] if complete else None,
            submitted,
            submitted,
            submitted + timedelta(days=9) if status == "resubmitted" else None,
            submitted if status in _QUEUED else None,
            rng.choice(plan.staff_ids) if decided else None,
            decided,
            _staff_message(status),
            1,
            started,
        )


# The staff queue reads queued_at (set while an application waits, as the services do).
_QUEUED = {"submitted", "under_review", "resubmitted"}
_DECIDED = {
    "information_requested",
    "resubmitted",
    "accepted",
    "inspections_complete",
    "cofo_issued",
    "rejected",
    "not_applicable",
}


def _staff_message(status: str) -> str:
    if status in ("information_requested", "resubmitted"):
        return "Please upload the stamped floor plan showing the occupancy load."
    if status in ("rejected", "not_applicable"):
        return "The permitted work does not require a certificate."
    return ""


def timeline_rows(plan: Plan) -> Iterator[tuple]:
    entry_id = 0
    application_id = 0
    for permit_id in range(1, plan.permits + 1):
        recorded = NOW - timedelta(days=permit_id % 900 + 400)
        entry_id += 1
        yield (
            entry_id,
            permit_id,
            recorded,
            "permit.imported",
            {"permit_num": f"BLD{permit_id:09d}"},
            None,
            True,
        )
        owner = plan.owner_of[permit_id]
        if not owner:
            continue
        claimed = NOW - timedelta(days=permit_id % 700 + 30)
        entry_id += 1
        yield (
            entry_id,
            permit_id,
            claimed,
            "permit.claimed",
            {"name": f"Applicant {owner}"},
            owner,
            False,
        )
        status = plan.application_status[permit_id]
        if status is None:
            continue
        application_id += 1
        confirmation = f"CO-{application_id:08d}"
        for step, event in enumerate(STATUS_EVENTS[status]):
            entry_id += 1
            staff_act = event in STAFF_ACTS
            yield (
                entry_id,
                permit_id,
                claimed + timedelta(days=step + 1),
                event,
                _event_params(event, confirmation),
                plan.staff_id if staff_act else owner,
                staff_act,
            )


def _event_params(event: str, confirmation: str) -> dict:
    if event == "application.submitted":
        return {"confirmation": confirmation}
    if event == "application.information_requested":
        return {"message": _staff_message("information_requested")}
    if event in ("application.rejected", "application.not_applicable"):
        return {"reason": _staff_message("rejected")}
    return {}


# ---- inspections, fees, payments, certificates, pickups -------------------------------------

MASK64 = (1 << 64) - 1
COFO_INSPECTION_FEE = 12_000  # the bench department charges for its C of O inspections
REINSPECTION_SHARE = 0.08  # a passed inspection that failed once first
NO_ACCESS_SHARE = 0.03  # a visit the inspector could not make: a reinspection fee
CANCELLED_SHARE = 0.04
OPEN_REQUEST_SHARE = 0.25  # of permits with an inspection still to pass
SCHEDULED_SHARE = 0.5  # of open requests
PICKUP_SHARE = 0.3  # of certificates
# Of those, booked for a coming day (the rest were picked up, missed or cancelled), spread
# over this many business days: about 110 a day at 1,000,000 permits, under the counter's
# capacity. (30% used to be booked for today: 6,739 at one counter in one morning.)
BOOKED_AHEAD_SHARE = 0.05
BOOKING_DAYS = 10
PAY_METHODS = ("card", "card", "card", "card", "card", "card", "card", "card", "cash", "check")
CONTACT_PHONE = "312-555-0100"
OFFICIAL = ("Jordan Rivera", "Building Commissioner")
STAND_IN_PDF = b"%PDF-1.7\n% bench stand-in certificate\n%%EOF\n"
FAILED_REMARKS = "Deficiencies noted; correct them and request the inspection again."
REINSPECTION_REASON = "Reinspection fee (14A-5-501.4): no access or not ready"


def unit(n: int, salt: int) -> float:
    """A uniform number in [0, 1) from (n, salt) alone (splitmix64), so every pass over the
    permits tells the same story without keeping it in memory or seeding a generator."""
    x = (n * 0x9E3779B97F4A7C15 + salt * 0xD1B54A32D192ED03) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return (x ^ (x >> 31)) / 18446744073709551616


# The department's holidays, as the portal seeds them (read by seed_reference_data before
# any row is made): no visit, pickup or scheduled day falls on one, nor on a weekend.
HOLIDAYS: set[date] = set()


def _closed(day: date) -> bool:
    return day.weekday() >= 5 or day in HOLIDAYS


def business_day(day: date) -> date:
    """The day itself if the department works then, else the next day it does."""
    while _closed(day):
        day += timedelta(days=1)
    return day


def business_days_ahead(day: date, count: int) -> date:
    """The business day `count` business days after `day` (0: `day` or the next one)."""
    day = business_day(day)
    for _ in range(count):
        day = business_day(day + timedelta(days=1))
    return day


def business_days_back(day: date, count: int) -> date:
    """The business day `count` business days before `day` (0: `day` or the one before)."""
    while _closed(day):
        day -= timedelta(days=1)
    for _ in range(count):
        day -= timedelta(days=1)
        while _closed(day):
            day -= timedelta(days=1)
    return day


def working_days_before(moment: datetime, count: int) -> datetime:
    """The same time `count` business days before."""
    return datetime.combine(business_days_back(moment.date(), count), moment.timetz())


class InspectionCatalogue:
    """The seeded inspection types, and which of them each scope (a TRADES bit mask) needs."""

    def __init__(self, types: list[tuple[int, str, str, list[str]]], fee_entries: dict) -> None:
        # types: (id, code, stage, trades) in the catalogue's order (stage order).
        self.by_mask: list[list[tuple[int, bool]]] = []
        for mask in range(1 << len(TRADES)):
            trades = {trade for bit, trade in enumerate(TRADES) if mask & (1 << bit)}
            self.by_mask.append(
                [
                    (type_id, stage == "cofo")
                    for type_id, _code, stage, type_trades in types
                    if not type_trades or trades & set(type_trades)
                ]
            )
        self.names = {type_id: code for type_id, code, _stage, _trades in types}
        self.reinspection_entry, self.reinspection_cents = fee_entries["reinspection"]


class Visit:
    """One inspection request in a permit's story."""

    __slots__ = (
        "index",
        "status",
        "result",
        "reinspection",
        "requested_at",
        "preferred",
        "scheduled",
        "window",
        "inspector",
        "inspected_at",
        "cancelled_at",
        "fee",
    )

    def __init__(self, index: int, status: str, requested_at: datetime, preferred: date) -> None:
        self.index = index
        self.status = status
        self.result = None
        self.reinspection = False
        self.requested_at = requested_at
        self.preferred = preferred
        self.scheduled = None
        self.window = "morning"
        self.inspector = None
        self.inspected_at = None
        self.cancelled_at = None
        # (kind, amount_cents, status, paid_at) or None
        self.fee: tuple | None = None


def passed_inspections(plan: Plan, permit_id: int) -> tuple[list, list[datetime]]:
    """The permit's required inspections, and when it passed the first few, in stage order.

    Finaled permits (and those whose application is past its inspections) passed them all;
    a permit in its inspection phase passed some; an issued permit has barely started. A
    pure function of the permit: the required inspections and the requests agree on it.
    """
    types = plan.catalogue.by_mask[plan.scope[permit_id]]
    n = len(types)
    status = plan.permit_status[permit_id]
    application = plan.application_status[permit_id]
    draw = unit(permit_id, 1)
    if status == "Finaled" or application in ("inspections_complete", "cofo_issued"):
        passed = n
    elif status == "Inspection Phase" or application == "accepted":
        passed = min(n - 1, int(draw * (n - 1)) + (application == "accepted"))
    elif status == "Expired":
        passed = int(draw * (n - 2)) if n > 2 else 0
    else:
        passed = 1 if draw < 0.3 and n > 2 else 0
    # Passes are a step of business days apart, at the same time of day; a series that
    # would run past yesterday ends on one of the last 30 business days instead. (Clamping
    # each date at yesterday piled tens of thousands of passes onto that one day, often a
    # weekend; moving closed days back to Friday made every Friday three days' work.)
    step = 2 + int(unit(permit_id, 3) * 9)
    # 28 to 388 business days ago (about 40 to 540 days), any weekday alike.
    first = datetime.combine(
        business_days_back(NOW.date(), 28 + int(unit(permit_id, 2) * 360)), NOW.timetz()
    )
    days = [first.date()]
    for _ in range(passed - 1):
        days.append(business_days_ahead(days[-1] + timedelta(days=1), step - 1))
    yesterday = (NOW - timedelta(days=1)).date()
    if passed and days[-1] > yesterday:
        last = business_days_back(yesterday, int(unit(permit_id, 4) * 30))
        days = [business_days_back(last, step * (passed - 1 - i)) for i in range(passed)]
    return types, [datetime.combine(day, first.timetz()) for day in days]


def _fee_status(draw: float, outstanding: float, paid: float) -> str:
    if draw < outstanding:
        return "outstanding"
    return "paid" if draw < outstanding + paid else "waived"


def _earlier_visit(index: int, result: str, visited: datetime, inspector: int) -> Visit:
    """A visit before the one that passed, requested three days ahead."""
    visit = Visit(index, result, visited - timedelta(days=3), visited.date())
    visit.result = result
    visit.scheduled = visit.preferred
    visit.inspector = inspector
    visit.inspected_at = visited
    return visit


def visits_of(
    plan: Plan, permit_id: int, types: list, passed_at: list[datetime], rng: random.Random
) -> list[Visit]:
    """The permit's inspection requests, oldest first.

    Some passes follow a failed visit; some visits found no access (a reinspection fee);
    some requests were cancelled; a permit in its inspection phase may have one open
    (requested, or scheduled around today, a fair share today, for every inspector).
    Permits nobody claimed passed theirs outside the portal: no requests.
    """
    visits: list[Visit] = []
    if not plan.owner_of[permit_id]:
        return visits
    draw = rng.random
    inspectors = plan.staff_ids
    reinspection_cents = plan.catalogue.reinspection_cents
    day = timedelta(days=1)
    for i, when in enumerate(passed_at):
        inspector = inspectors[(permit_id + i) % len(inspectors)]
        if draw() < REINSPECTION_SHARE:
            visits.append(_earlier_visit(i, "failed", working_days_before(when, 4), inspector))
        if draw() < NO_ACCESS_SHARE:
            missed = _earlier_visit(i, "no_access", working_days_before(when, 2), inspector)
            fee_status = _fee_status(draw(), 0.3, 0.55)
            paid_at = when + day if fee_status == "paid" else None
            missed.fee = ("reinspection", reinspection_cents, fee_status, paid_at)
            visits.append(missed)
        visit = Visit(i, "passed", when - 4 * day, (when - day).date())
        visit.result = "granted_complete" if types[i][1] else "passed"
        visit.reinspection = bool(visits) and visits[-1].index == i
        visit.scheduled = when.date()
        visit.inspector = inspector
        visit.inspected_at = when
        if types[i][1]:
            visit.fee = ("inspection", COFO_INSPECTION_FEE, "paid", when - 4 * day)
        visits.append(visit)
    passed = len(passed_at)
    status = plan.permit_status[permit_id]
    if passed == len(types) or status == "Expired":
        return visits
    if draw() < CANCELLED_SHARE:
        asked = NOW - timedelta(days=20 + int(draw() * 20))
        cancelled = Visit(passed, "cancelled", asked, business_day((asked + 3 * day).date()))
        cancelled.cancelled_at = asked + day
        if types[passed][1]:
            cancelled.fee = ("inspection", COFO_INSPECTION_FEE, "waived", None)
        visits.append(cancelled)
    if status == "Inspection Phase" and draw() < OPEN_REQUEST_SHARE:
        today = plan.today
        asked = NOW - timedelta(hours=1 + int(draw() * 96))
        visit = Visit(
            passed, "requested", asked, business_day(today + (int(draw() * 12) - 2) * day)
        )
        visit.window = "afternoon" if draw() < 0.4 else "morning"
        if draw() < SCHEDULED_SHARE:
            visit.status = "scheduled"
            # Over the next ten business days, today's share included when it is one;
            # about what the inspectors can visit (a day per inspector is eight visits).
            visit.scheduled = business_days_ahead(today, int(draw() * 10))
            visit.inspector = inspectors[int(draw() * len(inspectors))]
        if types[passed][1]:
            paid = draw() >= 0.6
            visit.fee = (
                "inspection",
                COFO_INSPECTION_FEE,
                "paid" if paid else "outstanding",
                asked + timedelta(hours=1) if paid else None,
            )
        visits.append(visit)
    return visits


def required_rows(plan: Plan) -> Iterator[tuple]:
    required_id = 0
    for permit_id in range(1, plan.permits + 1):
        types, passed_at = passed_inspections(plan, permit_id)
        created = NOW - timedelta(days=permit_id % 900 + 400)
        passed = len(passed_at)
        for i, (type_id, _cofo) in enumerate(types):
            required_id += 1
            yield (
                required_id,
                permit_id,
                type_id,
                passed_at[i] if i < passed else None,
                created,
            )


def request_rows(plan: Plan, ledger: "Ledger") -> Iterator[tuple]:
    """The requests; their fees go to the ledger, to be loaded once the requests are in."""
    rng = random.Random(plan.seed + 3)
    request_id = 0
    required_base = 0
    for permit_id in range(1, plan.permits + 1):
        types, passed_at = passed_inspections(plan, permit_id)
        requester = plan.owner_of[permit_id]
        for visit in visits_of(plan, permit_id, types, passed_at, rng):
            request_id += 1
            scheduled = visit.scheduled if visit.status != "requested" else None
            if visit.fee is not None:
                ledger.add(permit_id, request_id, visit)
            yield (
                request_id,
                permit_id,
                required_base + visit.index + 1,
                types[visit.index][0],
                visit.status,
                requester,
                visit.requested_at,
                visit.reinspection,
                visit.preferred,
                visit.window,
                f"Applicant {requester}",
                CONTACT_PHONE,
                True,
                True,
                True,
                True,
                True,
                scheduled,
                visit.window if scheduled else None,
                visit.inspector,
                plan.staff_id if scheduled else None,
                visit.requested_at + timedelta(hours=2) if scheduled else None,
                visit.result,
                visit.inspected_at,
                visit.inspector if visit.inspected_at else None,
                FAILED_REMARKS if visit.status == "failed" else "",
                visit.cancelled_at,
                requester if visit.cancelled_at else None,
                False,
                1,
                visit.requested_at,
            )
        required_base += len(types)


class Ledger:
    """The fees the requests drew, and a succeeded payment for each paid one.

    Filled while the requests are written and loaded after them (the fees point at the
    requests): spooled to a temporary file in batches, so a million permits' fees never
    sit in memory; the payments keep one small tuple per paid fee.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed once read back
        self.batch: list[tuple] = []
        self.fees = 0
        # (payment_id, fee_id, permit_id, amount_cents, paid_at, kind)
        self.paid: list[tuple[int, int, int, int, datetime, str]] = []

    def add(self, permit_id: int, request_id: int, visit: Visit) -> None:
        plan = self.plan
        kind, amount, status, paid_at = visit.fee
        self.fees += 1
        fee_id = self.fees
        assessed = visit.inspected_at or visit.requested_at
        reinspection = kind == "reinspection"
        waived = status == "waived"
        if status == "paid":
            paid_at = min(max(paid_at, assessed), NOW)
            self.paid.append((len(self.paid) + 1, fee_id, permit_id, amount, paid_at, kind))
        if waived:
            why = "First occurrence" if reinspection else "Cancelled in good time"
        self.batch.append(
            (
                fee_id,
                permit_id,
                request_id,
                kind,
                amount,
                status,
                REINSPECTION_REASON if reinspection else "C of O inspection",
                plan.catalogue.reinspection_entry if reinspection else None,
                assessed,
                visit.inspector if reinspection else plan.owner_of[permit_id],
                assessed + timedelta(days=2) if waived else None,
                plan.staff_id if waived else None,
                why if waived else "",
                paid_at if status == "paid" else None,
                1,
                assessed,
            )
        )
        if len(self.batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        pickle.dump(self.batch, self.spool)
        self.batch = []

    def fee_rows(self) -> Iterator[tuple]:
        self._flush()
        self.spool.seek(0)
        while True:
            try:
                yield from pickle.load(self.spool)  # noqa: S301 - our own temporary file
            except EOFError:
                break
        self.spool.close()

    def payment_rows(self) -> Iterator[tuple]:
        plan = self.plan
        for payment_id, _fee_id, permit_id, amount, paid_at, _kind in self.paid:
            owner = plan.owner_of[permit_id]
            method = PAY_METHODS[payment_id % len(PAY_METHODS)]
            online = method == "card"
            yield (
                payment_id,
                permit_id,
                method,
                "succeeded",
                amount,
                "usd",
                owner if online else plan.staff_id,
                OWNER_EMAIL if owner == plan.owner_id else f"applicant{owner}@example.com",
                f"cs_bench_{payment_id}" if online else None,
                "" if online else f"{method.upper()}-{payment_id}",
                paid_at,
                paid_at,
                f"R-{paid_at.year}-{payment_id:08d}",
                1,
                paid_at - timedelta(minutes=3),
            )

    def payment_fee_rows(self) -> Iterator[tuple]:
        for payment_id, fee_id, _permit_id, amount, _paid_at, kind in self.paid:
            description = "Reinspection fee" if kind == "reinspection" else "Inspection fee"
            yield (payment_id, payment_id, fee_id, None, amount, description)


class Certificates:
    """A certificate, with one current version, for each application in "C of O Issued"."""

    def __init__(self, plan: Plan, stored_file: tuple[int, str], slots: list[tuple]) -> None:
        self.plan = plan
        self.stored_file_id, self.sha256 = stored_file
        # (slot_id, weekday, start, end)
        self.slots = {weekday: (slot_id, start, end) for slot_id, weekday, start, end in slots}
        self.issued: list[tuple[int, int, int, date]] = []  # (certificate_id, permit_id, year, ...)
        self.counters: dict[int, int] = {}

    def _each(self) -> Iterator[tuple[int, int, date]]:
        application_id = 0
        for permit_id in range(1, self.plan.permits + 1):
            status = self.plan.application_status[permit_id]
            if status is None:
                continue
            application_id += 1
            if status == "cofo_issued":
                granted = self.plan.today - timedelta(days=1 + int(unit(permit_id, 60) * 300))
                yield permit_id, application_id, granted

    def certificate_rows(self) -> Iterator[tuple]:
        for certificate_id, (permit_id, application_id, granted) in enumerate(self._each(), 1):
            sequence = self.counters.get(granted.year, 0) + 1
            self.counters[granted.year] = sequence
            self.issued.append((certificate_id, permit_id, granted))
            created = datetime.combine(granted, clock(15), UTC)
            yield (
                certificate_id,
                f"CO-{granted.year}-{sequence:06d}",
                granted.year,
                sequence,
                permit_id,
                application_id,
                self.plan.staff_ids[permit_id % len(self.plan.staff_ids)],
                1,
                created,
            )

    def version_rows(self) -> Iterator[tuple]:
        plan = self.plan
        for certificate_id, permit_id, granted in self.issued:
            owner = plan.owner_of[permit_id]
            yield (
                certificate_id,
                certificate_id,
                1,
                "current",
                "full",
                "Entire building",
                10 + permit_id % 890,
                ["B"] if permit_id % 3 else ["R-2"],
                "I-A",
                granted,
                f"BLD{permit_id:09d}",
                plan.addresses[permit_id],
                "Bench Owner" if owner == plan.owner_id else f"Applicant {owner}",
                OFFICIAL[0],
                OFFICIAL[1],
                self.stored_file_id,
                self.sha256,
                plan.staff_id,
                datetime.combine(granted, clock(15), UTC),
            )

    def counter_rows(self) -> Iterator[tuple]:
        yield from sorted(self.counters.items())

    def pickup_rows(self, zone: ZoneInfo) -> Iterator[tuple]:
        plan = self.plan
        today = plan.today
        appointment_id = 0
        for certificate_id, permit_id, granted in self.issued:
            if unit(permit_id, 61) >= PICKUP_SHARE:
                continue
            draw = unit(permit_id, 62)
            # Bookings ahead are spread over the next BOOKING_DAYS business days, today
            # included when the counter is open: a day's share stays within its capacity.
            ahead = business_days_ahead(today, int(unit(permit_id, 63) * BOOKING_DAYS))
            if draw < BOOKED_AHEAD_SHARE:
                status, day = "booked", ahead
            else:
                day = business_day(granted + timedelta(days=3))
                if day >= today:
                    status, day = "booked", ahead
                else:
                    status = (
                        "picked_up" if draw < 0.85 else ("no_show" if draw < 0.93 else "cancelled")
                    )
            slot_id, start, end = self.slots[day.weekday()]
            appointment_id += 1
            done = status in ("picked_up", "no_show")
            yield (
                appointment_id,
                certificate_id,
                permit_id,
                slot_id,
                day,
                datetime.combine(day, start, zone),
                datetime.combine(day, end, zone),
                status,
                plan.owner_of[permit_id],
                plan.staff_id if done else None,
                datetime.combine(day, start, zone) + timedelta(minutes=20) if done else None,
                status == "picked_up",
                "Bench Owner" if status == "picked_up" else "",
                datetime.combine(day, start, zone) - timedelta(days=1)
                if status == "cancelled"
                else None,
                1,
                datetime.combine(granted, clock(16), UTC),
            )


def seed_reference_data(plan: Plan) -> tuple[tuple[int, str], list[tuple]]:
    """The catalogue, holidays and fee schedule as the portal seeds them; the counter's
    weekday hours; the stand-in PDF every certificate version points at."""
    from sqlalchemy import select

    from portal.certificates.models import PickupSlot
    from portal.documents.store import save_bytes
    from portal.extensions import db
    from portal.inspections import catalogue
    from portal.inspections.models import InspectionStage, InspectionType
    from portal.payments.models import FeeKind, FeeScheduleEntry
    from portal.settings.models import Holiday

    catalogue.seed_types()
    HOLIDAYS.update(db.session.scalars(select(Holiday.day)))
    types = db.session.scalars(select(InspectionType).order_by(InspectionType.sort_order)).all()
    for inspection_type in types:
        if inspection_type.stage == InspectionStage.COFO:
            inspection_type.fee_cents = COFO_INSPECTION_FEE
    entry = db.session.scalar(
        select(FeeScheduleEntry).where(FeeScheduleEntry.kind == FeeKind.REINSPECTION)
    )
    # Weekday mornings; on a weekend run, today's weekday too, so "today" has a counter.
    weekdays = sorted({0, 1, 2, 3, 4, plan.today.weekday()})
    slots = [
        PickupSlot(weekday=day, start=clock(9), end=clock(12), capacity=400) for day in weekdays
    ]
    db.session.add_all(slots)
    stored = save_bytes(STAND_IN_PDF, "application/pdf")
    db.session.commit()
    plan.catalogue = InspectionCatalogue(
        [(t.id, t.code, t.stage.value, list(t.trades or [])) for t in types],
        {"reinspection": (entry.id, entry.amount_cents)},
    )
    return (stored.id, stored.sha256), [(s.id, s.weekday, s.start, s.end) for s in slots]


# What --search-only loads: the tables the staff search reads at scale.
SEARCH_TABLES = ("users", "permits")


def generate(
    database_url: str, permits: int, users: int, seed: int, search_only: bool = False
) -> None:
    from portal import create_app, search_index
    from portal.auth.passwords import hash_password
    from portal.extensions import db

    started = time.monotonic()
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        Path(url.database).unlink(missing_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        tables = db.metadata.tables
        log(f"schema created ({len(tables)} tables); planning {permits:,} permits")
        zone = ZoneInfo(app.config["PORTAL_TIMEZONE"])
        plan = Plan(permits, users, seed, datetime.now(zone).date())
        stored_file, slots = seed_reference_data(plan)
        ledger = Ledger(plan)
        certificates = Certificates(plan, stored_file, slots)
        password_hash = hash_password(BENCH_PASSWORD)
        loads = [
            (
                "users",
                [
                    "id",
                    "email",
                    "name",
                    "name_key",
                    "role",
                    "email_verified_at",
                    "password_hash",
                    "session_token",
                ],
                user_rows(plan, password_hash),
            ),
            (
                "permits",
                [
                    "id",
                    "permit_num",
                    "description",
                    "applied_date",
                    "issued_date",
                    "status_current",
                    "original_address1",
                    "address_key",
                    "search_text",
                    "original_address2",
                    "original_city",
                    "original_state",
                    "original_zip",
                    "permit_type",
                    "work_class",
                    "proposed_use",
                    "total_sq_ft",
                    "housing_units",
                    "est_project_cost_cents",
                    "contractor_company_name",
                    "contractor_lic_num",
                    "scope",
                    "access_code",
                    "version",
                    "created_at",
                ],
                permit_rows(plan),
            ),
            (
                "permit_parties",
                [
                    "id",
                    "permit_id",
                    "user_id",
                    "role",
                    "trade",
                    "license_number",
                    "added_by_id",
                    "created_at",
                ],
                party_rows(plan),
            ),
            (
                "cofo_applications",
                [
                    "id",
                    "permit_id",
                    "status",
                    "confirmation_number",
                    "created_by_id",
                    "occupancy_groups",
                    "portion_of_building",
                    "occupancy_load",
                    "floor_area_sq_ft",
                    "dwelling_units",
                    "sleeping_units",
                    "stories",
                    "construction_type",
                    "sprinklered",
                    "change_of_occupancy",
                    "certificate_type",
                    "attest_owner_involved",
                    "attest_professionals",
                    "attest_permits_finaled",
                    "attest_true",
                    "attested_by_id",
                    "attested_at",
                    "submitted_at",
                    "resubmitted_at",
                    "queued_at",
                    "reviewer_id",
                    "decided_at",
                    "staff_message",
                    "version",
                    "created_at",
                ],
                application_rows(plan),
            ),
            (
                "timeline_entries",
                ["id", "permit_id", "created_at", "event", "params", "actor_id", "by_department"],
                timeline_rows(plan),
            ),
            (
                "required_inspections",
                ["id", "permit_id", "inspection_type_id", "passed_at", "created_at"],
                required_rows(plan),
            ),
            (
                "inspection_requests",
                [
                    "id",
                    "permit_id",
                    "required_inspection_id",
                    "inspection_type_id",
                    "status",
                    "requested_by_id",
                    "requested_at",
                    "reinspection",
                    "preferred_date_1",
                    "window",
                    "contact_name",
                    "contact_phone",
                    "confirm_present",
                    "confirm_trades",
                    "confirm_plans",
                    "confirm_access",
                    "confirm_equipment",
                    "scheduled_date",
                    "scheduled_window",
                    "inspector_id",
                    "scheduled_by_id",
                    "scheduled_at",
                    "result",
                    "inspected_at",
                    "result_by_id",
                    "remarks",
                    "cancelled_at",
                    "cancelled_by_id",
                    "late_cancel",
                    "version",
                    "created_at",
                ],
                request_rows(plan, ledger),
            ),
            (
                "fees",
                [
                    "id",
                    "permit_id",
                    "inspection_request_id",
                    "kind",
                    "amount_cents",
                    "status",
                    "reason",
                    "schedule_entry_id",
                    "assessed_at",
                    "assessed_by_id",
                    "waived_at",
                    "waived_by_id",
                    "waiver_reason",
                    "paid_at",
                    "version",
                    "created_at",
                ],
                ledger.fee_rows(),
            ),
            (
                "payments",
                [
                    "id",
                    "permit_id",
                    "method",
                    "status",
                    "amount_cents",
                    "currency",
                    "created_by_id",
                    "customer_email",
                    "checkout_session_id",
                    "reference",
                    "succeeded_at",
                    "ended_at",
                    "receipt_number",
                    "version",
                    "created_at",
                ],
                ledger.payment_rows(),
            ),
            (
                "payment_fees",
                ["id", "payment_id", "fee_id", "open_fee_id", "amount_cents", "description"],
                ledger.payment_fee_rows(),
            ),
            (
                "certificates",
                [
                    "id",
                    "number",
                    "year",
                    "sequence",
                    "permit_id",
                    "application_id",
                    "issued_by_id",
                    "last_version",
                    "created_at",
                ],
                certificates.certificate_rows(),
            ),
            (
                "certificate_versions",
                [
                    "id",
                    "certificate_id",
                    "version_number",
                    "status",
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
                    "created_at",
                ],
                certificates.version_rows(),
            ),
            (
                "certificate_counters",
                ["year", "last_number"],
                certificates.counter_rows(),
            ),
            (
                "pickup_appointments",
                [
                    "id",
                    "certificate_id",
                    "permit_id",
                    "slot_id",
                    "day",
                    "starts_at",
                    "ends_at",
                    "status",
                    "booked_by_id",
                    "handled_by_id",
                    "handled_at",
                    "identity_checked",
                    "collected_by",
                    "cancelled_at",
                    "version",
                    "created_at",
                ],
                certificates.pickup_rows(zone),
            ),
        ]
        if search_only:
            loads = [load for load in loads if load[0] in SEARCH_TABLES]
        engine = db.engine
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA synchronous=OFF")
            # Secondary indexes are built once at the end: far cheaper than row by row.
            indexes = [index for name, _, _ in loads for index in tables[name].indexes]
            for index in indexes:
                index.drop(connection)
            # Likewise the staff search's FTS5 tables and trigram indexes (portal/search_index).
            search_index.drop(connection)
            loader = Loader(connection)
            for name, columns, rows in loads:
                table_started = time.monotonic()
                count = loader.load(tables[name], columns, rows)
                log(f"{name}: {count:,} rows in {time.monotonic() - table_started:.1f} s")
            index_started = time.monotonic()
            for index in indexes:
                index.create(connection)
            log(f"{len(indexes)} indexes built in {time.monotonic() - index_started:.1f} s")
            search_started = time.monotonic()
            search_index.create(connection)
            log(f"search structures built in {time.monotonic() - search_started:.1f} s")
            if engine.dialect.name == "postgresql":
                for name, columns, _ in loads:
                    if "id" not in columns:
                        continue
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f'(SELECT max(id) FROM "{name}"))'
                    )
        if engine.dialect.name == "postgresql":
            _vacuum(engine, [name for name, _, _ in loads])
        queue = db.session.execute(
            sql_text("SELECT count(*) FROM cofo_applications WHERE queued_at IS NOT NULL")
        ).scalar()
        by_status = dict(
            db.session.execute(
                sql_text("SELECT status, count(*) FROM inspection_requests GROUP BY status")
            ).all()
        )
        today_visits = db.session.execute(
            sql_text(
                "SELECT count(*), count(DISTINCT inspector_id) FROM inspection_requests "
                "WHERE status = 'scheduled' AND scheduled_date = :today"
            ),
            {"today": plan.today},
        ).one()
        visit_days = db.session.execute(
            sql_text(
                "SELECT scheduled_date, count(*) FROM inspection_requests "
                "WHERE scheduled_date IS NOT NULL GROUP BY scheduled_date"
            )
        ).all()
        pickup_days = db.session.execute(
            sql_text(
                "SELECT day, count(*) FROM pickup_appointments WHERE status = 'booked' GROUP BY day"
            )
        ).all()
    log(f"done in {time.monotonic() - started:.1f} s; {queue:,} applications in the staff queue")
    _log_daily_load(visit_days, pickup_days, plan.today)
    log(
        "inspection requests: "
        + ", ".join(f"{status} {count:,}" for status, count in sorted(by_status.items()))
        + f"; {today_visits[0]:,} visits today for {today_visits[1]:,} inspectors"
    )
    print(f"database: {database_url}")
    print(f"permits: {permits:,}; applicants: {users:,}")
    print(f"owner account: {OWNER_EMAIL} ({BENCH_OWNER_PERMITS} permits)")
    print(f"staff account: {STAFF_EMAIL}")
    print(f"password for both: {BENCH_PASSWORD}")


def _log_daily_load(visit_days: list, pickup_days: list, today: date) -> None:
    """Show that no day is overloaded and no visit falls on a day the department is closed."""

    def as_date(value) -> date:
        return value if isinstance(value, date) else date.fromisoformat(str(value))

    visits = {as_date(day): count for day, count in visit_days}
    closed = sum(count for day, count in visits.items() if _closed(day))
    busiest = max(visits.items(), key=lambda item: item[1], default=(today, 0))
    log(f"visits: busiest day {busiest[0]} with {busiest[1]:,}; {closed:,} on weekends or holidays")
    pickups = {as_date(day): count for day, count in pickup_days}
    busiest = max(pickups.items(), key=lambda item: item[1], default=(today, 0))
    log(
        f"pickups booked: {pickups.get(today, 0):,} today, busiest day {busiest[0]} "
        f"with {busiest[1]:,} (the counter seats 400 a morning)"
    )


def _vacuum(engine, tables: list[str]) -> None:
    """Vacuum and analyse the fresh tables, as autovacuum soon would, so the statistics and
    the visibility map (index-only scans) are as in steady state; then show that the map is
    set. VACUUM marks a page all-visible only if no open transaction could still need its
    old row versions, so this process's own session must not hold one: commit and close it
    first (an open read transaction here left relallvisible at 0 on every table, and the
    dashboard 4x slower, until a manual VACUUM)."""
    from portal.extensions import db

    db.session.commit()
    db.session.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for name in tables:
            connection.exec_driver_sql(f'VACUUM ANALYZE "{name}"')
        rows = connection.execute(
            sql_text(
                "SELECT relname, relpages, relallvisible FROM pg_class "
                "WHERE relkind = 'r' AND relname = ANY(:names) ORDER BY relpages DESC"
            ),
            {"names": tables},
        ).all()
    for name, pages, visible in rows[:8]:
        log(f"visibility map: {name} {visible:,} of {pages:,} pages all-visible")
    unset = [name for name, pages, visible in rows if pages > 0 and visible == 0]
    if unset:
        log(f"WARNING: VACUUM set no visibility map on {', '.join(unset)}: is a transaction open?")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="emptied and refilled")
    parser.add_argument("--permits", type=int, default=1_000_000)
    parser.add_argument(
        "--users", type=int, help="applicant accounts (default: one per 5 permits, at least 50)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--search-only",
        action="store_true",
        help="load only the accounts and the permits (what the staff search reads, for "
        "bench/search.py): minutes instead of the best part of an hour on a busy machine",
    )
    args = parser.parse_args(argv)
    users = args.users or max(50, args.permits // 5)
    generate(args.database_url, args.permits, users, args.seed, args.search_only)


if __name__ == "__main__":
    main()
