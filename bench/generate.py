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
import random
import secrets
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

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

    def __init__(self, permits: int, users: int, seed: int) -> None:
        rng = random.Random(seed)
        self.permits = permits
        self.applicants = users
        # User ids: 1 bench owner, 2 bench staff, then other staff, then applicants.
        self.owner_id = 1
        self.staff_id = 2
        self.staff_ids = [2, *range(3, 3 + STAFF_ACCOUNTS - 1)]
        self.first_applicant = 3 + STAFF_ACCOUNTS - 1
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

    @staticmethod
    def _other(rng: random.Random, ids: range, not_this: int) -> int:
        while True:
            pick = rng.choice(ids)
            if pick != not_this:
                return pick


def user_rows(plan: Plan, password_hash: str) -> Iterator[tuple]:
    verified = NOW - timedelta(days=400)
    accounts = [(plan.owner_id, OWNER_EMAIL, "Bench Owner", "applicant")]
    for n, user_id in enumerate(plan.staff_ids):
        email = STAFF_EMAIL if user_id == plan.staff_id else f"staff{n}@example.com"
        accounts.append((user_id, email, f"Staff Member {n}", "staff"))
    for account in accounts:
        yield (*account, verified, password_hash, secrets.token_urlsafe(24))
    for user_id in range(plan.first_applicant, plan.last_user + 1):
        email = f"applicant{user_id}@example.com"
        name = f"Applicant {user_id}"
        yield (
            user_id,
            email,
            name,
            "applicant",
            verified,
            password_hash,
            secrets.token_urlsafe(24),
        )


def permit_rows(plan: Plan) -> Iterator[tuple]:
    rng = random.Random(plan.seed + 1)
    permit_statuses = weighted(rng, PERMIT_STATUS_WEIGHTS, plan.permits + 1)
    start = date(2022, 1, 1)
    for permit_id in range(1, plan.permits + 1):
        applied = start + timedelta(days=rng.randrange(1400))
        issued = applied + timedelta(days=rng.randrange(5, 90))
        status = permit_statuses[permit_id]
        if plan.application_status[permit_id] == "cofo_issued":
            status = "Finaled"
        use = rng.choice(USES)
        yield (
            permit_id,
            f"BLD{permit_id:09d}",
            f"{rng.choice(WORK_CLASSES)}: {use.lower()}, {rng.randrange(1, 30)} stories",
            applied,
            issued,
            status,
            f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}",
            "",
            "Chicago",
            "IL",
            rng.choice(ZIPS),
            "Building",
            rng.choice(WORK_CLASSES),
            use,
            rng.randrange(800, 250_000),
            rng.randrange(0, 120),
            rng.randrange(10_000, 50_000_000) * 100,
            f"Contractor Co {rng.randrange(1, 5000)}",
            f"GC-{rng.randrange(10000, 99999)}",
            rng.sample(TRADES, rng.randrange(1, 6)),
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


def generate(database_url: str, permits: int, users: int, seed: int) -> None:
    from portal import create_app
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
        plan = Plan(permits, users, seed)
        password_hash = hash_password(BENCH_PASSWORD)
        loads = [
            (
                "users",
                [
                    "id",
                    "email",
                    "name",
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
        ]
        engine = db.engine
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA synchronous=OFF")
            # Secondary indexes are built once at the end: far cheaper than row by row.
            indexes = [index for name, _, _ in loads for index in tables[name].indexes]
            for index in indexes:
                index.drop(connection)
            loader = Loader(connection)
            for name, columns, rows in loads:
                table_started = time.monotonic()
                count = loader.load(tables[name], columns, rows)
                log(f"{name}: {count:,} rows in {time.monotonic() - table_started:.1f} s")
            index_started = time.monotonic()
            for index in indexes:
                index.create(connection)
            log(f"{len(indexes)} indexes built in {time.monotonic() - index_started:.1f} s")
            if engine.dialect.name == "postgresql":
                for name, _, _ in loads:
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f'(SELECT max(id) FROM "{name}"))'
                    )
        if engine.dialect.name == "postgresql":
            # Autovacuum would vacuum and analyse these fresh tables soon; do it now, so the
            # statistics and the visibility map (index-only scans) are as in steady state.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                for name, _, _ in loads:
                    connection.exec_driver_sql(f'VACUUM ANALYZE "{name}"')
        queue = db.session.execute(
            sql_text("SELECT count(*) FROM cofo_applications WHERE queued_at IS NOT NULL")
        ).scalar()
    log(f"done in {time.monotonic() - started:.1f} s; {queue:,} applications in the staff queue")
    print(f"database: {database_url}")
    print(f"permits: {permits:,}; applicants: {users:,}")
    print(f"owner account: {OWNER_EMAIL} ({BENCH_OWNER_PERMITS} permits)")
    print(f"staff account: {STAFF_EMAIL}")
    print(f"password for both: {BENCH_PASSWORD}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="emptied and refilled")
    parser.add_argument("--permits", type=int, default=1_000_000)
    parser.add_argument(
        "--users", type=int, help="applicant accounts (default: one per 5 permits, at least 50)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    users = args.users or max(50, args.permits // 5)
    generate(args.database_url, args.permits, users, args.seed)


if __name__ == "__main__":
    main()
