"""Does a long streamed response survive gunicorn's worker timeout?

    DB=sqlite:///$PWD/instance/bench/bench-1000000.sqlite3
    .venv/bin/python bench/long_request.py --database-url $DB -- \\
        --workers 1 --timeout 8 --worker-class sync --threads 1   # gunicorn's default: cut off
    .venv/bin/python bench/long_request.py --database-url $DB -- \\
        --workers 1 --timeout 8                            # gunicorn.conf.py's worker: complete

Serves the portal with gunicorn (the flags after ``--``; gunicorn.conf.py applies under
them), signs staff in with a forged session cookie, downloads the BLDS export of every
permit and counts its lines, then prints gunicorn's WORKER TIMEOUT lines if any.
"""

import argparse
import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402


def _wait_for(port: int) -> None:
    for _ in range(load.GUNICORN_START_SECONDS * 5):
        try:
            connection = http.client.HTTPConnection(load.HOST, port, timeout=5)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def _download(port: int, cookie: str) -> tuple[int, int, bool, float]:
    """(status, lines, complete, seconds) of the export."""
    connection = http.client.HTTPConnection(load.HOST, port, timeout=300)
    started = time.monotonic()
    connection.request(
        "GET",
        "/staff/permits/export.csv",
        headers={"Cookie": cookie, "User-Agent": load.USER_AGENT},
    )
    response = connection.getresponse()
    lines, complete = 0, True
    try:
        while chunk := response.read1(65536):
            lines += chunk.count(b"\n")
    except (http.client.IncompleteRead, ConnectionError) as error:
        print(f"the stream broke: {type(error).__name__}")
        complete = False
    return response.status, lines, complete, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a database from generate.py")
    parser.add_argument("gunicorn_flags", nargs="*", help="after --: gunicorn's flags")
    args = parser.parse_args()
    app = load.make_app(args.database_url)
    cookie = load.forged_cookie(app, load.STAFF_EMAIL)
    port = load.free_port()
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "PORTAL_ENV": "development",
        "SECRET_KEY": load.SECRET_KEY,
        "RATELIMIT_ENABLED": "false",
    }
    command = [sys.executable, "-m", "gunicorn", "--bind", f"{load.HOST}:{port}"]
    server = subprocess.Popen(
        [*command, *args.gunicorn_flags, "wsgi:app"],
        env=env,
        cwd=load.ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(port)
        status, lines, complete, seconds = _download(port, cookie)
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[1]
    timeouts = [line for line in log.splitlines() if "WORKER TIMEOUT" in line]
    print(
        f"gunicorn {' '.join(args.gunicorn_flags)}: status {status}, {lines:,} lines in "
        f"{seconds:.1f} s, {'complete' if complete else 'CUT OFF'}; load average "
        f"{load.load_average()}"
    )
    for line in timeouts:
        print(line)
    return 0 if complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
