"""One page requested by threads of one process, as a gunicorn worker's threads serve it:
latency percentiles, and how often the dashboard's figures were computed.

    python bench/threads.py --database-url sqlite:///$PWD/instance/bench/bench-1000000.sqlite3 \\
        --path /staff/ --threads 2 --seconds 20 --cache-seconds 5

Each thread has its own signed-in test client and requests the page in a loop (no think
time) from a cold start: the shared cache empty, as in a worker just started. With
--cache-seconds the dashboard's figures age that much sooner, so expiries fall inside the
run. No gunicorn, no wrk: the figures show what one process does when its threads meet
(the GIL, the cache's single computation) on a machine too busy for wrk.
"""

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import OWNER_EMAIL, STAFF_EMAIL, load_average, make_app, signed_in_client  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--path", default="/staff/")
    parser.add_argument("--account", choices=("owner", "staff"), default="staff")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--cache-seconds", type=int, help="the dashboard's time to live")
    args = parser.parse_args(argv)

    from portal import shared_cache
    from portal.admin import dashboard

    app = make_app(args.database_url)
    if args.cache_seconds is not None:
        dashboard.CACHE_SECONDS = args.cache_seconds
    computed: list[float] = []
    compute = dashboard._computed

    def counted(today):
        started = time.perf_counter()
        try:
            return compute(today)
        finally:
            computed.append((time.perf_counter() - started) * 1000)

    dashboard._computed = counted
    email = OWNER_EMAIL if args.account == "owner" else STAFF_EMAIL
    clients = [signed_in_client(app, email) for _ in range(args.threads)]
    with app.app_context():
        shared_cache.clear()
    computed.clear()
    latencies: list[list[float]] = [[] for _ in clients]
    statuses: set[int] = set()
    begin = threading.Barrier(len(clients))

    def hammer(index: int) -> None:
        client = clients[index]
        begin.wait()
        end = time.perf_counter() + args.seconds
        while time.perf_counter() < end:
            started = time.perf_counter()
            statuses.add(client.get(args.path).status_code)
            latencies[index].append((time.perf_counter() - started) * 1000)

    load_before = load_average()
    cpu_started = time.process_time()
    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu = time.process_time() - cpu_started
    everything = [value for own in latencies for value in own]
    print(
        f"{args.path} x{args.threads} threads, {args.seconds:g} s: {len(everything)} requests "
        f"({len(everything) / args.seconds:.0f}/s), statuses {sorted(statuses)}, "
        f"p50 {percentile(everything, 0.5):.1f} p95 {percentile(everything, 0.95):.1f} "
        f"p99 {percentile(everything, 0.99):.1f} max {max(everything):.1f} ms; "
        f"CPU {cpu * 1000 / len(everything):.2f} ms/request; figures computed "
        f"{len(computed)} times ({', '.join(f'{value:.0f}' for value in computed)} ms); "
        f"load {load_before} -> {load_average()}"
    )


if __name__ == "__main__":
    main()
