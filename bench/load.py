"""Load-test the portal's busiest pages side by side with a hello-world Flask app.

    python bench/load.py --database-url sqlite:///$PWD/instance/bench/bench-1000000.sqlite3 \\
        --small-database-url sqlite:///$PWD/instance/bench/bench-1000.sqlite3

Both apps are served by gunicorn with the same settings on free loopback ports.
The bench accounts (bench/generate.py) sign in through the real sign-in form;
then wrk drives a fixed number of concurrent connections at each page, after a
warm-up, and reports requests per second, p50 and p95 latency, non-200
responses (errors; a redirect to sign-in counts) and each page's throughput as a
share of hello-world's. Finally each page's SQL query count is measured in
process with the Flask test client, at the generated size and at a small size,
to show it does not grow with the data. The Markdown report goes to stdout and
to bench/results/<date>-<database>.md.
"""

import argparse
import html
import http.client
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate import BENCH_PASSWORD, OWNER_EMAIL, STAFF_EMAIL  # noqa: E402

SECRET_KEY = "bench-secret-key-" + "b" * 32  # noqa: S105 - loopback-only benchmark server
USER_AGENT = "portal-bench/1"
HOST = "127.0.0.1"
GUNICORN_START_SECONDS = 240
# The most p95 latency in ms with 10 clients, for every page measured (issue 17). It
# replaced the earlier least shares of hello-world's throughput (40% for a page, 30% for a
# queue: unreachable by any page with the full layout, since the layout-only page itself
# reaches 14%) and the dashboard's and the search's 100 ms; the layout-only page is the
# yardstick now, its share printed beside each page.
P95_LIMIT_MS = 50.0
# Queues are measured on their first page and on this one (keyset pagination: page 500
# should cost what page 1 does).
DEEP_PAGE = 500
# The text search's pages (issue 16 item 6): label, search term (search_terms()).
SEARCH_PAGES = (
    ("street name alone", "street_name"),
    ("address without direction", "no_direction"),
    ("printed address", "printed"),
    ("number without its letters", "number_digits"),
    ("email in capitals", "email_capitals"),
    ("a miss", "miss"),
)
NEXT_LINK = re.compile(r'<a href="([^"]+)"[^>]*usa-pagination__next-page')

# wrk reports neither p95 nor non-200 responses (it counts 3xx as success), so a
# small script collects both and prints one JSON line.
WRK_SCRIPT = """
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  non200 = 0
  cookie = nil
end
-- Each thread keeps the session cookie the portal last sent, as a browser does: a cookie
-- that never moved on would make every request re-sign and resend the session (the CSRF
-- token added on the first form, the staff idle clock every minute).
-- wrk.format's headers replace wrk.headers (the -H ones, User-Agent included), so copy them.
function request()
  if cookie then
    local headers = {}
    for name, value in pairs(wrk.headers) do
      headers[name] = value
    end
    headers["Cookie"] = cookie
    return wrk.format(nil, nil, headers)
  end
  return wrk.format()
end
function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  end
  local set = headers["Set-Cookie"]
  if set then
    cookie = set:match("^([^;]+)")
  end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non200")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"non200": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), bad, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Page:
    name: str
    # The path. {permit_id}: the bench owner's busiest permit; {number_prefix}, {street}
    # and the other search_terms(): search terms from that permit; {deep}: follow the
    # page's Next link until page DEEP_PAGE (or the queue's last page) and measure that page.
    template: str
    server: str  # "hello" or "portal"
    account: str | None  # whose cookie it sends
    # "yardstick", "reference", "layout" (an account's layout-only page), "page",
    # "staff queue" or "staff overview"
    kind: str
    path: str = ""
    note: str = ""  # e.g. that a queue ended before DEEP_PAGE

    @property
    def label(self) -> str:
        return f"{self.name} ({self.note})" if self.note else self.name


@dataclass
class Result:
    page: Page
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    requests: int


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def request(
    port: int, method: str, path: str, *, body: str | None = None, cookie: str = ""
) -> tuple[int, dict[str, str], str, list[str]]:
    """One HTTP request: status, headers, body and every Set-Cookie header."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        cookies = response.headers.get_all("Set-Cookie") or []
        return response.status, dict(response.headers), content, cookies
    finally:
        connection.close()


