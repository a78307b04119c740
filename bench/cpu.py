"""CPU per request of each page, in process, beside the layout-only page of its account.

    python bench/cpu.py \\
        --database-url sqlite:///$PWD/instance/bench/bench-1000.sqlite3 \\
        --database-url sqlite:///$PWD/instance/bench/bench-1000000.sqlite3

For each database: every signed-in page of bench/load.py is requested through the Flask
test client (production settings: the rate limiter on), warmed up, then requested
--requests times; the table gives the SQL statements of one request, CPU ms per request
(`time.process_time`, so the figures hold on a busy machine), wall ms, and the CPU as a
multiple of the layout-only page of the same account (the cheapest signed-in page with the
full layout: the yardstick of issue 17). No wrk, no gunicorn, no idle machine needed.
"""

import argparse
import os
import sys
import time
from pathlib import Path

from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import (  # noqa: E402
    OWNER_EMAIL,
    STAFF_EMAIL,
    bench_pages,
    load_average,
    make_app,
    page_paths,
    signed_in_client,
)

# Multiples of the layout-only page's CPU each kind of page may cost (issue 17).
MOST_TIMES_LAYOUT = {"page": 2.0, "staff queue": 2.0, "staff overview": 2.5}
LAYOUT_CPU_TARGET_MS = 1.2


def measure(
    database_url: str, requests: int, warmup: int, only: list[str] | None = None
) -> tuple[int, list[tuple]]:
    """(permits, rows): a row per page: page, account, kind, statements, CPU ms, wall ms.

    ``only``: the pages whose name holds one of these words, and the layout-only pages
    (every multiple is of them)."""
    from portal.extensions import db

    app = make_app(database_url)
    pages = [
        p
        for p in bench_pages()
        if p.server == "portal"
        and p.account
        and (not only or p.kind == "layout" or any(word in p.name for word in only))
    ]
    paths = page_paths(app, pages)
    with app.app_context():
        permits = db.session.execute(text("SELECT count(*) FROM permits")).scalar_one()
        engine = db.engine
    clients = {
        "owner": signed_in_client(app, OWNER_EMAIL),
        "staff": signed_in_client(app, STAFF_EMAIL),
    }
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    rows = []
    for page in pages:
        path = paths.get(page.name)
        if path is None:
            continue
        client = clients[page.account]
        for _ in range(warmup):
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        event.listen(engine, "before_cursor_execute", count)
        statements.clear()
        client.get(path)
        event.remove(engine, "before_cursor_execute", count)
        one_request = len(statements)
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        for _ in range(requests):
            client.get(path)
        cpu_ms = (time.process_time() - cpu_started) / requests * 1000
        wall_ms = (time.perf_counter() - wall_started) / requests * 1000
        rows.append((page.name, page.account, page.kind, one_request, cpu_ms, wall_ms))
        print(f"  {page.name}: {cpu_ms:.2f} ms CPU", file=sys.stderr, flush=True)
    return permits, rows


def table(results: list[tuple[int, list[tuple]]]) -> str:
    """One table, a column group per database size, as issue 17 lays it out."""
    sizes = [f"{permits:,}" for permits, _ in results]
    header = "| page | " + " | ".join(
        f"SQL ({s}) | CPU ms ({s}) | wall ms ({s}) | × layout ({s})" for s in sizes
    )
    lines = [
        header + " | target | met |",
        "| --- | " + " | ".join("---: | ---: | ---: | ---:" for _ in sizes) + " | --- | --- |",
    ]
    by_size = [{row[0]: row for row in rows} for _, rows in results]
    layout = [{row[1]: row[4] for row in rows if row[2] == "layout"} for _, rows in results]
    for name in by_size[0]:
        cells, met = [], True
        kind = by_size[0][name][2]
        for index, rows in enumerate(by_size):
            _, account, kind, sql, cpu, wall = rows[name]
            times = cpu / layout[index][account]
            cells.append(f"{sql} | {cpu:.2f} | {wall:.2f} | {times:.1f}")
            if kind == "layout":
                met = met and cpu <= LAYOUT_CPU_TARGET_MS
            else:
                met = met and times <= MOST_TIMES_LAYOUT[kind]
        if kind == "layout":
            target = f"≤ {LAYOUT_CPU_TARGET_MS} ms CPU"
        else:
            target = f"≤ {MOST_TIMES_LAYOUT[kind]}× layout"
        if len(by_size) > 1 and kind != "layout":
            first, last = by_size[0][name][4], by_size[-1][name][4]
            target += ", ≤ +10% with size"
            met = met and last <= first * 1.10
        lines.append(
            f"| {name} | "
            + " | ".join(cells)
            + f" | {target} | "
            + ("yes" if met else "**no**")
            + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", action="append", required=True, help="smallest first; repeatable"
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--only",
        action="append",
        help="measure only the pages whose name holds this (repeatable; layout-only pages stay)",
    )
    args = parser.parse_args(argv)
    before = load_average()
    results = [measure(url, args.requests, args.warmup, args.only) for url in args.database_url]
    print(table(results))
    print(
        f"\n{args.requests} requests per page after {args.warmup} warm-up, in process; "
        f"{os.cpu_count()} CPUs; load average {before} before, {load_average()} after"
    )


if __name__ == "__main__":
    main()
