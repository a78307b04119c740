"""The staff search at scale, in process: p50/p95 wall time of realistic queries.

Signs bench staff in with the Flask test client (production settings, as bench/cpu.py),
requests each query WARMUP times unmeasured, then REQUESTS times measured
(`time.perf_counter` around the request, and `time.process_time` for its CPU, which a busy
machine disturbs less), and checks that each query that should find the
bench permit (or the bench owner) does, and that the misses find nothing. The queries are
load.py's search_terms() of the bench owner's busiest permit: what issue 16 item 6 lists.

`--prepare` brings a database made by generate.py before the text search existed up to it:
fills permits.search_text (added if missing) and makes the FTS5 tables or trigram indexes,
as the Alembic revision does, and says how long that took.

    .venv/bin/python bench/search.py --prepare \\
        --database-url sqlite:///$PWD/instance/bench/bench-1000000.sqlite3

`--rebuild-index` (SQLite) replaces the search structures of a database made before revision
b8c9d0e1f2a3 (the permits' trigram table permit_search) with today's (permit_words,
permit_numbers), as that revision does, says how long that took, and measures nothing.
"""

import argparse
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

from sqlalchemy import bindparam, inspect, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import (  # noqa: E402 - after the path set-up
    OWNER_EMAIL,
    STAFF_EMAIL,
    bench_permit_id,
    make_app,
    search_terms,
    signed_in_client,
)