def session_cookie(set_cookies: list[str], current: str) -> str:
    for header in set_cookies:
        name_value = header.split(";", 1)[0]
        if name_value.startswith("session="):
            return name_value
    return current


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], args: argparse.Namespace, health: str):
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--chdir",
        str(ROOT),
        "--pythonpath",
        str(ROOT / "bench"),
        "--log-level",
        "warning",
        app_spec,
    ]
    log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in finally
        "w+", prefix="bench-gunicorn-", suffix=".log", delete=False
    )
    process = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        # A loaded 2-core machine can take more than a minute to start 4 workers.
        deadline = time.monotonic() + GUNICORN_START_SECONDS
        while True:
            if process.poll() is not None:
                log_file.seek(0)
                raise SystemExit(f"gunicorn {app_spec} exited:\n{log_file.read()}")
            try:
                status, _, _, _ = request(port, "GET", health)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"gunicorn {app_spec} did not answer {health} in {GUNICORN_START_SECONDS} s"
                )
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.seek(0)
        errors = [line for line in log_file.read().splitlines() if "Traceback" in line]
        log_file.close()
        if errors:
            log(f"gunicorn {app_spec} logged {len(errors)} tracebacks; see {log_file.name}")
        else:
            os.unlink(log_file.name)


@contextmanager
def redis_server():
    """A throwaway Redis on a free loopback port (Debian's redis-server), yielding its URL:
    what production needs for more than one process (the shared cache, the rate limits)."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("redis-server did not start") from None
                time.sleep(0.1)
        yield f"redis://{HOST}:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=20)


def sign_in_with_form(port: int, email: str, home: str) -> str | None:
    """The session cookie after signing in through the real form, or None if it didn't work."""
    status, _, html, cookies = request(port, "GET", "/account/sign-in")
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    if status != 200 or not match:
        return None
    cookie = session_cookie(cookies, "")
    form = urllib.parse.urlencode(
        {"email": email, "password": BENCH_PASSWORD, "csrf_token": match.group(1)}
    )
    status, _, _, cookies = request(port, "POST", "/account/sign-in", body=form, cookie=cookie)
    cookie = session_cookie(cookies, cookie)
    if status not in (302, 303):
        return None
    status, _, _, _ = request(port, "GET", home, cookie=cookie)
    return cookie if status == 200 else None


def forged_cookie(app, email: str) -> str:
    """A signed Flask session naming the account, as the portal writes it once signed in
    (for staff: after the second factor, which the load test does not type)."""
    from flask.sessions import SecureCookieSessionInterface
    from sqlalchemy import select

    from portal.auth.models import User
    from portal.auth.session import begin
    from portal.extensions import db

    with app.test_request_context(
        "/", headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": HOST}
    ):
        from flask import session

        user = db.session.scalar(select(User).where(User.email == email))
        begin(user, second_factor_done=True)
        serializer = SecureCookieSessionInterface().get_signing_serializer(app)
        return "session=" + serializer.dumps(dict(session))


