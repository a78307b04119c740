"""Where a page's time goes: its SQL with timings and query plans, and a cProfile of Python.

    python bench/profile_page.py --page /permits/ --account owner \\
        --database-url sqlite:///$PWD/instance/bench/bench-1000000.sqlite3

The page is requested in process through the Flask test client, signed in as a
bench account; ``{permit_id}`` in the path becomes the bench owner's busiest permit.
"""

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import (  # noqa: E402
    OWNER_EMAIL,
    STAFF_EMAIL,
    bench_permit_id,
    deep_page,
    make_app,
    signed_in_client,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--page", required=True, help="a path; {permit_id} is filled in")
    parser.add_argument("--account", choices=["owner", "staff"], default="owner")
    parser.add_argument("--requests", type=int, default=200, help="requests profiled")
    parser.add_argument("--top", type=int, default=30, help="functions shown")
    parser.add_argument(
        "--deep",
        action="store_true",
        help="a queue: profile its page DEEP_PAGE, reached by following its Next links",
    )
    args = parser.parse_args(argv)

    from portal.extensions import db

    app = make_app(args.database_url)
    path = args.page.replace("{permit_id}", str(bench_permit_id(app)))
    email = OWNER_EMAIL if args.account == "owner" else STAFF_EMAIL
    # Staff pass the second factor too: the form signs the owner in, a session cookie
    # written as the portal writes it after the second factor signs staff in.
    client = signed_in_client(app, email)
    if args.deep:
        path, reached = deep_page(client, path)
        print(f"page {reached}: {path}")
    with app.app_context():
        engine = db.engine
    timings: list[tuple[str, dict, float]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        elapsed = time.perf_counter() - conn.info.pop("bench_started")
        timings.append((statement, parameters, elapsed))

    client.get(path)
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    response = client.get(path)
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    print(f"GET {path}: {response.status_code}, {len(response.data):,} bytes")
    print(f"{len(timings)} queries, {sum(t for _, _, t in timings) * 1000:.1f} ms in the database")
    with engine.connect() as connection:
        for statement, parameters, elapsed in timings:
            print(f"\n-- {elapsed * 1000:.2f} ms\n{statement}\n-- parameters: {parameters}")
            plan_sql = (
                "EXPLAIN (ANALYZE, BUFFERS) "
                if engine.dialect.name == "postgresql"
                else "EXPLAIN QUERY PLAN "
            )
            if statement.lstrip().upper().startswith("SELECT"):
                rows = connection.exec_driver_sql(plan_sql + statement, parameters).fetchall()
                for row in rows:
                    print("   ", " | ".join(str(value) for value in row))

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(args.requests):
        client.get(path)
    profiler.disable()
    per_request = (time.perf_counter() - started) / args.requests * 1000
    print(f"\n{args.requests} requests in process: {per_request:.2f} ms each (profiled)")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(args.top)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
