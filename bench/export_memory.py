"""The permits' BLDS export at scale: rows per second and peak memory, for several sizes.

    python bench/export_memory.py --rows 100000 1000000 \\
        --database-url sqlite:///$PWD/instance/bench/bench-1000000.sqlite3

Each size runs in a fresh process (peak RSS only ever grows within one), through the same
generator the staff download and `flask permits export` use, written to /dev/null. The
first N permits of the bench database are exported (all of them if it has fewer). Memory
is reported as the process's peak RSS, before and after the export: a streamed export
adds about the same few megabytes at 100,000 rows as at 1,000,000.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export_once(database_url: str, rows: int) -> dict:
    from portal import create_app
    from portal.permits import export

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False})
    with app.app_context(), open("/dev/null", "w", encoding="utf-8") as sink:
        before = peak_rss_mb()
        started = time.perf_counter()
        written = -1  # the header
        for line in islice(export.blds_rows(), rows + 1):
            sink.write(line)
            written += 1
        seconds = time.perf_counter() - started
    return {
        "rows": written,
        "seconds": round(seconds, 2),
        "rows_per_second": round(written / seconds) if seconds else 0,
        "peak_rss_before_mb": round(before, 1),
        "peak_rss_after_mb": round(peak_rss_mb(), 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a database made by generate.py")
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(export_once(args.database_url, args.rows[0])))
        return
    print("| rows asked | rows written | seconds | rows/s | peak RSS before | after | growth |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for rows in args.rows:
        child = subprocess.run(
            [sys.executable, __file__, "--child", "--database-url", args.database_url]
            + ["--rows", str(rows)],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        growth = result["peak_rss_after_mb"] - result["peak_rss_before_mb"]
        print(
            f"| {rows:,} | {result['rows']:,} | {result['seconds']} | "
            f"{result['rows_per_second']:,} | {result['peak_rss_before_mb']} MB | "
            f"{result['peak_rss_after_mb']} MB | {growth:.1f} MB |",
            flush=True,
        )


if __name__ == "__main__":
    main()