def run_wrk(
    port: int, page: Page, cookie: str, seconds: int, args, script: Path, *, warmup: bool = False
) -> Result:
    """wrk on one page. The warm-up closes its connection after every response: a gthread
    worker keeps the keep-alive connections it accepted, and wrk's 10 may all land on one
    of the 4 workers (measured: 723 of 723 dashboard requests in one worker), leaving the
    others cold for the measured run (their first dashboard figures, without Redis, and
    their templates). A connection per request lets every worker win some accepts."""
    command = [
        "wrk",
        f"-t{args.threads_wrk}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        "-H",
        f"User-Agent: {USER_AGENT}",
    ]
    if warmup:
        command += ["-H", "Connection: close"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://{HOST}:{port}{page.path}")
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(line for line in completed.stdout.splitlines() if line.startswith("WRK "))
    data = json.loads(line[4:])
    duration = data["duration_us"] / 1e6
    return Result(
        page=page,
        requests_per_s=data["requests"] / duration,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["non200"] + data["socket_errors"],
        requests=data["requests"],
    )


def bench_permit_id(app) -> int:
    """The bench owner's permit with the longest timeline: the heaviest permit page they have
    (a generate.py --search-only database has no parties: the bench owner's fifth permit,
    200001 of a million, as generate.py spreads them; permit 1's number is mostly zeros)."""
    from portal.extensions import db

    with app.app_context():
        busiest = db.session.execute(
            text(
                "SELECT p.permit_id FROM permit_parties p JOIN users u ON u.id = p.user_id "
                "JOIN timeline_entries t ON t.permit_id = p.permit_id "
                "WHERE u.email = :email AND p.role = 'owner' "
                "GROUP BY p.permit_id ORDER BY count(*) DESC, p.permit_id LIMIT 1"
            ),
            {"email": OWNER_EMAIL},
        ).scalar()
        if busiest is None:
            count = db.session.execute(text("SELECT max(id) FROM permits")).scalar_one()
            busiest = 1 + 4 * max(1, count // 20) if count >= 5 else 1
    return busiest


def search_terms(app, permit_id: int) -> dict[str, str]:
    """What staff would type to find the bench permit: its number without the last two
    digits (a hundred permits share it), its street address without the suffix, and what
    issue 16 item 6 lists: the street name alone, the address without its direction, the
    address as the portal prints it, the number without its letters, the owner's email in
    capitals; and a miss."""
    from portal.extensions import db
    from portal.permits.models import Permit

    with app.app_context():
        permit = db.session.get(Permit, permit_id)
        number, street, printed = permit.permit_num, permit.original_address1, permit.address
    words = street.split()
    return {
        "number_prefix": number[:-2],
        "street": " ".join(words[:3]),
        # The bench's streets all have a direction ("N Broadway", "W Irving Park Rd").
        "street_name": words[2],
        "no_direction": " ".join([words[0], *(words[2:-1] if len(words) > 3 else words[2:])]),
        "printed": printed,
        "number_digits": number.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ-").lstrip("0"),
        "email_capitals": OWNER_EMAIL.upper(),
        "miss": "9999 Nowhere Ave",
    }


def signed_in_client(app, email: str):
    client = app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": USER_AGENT, "REMOTE_ADDR": HOST})
    if not _test_client_sign_in(client, email):
        client.set_cookie("session", forged_cookie(app, email).split("=", 1)[1])
    return client


def deep_page(client, path: str) -> tuple[str, int]:
    """The path of the queue's page DEEP_PAGE, found as a reader finds it: by following the
    page's Next link (its signed ``after`` cursor). Stops at the last page if sooner."""
    reached = 1
    while reached < DEEP_PAGE:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code} on page {reached}")
        match = NEXT_LINK.search(response.text)
        if match is None:
            break
        path = html.unescape(match.group(1))
        reached += 1
    return path, reached


def routed(app, path: str) -> bool:
    """Whether this build of the portal has a route for the path (pages still being built
    by other features are skipped, not failed)."""
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(urllib.parse.urlsplit(path).path, method="GET")
    except NotFound:
        return False
    except MethodNotAllowed:
        return False
    return True


def page_paths(app, pages: list[Page]) -> dict[str, str]:
    """Each page's path in this database (ids, search terms and deep cursors differ)."""
    permit_id = bench_permit_id(app)
    values = {"permit_id": str(permit_id), **search_terms(app, permit_id)}
    paths: dict[str, str] = {}
    staff_client = None
    for page in pages:
        if page.server == "hello":
            paths[page.name] = page.template
            continue
        path = page.template.replace("{deep}", "")
        for name, value in values.items():
            path = path.replace("{" + name + "}", urllib.parse.quote(value))
        if not routed(app, path):
            log(f"{page.name}: {path} is not a route in this build; skipped")
            continue
        if "{deep}" in page.template:
            staff_client = staff_client or signed_in_client(app, STAFF_EMAIL)
            started = time.monotonic()
            path, reached = deep_page(staff_client, path)
            log(
                f"{page.name}: page {reached} found by following Next "
                f"in {time.monotonic() - started:.1f} s"
            )
            if reached < DEEP_PAGE:
                page.note = f"the queue ends on page {reached}"
        paths[page.name] = path
    return paths


def bench_pages() -> list[Page]:
    """Every page the benchmarks measure, with the two yardsticks: hello-world (the
    framework alone) and the layout-only page of each account (the cheapest signed-in page
    with the full layout: one query, a small form), which every signed-in page is compared to."""
    return [
        Page("hello-world", "/", "hello", None, "yardstick"),
        # References without a target: the portal with one query and no template, and a
        # template with no query. They split a page's cost into framework, rendering, data.
        Page("health check (JSON, 1 query)", "/healthz", "portal", None, "reference"),
        Page("landing page (template, no query)", "/", "portal", None, "reference"),
        Page("layout-only (owner)", "/permits/claim", "portal", "owner", "layout"),
        Page("layout-only (staff)", "/account/password", "portal", "staff", "layout"),
        Page("applicant home", "/permits/", "portal", "owner", "page"),
        Page("permit page", "/permits/{permit_id}", "portal", "owner", "page"),
        Page("staff dashboard", "/staff/", "portal", "staff", "staff overview"),
        Page("applications queue", "/staff/applications", "portal", "staff", "staff queue"),
        Page(
            f"applications queue, page {DEEP_PAGE}",
            "/staff/applications{deep}",
            "portal",
            "staff",
            "staff queue",
        ),
        Page(
            "inspections queue (requested)",
            "/staff/inspections?status=requested",
            "portal",
            "staff",
            "staff queue",
        ),
        Page(
            f"inspections queue (requested), page {DEEP_PAGE}",
            "/staff/inspections?status=requested{deep}",
            "portal",
            "staff",
            "staff queue",
        ),
        Page(
            "search: permit number prefix",
            "/staff/search?q={number_prefix}",
            "portal",
            "staff",
            "staff overview",
        ),
        Page("search: street", "/staff/search?q={street}", "portal", "staff", "staff overview"),
        *(
            Page(
                f"search: {label}",
                f"/staff/search?q={{{term}}}",
                "portal",
                "staff",
                "staff overview",
            )
            for label, term in SEARCH_PAGES
        ),
        Page("staff permit record", "/staff/permits/{permit_id}", "portal", "staff", "page"),
    ]


def make_app(database_url: str):
    from portal import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": SECRET_KEY,
            # As in production: the limiter's per-request checks are part of a page's cost.
            "RATELIMIT_ENABLED": True,
        }
    )