WARMUP = 5
REQUESTS = 60
BATCH = 5000
# Query label, search term (load.py's search_terms) and what it must show.
QUERIES = (
    ("street name alone", "street_name", "street"),
    ("address without direction", "no_direction", "permit"),
    ("address, direction and suffix spelt out", "spelt_out", "permit"),
    ("printed address", "printed", "permit"),
    ("number without its letters", "number_digits", "permit"),
    ("number prefix", "number_prefix", "permit"),
    ("street with direction", "street", "permit"),
    ("surname", "surname", "owner"),
    ("email in capitals", "email_capitals", "owner"),
    ("a miss: no such street", "miss", "nothing"),
    ("a miss: misspelt street", "misspelt", "nothing"),
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare(database_url: str) -> None:
    """Long-running on a million permits; what the revision does, for a bench database."""
    from portal import search_index
    from portal.extensions import db
    from portal.search_keys import permit_search_text

    app = make_app(database_url)
    with app.app_context():
        engine = db.engine
        columns = {column["name"] for column in inspect(engine).get_columns("permits")}
        started = time.monotonic()
        with engine.begin() as connection:
            if "search_text" not in columns:
                connection.execute(
                    text(
                        "ALTER TABLE permits "
                        "ADD COLUMN search_text VARCHAR(500) DEFAULT '' NOT NULL"
                    )
                )
            search_index.drop(connection)
            last_id = 0
            update = text("UPDATE permits SET search_text = :words WHERE id = :row_id").bindparams(
                bindparam("words"), bindparam("row_id")
            )
            while True:
                rows = connection.execute(
                    text(
                        "SELECT id, original_address1, original_address2, original_city, "
                        "original_state, original_zip FROM permits WHERE id > :last "
                        "ORDER BY id LIMIT :batch"
                    ),
                    {"last": last_id, "batch": BATCH},
                ).all()
                if not rows:
                    break
                connection.execute(
                    update,
                    [{"row_id": row[0], "words": permit_search_text(*row[1:])} for row in rows],
                )
                last_id = rows[-1][0]
            log(f"search_text filled in {time.monotonic() - started:.1f} s")
            built = time.monotonic()
            search_index.create(connection)
            log(f"search structures built in {time.monotonic() - built:.1f} s")
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE permits")
                connection.exec_driver_sql("VACUUM ANALYZE users")


# The permits' trigram table and its triggers before revision b8c9d0e1f2a3.
OLD_PERMIT_SEARCH = (
    "DROP TRIGGER IF EXISTS permit_search_insert",
    "DROP TRIGGER IF EXISTS permit_search_update",
    "DROP TRIGGER IF EXISTS permit_search_delete",
    "DROP TABLE IF EXISTS permit_search",
)


def rebuild_index(database_url: str) -> None:
    """Today's search structures in place of any earlier ones (search_text is kept)."""
    from portal import search_index
    from portal.extensions import db

    app = make_app(database_url)
    with app.app_context():
        started = time.monotonic()
        with db.engine.begin() as connection:
            for statement in OLD_PERMIT_SEARCH:
                connection.exec_driver_sql(statement)
            search_index.drop(connection)
            search_index.create(connection)
        log(f"search structures rebuilt in {time.monotonic() - started:.1f} s")


def terms(app) -> dict[str, str]:
    permit_id = bench_permit_id(app)
    values = search_terms(app, permit_id)
    number, direction, *name = values["street"].split()
    long_direction = {"N": "North", "S": "South", "E": "East", "W": "West"}[direction]
    street_words = values["printed"].split(",")[0].split()
    suffix = {"St": "Street", "Ave": "Avenue", "Rd": "Road"}.get(street_words[-1], "")
    spelt = [number, long_direction, *street_words[2:-1]] if suffix else street_words
    values["spelt_out"] = " ".join([*spelt, suffix]).strip()
    values["surname"] = "owner"  # the bench owner is "Bench Owner"
    values["misspelt"] = f"{values['street_name']}xq"
    values["permit_id"] = str(permit_id)
    return values


def measure(database_url: str) -> list[dict]:
    from portal.extensions import db

    app = make_app(database_url)
    values = terms(app)
    with app.app_context():
        permits = db.session.execute(text("SELECT count(*) FROM permits")).scalar_one()
        permit_num = db.session.execute(
            text("SELECT permit_num FROM permits WHERE id = :id"), {"id": values["permit_id"]}
        ).scalar_one()
    client = signed_in_client(app, STAFF_EMAIL)
    rows = []
    for label, term, expect in QUERIES:
        path = "/staff/search?q=" + urllib.parse.quote(values[term])
        for _ in range(WARMUP):
            response = client.get(path)
        html = response.get_data(as_text=True)
        if expect == "permit":
            found = permit_num in html or response.status_code == 302
        elif expect == "street":
            # A twelfth of the permits: the first ten, and the invitation to type more.
            found = html.count(f" {values[term]} ") >= 10 and "More permits match" in html
        elif expect == "owner":
            found = OWNER_EMAIL in html
        else:
            found = "Nothing matches" in html
        times, cpu = [], []
        for _ in range(REQUESTS):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code in (200, 302), (path, response.status_code)
        times.sort()
        rows.append(
            {
                "label": label,
                "q": values[term],
                "p50": statistics.median(times),
                "p95": times[int(len(times) * 0.95) - 1],
                "cpu": statistics.median(cpu),
                "ok": found,
                "permits": permits,
            }
        )
        log(f"{label}: {values[term]!r} p95 {rows[-1]['p95']:.1f} ms, found: {found}")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--prepare", action="store_true", help="fill and index first")
    parser.add_argument(
        "--rebuild-index", action="store_true", help="replace earlier search structures, then stop"
    )
    args = parser.parse_args(argv)
    if args.rebuild_index:
        rebuild_index(args.database_url)
        return
    if args.prepare:
        prepare(args.database_url)
    rows = measure(args.database_url)
    backend = args.database_url.split(":", 1)[0].split("+")[0]
    print(f"\n{backend}, {rows[0]['permits']:,} permits, {REQUESTS} warm requests per query\n")
    print("| query | typed | p50 ms | p95 ms | CPU ms (median) | finds the right record |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for row in rows:
        ok = "yes" if row["ok"] else "**no**"
        print(
            f"| {row['label']} | `{row['q']}` | {row['p50']:.1f} | {row['p95']:.1f} "
            f"| {row['cpu']:.1f} | {ok} |"
        )


if __name__ == "__main__":
    main()