def count_queries(database_url: str, pages: list[Page]) -> tuple[dict[str, int], int]:
    """Queries each page runs, on its second request (one-off start-up queries don't count).

    Requests run outside any app context of ours, as in a server: inside one, Flask
    would reuse it and Flask-Login's cached user would hide the user query.
    """
    from portal.extensions import db

    app = make_app(database_url)
    paths = page_paths(app, [Page(**vars(page)) for page in pages])
    with app.app_context():
        permits = db.session.execute(text("SELECT count(*) FROM permits")).scalar_one()
        engine = db.engine
    statements: list[str] = []

    def counter(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    counts: dict[str, int] = {}
    event.listen(engine, "before_cursor_execute", counter)
    try:
        for page in pages:
            if page.kind in ("yardstick", "reference"):
                continue
            path = paths.get(page.name)
            if path is None:
                continue
            email = OWNER_EMAIL if page.account == "owner" else STAFF_EMAIL
            client = signed_in_client(app, email)
            for attempt in range(2):
                statements.clear()
                response = client.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code} in process")
                if attempt == 1:
                    counts[page.name] = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return counts, permits


def _test_client_sign_in(client, email: str) -> bool:
    response = client.get("/account/sign-in")
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.text)
    if response.status_code != 200 or not match:
        return False
    response = client.post(
        "/account/sign-in",
        data={"email": email, "password": BENCH_PASSWORD, "csrf_token": match.group(1)},
    )
    return response.status_code in (302, 303) and client.get("/").status_code in (302, 303)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPU ({cpu}), Python {platform.python_version()}"


def load_average() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def report(
    args,
    database: str,
    permits: int,
    pages: list[Page],
    results: list[Result],
    notes: str,
    counts: dict[str, dict[str, int]],
) -> str:
    lines = [f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {database}, {permits:,} permits", ""]
    if results:
        lines += [
            f"gunicorn `--workers {args.workers} --worker-class {args.worker_class} "
            f"--threads {args.threads}` for both apps; wrk `-t{args.threads_wrk} "
            f"-c{args.connections}`, {args.warmup:g} s warm-up then {args.duration:g} s "
            f"measured per page; {machine()}; {notes}.",
            "",
            "| page | path | req/s | p50 ms | p95 ms | errors | vs hello-world "
            "| vs layout-only | target | met |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ]
    hello = next((r for r in results if r.page.kind == "yardstick"), None)
    # A signed-in page is compared with its own account's layout-only page, same run.
    layout = {r.page.account: r for r in results if r.page.kind == "layout"}
    for result in results:
        share = result.requests_per_s / hello.requests_per_s
        yardstick = layout.get(result.page.account)
        of_layout = (
            f"{result.requests_per_s / yardstick.requests_per_s:.0%}"
            if yardstick and result.page.account
            else ""
        )
        if result.page.kind in ("yardstick", "reference"):
            target, met = "", ""
        else:
            target = f"p95 ≤ {P95_LIMIT_MS:g} ms"
            ok = result.p95_ms <= P95_LIMIT_MS and result.errors == 0
            met = "yes" if ok else "**no**"
        lines.append(
            f"| {result.page.label} | `{result.page.path}` | {result.requests_per_s:,.0f} | "
            f"{result.p50_ms:.1f} | {result.p95_ms:.1f} | {result.errors} | {share:.0%} | "
            f"{of_layout} | {target} | {met} |"
        )
    if counts:
        sizes = list(counts)
        lines += [
            "",
            "SQL queries per page (Flask test client, second request):",
            "",
            "| page | " + " | ".join(f"{size} permits" for size in sizes) + " |",
            "| --- | " + " | ".join("---:" for _ in sizes) + " |",
        ]
        for page in pages:
            if page.kind in ("yardstick", "reference"):
                continue
            row = [str(counts[size].get(page.name, "skipped")) for size in sizes]
            lines.append(f"| {page.name} | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a database from generate.py")
    parser.add_argument("--small-database-url", help="the same data at a small size")
    parser.add_argument("--duration", type=int, default=20, help="measured seconds per page")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured seconds per page")
    parser.add_argument("--connections", type=int, default=10, help="concurrent clients")
    parser.add_argument("--threads-wrk", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (both apps)")
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--threads", type=int, default=2, help="gunicorn threads per worker")
    parser.add_argument("--results-dir", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--skip-load", action="store_true", help="only count queries")
    parser.add_argument(
        "--redis",
        action="store_true",
        help="serve with a Redis for the shared cache and the rate limits, as production "
        "must with more than one process (else each worker keeps its own in memory)",
    )
    parser.add_argument(
        "--only",
        help="measure only the pages whose name starts with this (e.g. 'search:'), "
        "with the two yardsticks",
    )
    args = parser.parse_args(argv)

    pages = [
        page
        for page in bench_pages()
        if not args.only or page.name.startswith(args.only) or page.kind in ("yardstick", "layout")
    ]
    database = make_url(args.database_url).get_backend_name()
    app = make_app(args.database_url)
    paths = page_paths(app, pages)
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "PORTAL_ENV": "development",
        "SECRET_KEY": SECRET_KEY,
        "RATELIMIT_ENABLED": "true",
    }
    results: list[Result] = []
    methods = set()
    load_before = load_average()
    with ExitStack() as stack, tempfile.TemporaryDirectory() as folder:
        pages_to_load = [] if args.skip_load else pages
        if args.redis and pages_to_load:
            env["REDIS_URL"] = stack.enter_context(redis_server())
        script = Path(folder) / "report.lua"
        script.write_text(WRK_SCRIPT)
        ports = {}
        if pages_to_load:
            ports["hello"] = stack.enter_context(gunicorn("hello:app", env, args, "/"))
            ports["portal"] = stack.enter_context(gunicorn("wsgi:app", env, args, "/healthz"))
        cookies: dict[str | None, str] = {None: ""}
        accounts = (("owner", OWNER_EMAIL, "/permits/"), ("staff", STAFF_EMAIL, "/staff/"))
        for account, email, home in accounts if pages_to_load else ():
            cookie = sign_in_with_form(ports["portal"], email, home)
            if cookie is None:
                cookie = forged_cookie(app, email)
                methods.add("forged session cookie (the sign-in form did not sign in)")
            else:
                methods.add("the sign-in form")
            cookies[account] = cookie
        for page in pages_to_load:
            if page.name not in paths:
                continue
            page.path = paths[page.name]
            log(f"{page.name}: {args.warmup:g} s warm-up, {args.duration:g} s measured")
            run_wrk(
                ports[page.server],
                page,
                cookies[page.account],
                args.warmup,
                args,
                script,
                warmup=True,
            )
            result = run_wrk(
                ports[page.server], page, cookies[page.account], args.duration, args, script
            )
            log(
                f"  {result.requests_per_s:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
                f"p95 {result.p95_ms:.1f} ms, {result.errors} errors"
            )
            results.append(result)

    counts: dict[str, dict[str, int]] = {}
    urls = [args.small_database_url, args.database_url] if args.small_database_url else []
    for url in urls or [args.database_url]:
        page_counts, size = count_queries(url, pages)
        counts[f"{size:,}"] = page_counts
    with make_app(args.database_url).app_context():
        from portal.extensions import db

        permits = db.session.execute(text("SELECT count(*) FROM permits")).scalar_one()
    notes = (
        f"load average (1/5/15 min) {load_before} before, {load_average()} after; "
        f"sign-in: {' and '.join(sorted(methods))}; shared cache and rate limits: "
        + ("one Redis" if args.redis else "each worker's own memory")
    )
    markdown = report(args, database, permits, pages, results, notes, counts)
    print(markdown)
    results_dir = Path(args.results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"{datetime.now(UTC):%Y-%m-%d}-{database}.md"
    out.write_text(markdown)
    log(f"written to {out}")


if __name__ == "__main__":
    main()
