"""The production-topology drill (issue 15 items 4 and 5), on this machine, loopback only.

Starts a private PostgreSQL cluster (pg_ctl in a temporary folder, so it can be restarted),
moto's S3 server behind a small TCP gate (closing the gate is "S3 down" without losing the
bucket, which lives in moto's memory), Redis (Debian's redis-server: rate limits and the
shared cache), an SMTP sink, two gunicorn web processes used round-robin by the client,
and the worker (`flask worker`: RQ on the same Redis, with its schedule). It drives a
bounded load of real journeys over HTTP, like a browser: register, open the verification
link from the sink, sign in, claim a permit, start the application, upload a document and
download it back. Meanwhile it kills a web process and restarts it, kills the worker
mid-run and restarts it, closes S3 for 10 s, restarts Redis, restarts PostgreSQL once and
takes a backup (bin/backup). Then it checks the data (every accepted upload in the bucket
with its SHA-256, every email delivered once, no 500 outside a fault's window) and restores
the mid-load backup into a fresh database and bucket (bin/restore) and checks it.

    .venv/bin/python bench/topology.py --users 20      # as root (PostgreSQL runs as postgres)
"""

import argparse
import contextlib
import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes
from itertools import count
from pathlib import Path

import boto3
import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "drill-password-2026-long"  # noqa: S105 - the drill's own accounts
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "drill",
    "AWS_SECRET_ACCESS_KEY": "drill",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port} after {seconds} s")


class SmtpSink(socketserver.ThreadingTCPServer):
    """Enough SMTP to receive what smtplib sends; every message kept."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int) -> None:
        self.messages: list[bytes] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _SmtpHandler)


class _SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.wfile.write(b"220 drill sink\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 drill\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                body = []
                while (part := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(part[1:] if part.startswith(b"..") else part)
                with self.server.lock:  # type: ignore[attr-defined]
                    self.server.messages.append(b"".join(body))  # type: ignore[attr-defined]
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class Gate:
    """A TCP relay in front of the S3 server; close() refuses connections until open()."""

    def __init__(self, port: int, target: int) -> None:
        self.port, self.target = port, target
        self.listener: socket.socket | None = None
        self.open()

    def open(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=True)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)


class Postgres:
    """A private cluster, owned by the postgres user, trusting loopback."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        folder.mkdir()
        shutil.chown(folder, "postgres", "postgres")
        self._as_postgres(PG_BIN / "initdb", "-D", folder / "data", "-A", "trust", "-U", "postgres")
        self.start()

    def _as_postgres(self, *args) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, args)],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd="/",
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._as_postgres(
            PG_BIN / "pg_ctl", "-D", self.folder / "data", "-l", self.folder / "log",
            "-o", options, "-w", "start",
        )  # fmt: skip

    def restart(self) -> None:
        self._as_postgres(
            PG_BIN / "pg_ctl", "-D", self.folder / "data", "-m", "fast", "-w", "restart"
        )

    def stop(self) -> None:
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.folder / "data", "-m", "fast", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create(self, database: str) -> None:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-qc",
             f"CREATE DATABASE {database} LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' "
             "TEMPLATE template0"],
            check=True,
        )  # fmt: skip


class Log:
    """What happened, with times, for the report and the 500s' explanations."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.lock = threading.Lock()
        self.windows: list[tuple[str, float, float]] = []
        self.failures: list[tuple[float, str]] = []
        self.counts: Counter = Counter()

    def now(self) -> float:
        return time.monotonic() - self.start

    def failure(self, what: str) -> None:
        with self.lock:
            self.failures.append((self.now(), what))

    def explained(self, at: float) -> str | None:
        for name, begin, end in self.windows:
            if begin - 1 <= at <= end + 5:
                return name
        return None


class Drill:
    def __init__(self, args) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="portal-drill-"))
        # PostgreSQL (the postgres user) keeps its cluster in here.
        os.chmod(self.tmp, 0o755)  # noqa: S103
        self.log = Log()
        self.processes: dict[str, subprocess.Popen] = {}
        self.uploads: list[str] = []
        self.journeys_done = 0

    # ---- the topology ----------------------------------------------------------------
    def up(self) -> None:
        self.pg = Postgres(self.tmp / "pg")
        self.pg.create("drill")
        self.s3_port, gate_port, self.smtp_port = free_port(), free_port(), free_port()
        self._spawn("s3", [BIN / "moto_server", "-H", "127.0.0.1", "-p", str(self.s3_port)])
        wait_for_port(self.s3_port)
        self.gate = Gate(gate_port, self.s3_port)
        self.sink = SmtpSink(self.smtp_port)
        threading.Thread(target=self.sink.serve_forever, daemon=True).start()
        self.redis_port = free_port()
        self.start_redis()
        self.web_ports = [free_port(), free_port()]
        self.env = {
            **os.environ,
            **CREDENTIALS,
            "PORTAL_ENV": "development",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": self.pg.url("drill"),
            "DOCUMENT_STORE_URL": "s3://drill/documents",
            "DOCUMENT_STORE_ENDPOINT_URL": f"http://127.0.0.1:{gate_port}",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(self.smtp_port),
            "MAIL_USE_TLS": "false",
            "PORTAL_BASE_URL": f"http://127.0.0.1:{self.web_ports[0]}",
            # Rate limits and the shared cache on Redis (issue 15 item 2).
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "WEB_CONCURRENCY": "1",
            "PORTAL_PROCESSES": "2",
            "FLASK": str(BIN / "flask"),
        }
        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{self.s3_port}", **_aws())
        s3.create_bucket(Bucket="drill")
        s3.create_bucket(Bucket="drill-restore")
        self.s3 = s3
        self._flask("db", "upgrade")
        self._flask("inspections", "seed-types")
        self.permits = self._seed_permits(self.args.users)
        for n in range(2):
            self.start_web(n)
        self.start_worker()

    def _spawn(self, name: str, command: list, **kwargs) -> None:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - the process keeps it
        self.processes[name] = subprocess.Popen(
            [str(part) for part in command],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
            **kwargs,
        )

    def _flask(self, *args: str) -> str:
        return subprocess.run(
            [BIN / "flask", "--app", "portal:create_app", *args],
            env=self.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def _seed_permits(self, n: int) -> list[tuple[str, str]]:
        """Unclaimed permits with known access codes (the department's letters)."""
        script = f"""
from portal import create_app
from portal.extensions import db
from portal.permits.models import Permit, PermitStatus
with create_app().app_context():
    for i in range({n}):
        db.session.add(Permit(
            permit_num=f"BP-2026-{{900000 + i}}", description="New 6-unit residential building",
            status_current=PermitStatus.ISSUED, original_address1=f"{{100 + i}} N State St",
            original_city="Chicago", original_state="IL", original_zip="60602",
            permit_type="New Construction", work_class="New", proposed_use="Residential",
            housing_units=6, total_sq_ft=7200, scope=["new_construction", "electrical"],
            access_code=f"DRILL{{i:04d}}"))
    db.session.commit()
"""
        subprocess.run([sys.executable, "-c", script], env=self.env, cwd=ROOT, check=True)
        return [(f"BP-2026-{900000 + i}", f"DRILL{i:04d}") for i in range(n)]

    def _psql(self, sql: str, database: str = "drill") -> str:
        return subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.pg.port), "-U", "postgres", "-d",
             database, "-qAtc", sql],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip

    def start_web(self, n: int) -> None:
        port = self.web_ports[n]
        self._spawn(
            f"web{n}",
            [BIN / "gunicorn", "--workers", "1", "--threads", "4", "--bind",
             f"127.0.0.1:{port}", "wsgi:app"],
            env=self.env,
        )  # fmt: skip
        wait_for_port(port, 60)

    def start_redis(self) -> None:
        self._spawn(
            "redis",
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port),
             "--save", "", "--appendonly", "no"],
        )  # fmt: skip
        wait_for_port(self.redis_port)

    def start_worker(self) -> None:
        """`flask worker` (issue 15 item 3): RQ's worker and its schedule (the outbox every
        minute), on the same Redis."""
        self._spawn("worker", [BIN / "flask", "--app", "portal:create_app", "worker"], env=self.env)

    def kill(self, name: str) -> None:
        os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait()

    # ---- faults ----------------------------------------------------------------------
    def faults(self) -> None:
        """One of each, spaced through the load, each with its window for the report."""
        steps = [
            ("web process 0 killed and restarted", self._web_fault),
            ("worker killed mid-run and restarted", self._worker_fault),
            ("S3 stopped for 10 s", self._s3_fault),
            ("Redis restarted", self._redis_fault),
            ("PostgreSQL restarted", self._pg_fault),
        ]
        for name, step in steps:
            time.sleep(self.args.fault_gap)
            begin = self.log.now()
            step()
            self.log.windows.append((name, begin, self.log.now()))
            print(f"[{begin:6.1f}s] fault: {name} ({self.log.now() - begin:.1f} s)", flush=True)
        time.sleep(self.args.fault_gap)
        self.backup_at = self.log.now()
        self.backup = self._backup()

    def _web_fault(self) -> None:
        self.kill("web0")
        time.sleep(3)
        self.start_web(0)

    def _worker_fault(self) -> None:
        # Under this load the worker is running a delivery job most of the time.
        self.kill("worker")
        time.sleep(2)
        self.start_worker()

    def _s3_fault(self) -> None:
        self.gate.close()
        time.sleep(10)
        self.gate.open()

    def _redis_fault(self) -> None:
        self.kill("redis")
        time.sleep(1)
        self.start_redis()

    def _pg_fault(self) -> None:
        self.pg.restart()

    def _backup(self) -> Path:
        target = self.tmp / "backups"
        started = time.monotonic()
        subprocess.run(
            [ROOT / "bin" / "backup", target], env=self.env, cwd=ROOT, check=True,
            capture_output=True,
        )  # fmt: skip
        print(f"[{self.log.now():6.1f}s] backup taken in {time.monotonic() - started:.1f} s")
        return next(target.iterdir())

    # ---- the journeys ----------------------------------------------------------------
    def journeys(self) -> None:
        with ThreadPoolExecutor(self.args.concurrency) as pool:
            results = list(pool.map(self._journey, range(self.args.users)))
        self.journeys_done = sum(results)

    def _journey(self, n: int) -> bool:
        client = Client(self, n)
        try:
            client.run(*self.permits[n])
        except JourneyFailed as error:
            self.log.failure(f"journey {n} gave up: {error}")
            return False
        return True

    # ---- checks ----------------------------------------------------------------------
    def check(self) -> dict:
        # Let the worker deliver what is left (a claim a killed job left is taken again
        # only after 15 minutes: reported, not waited for).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self._psql(
            "SELECT count(*) FROM outbox_messages WHERE status = 'pending' AND claimed_at IS NULL"
        ) not in ("0",):
            time.sleep(1)
        report: dict = {}
        bad = 0
        for sha256 in self.uploads:
            body = self.s3.get_object(Bucket="drill", Key=f"documents/{sha256[:2]}/{sha256}")
            bad += hashlib.sha256(body["Body"].read()).hexdigest() != sha256
        report["accepted uploads"] = len(self.uploads)
        report["uploads missing or changed in the bucket"] = bad
        ids = Counter(message_from_bytes(raw).get("Message-ID", "") for raw in self.sink.messages)
        report["emails received by the sink"] = sum(ids.values())
        report["emails received twice or more"] = sum(1 for c in ids.values() if c > 1)
        statuses = self._psql(
            "SELECT status || ':' || count(*) FROM outbox_messages GROUP BY status"
        ).split()
        report["outbox"] = ", ".join(statuses)
        report["outbox claimed by a killed run (re-taken after 15 min)"] = self._psql(
            "SELECT count(*) FROM outbox_messages WHERE status = 'pending' "
            "AND claimed_at IS NOT NULL"
        )
        sent = self._psql("SELECT message_id FROM outbox_messages WHERE status = 'sent'").split()
        report["sent but never received"] = sum(1 for m in sent if ids[m] == 0)
        return report

    def restore(self) -> str:
        self.pg.create("drill_restore")
        env = {
            **self.env,
            "DATABASE_URL": self.pg.url("drill_restore"),
            "DOCUMENT_STORE_URL": "s3://drill-restore/documents",
        }
        env["DOCUMENT_STORE_ENDPOINT_URL"] = f"http://127.0.0.1:{self.s3_port}"
        started = time.monotonic()
        result = subprocess.run(
            [ROOT / "bin" / "restore", self.backup], env=env, cwd=ROOT, capture_output=True,
            text=True, check=False,
        )  # fmt: skip
        took = time.monotonic() - started
        return f"exit {result.returncode} in {took:.1f} s\n{result.stdout}{result.stderr}"

    def down(self) -> None:
        for name in list(self.processes):
            with contextlib.suppress(ProcessLookupError):
                self.kill(name)
        self.sink.shutdown()
        self.gate.close()
        self.pg.stop()


class JourneyFailed(Exception):
    pass


class Client:
    """One person's browser, alternating between the two web processes (round robin)."""

    turn = count()

    def __init__(self, drill: Drill, n: int) -> None:
        self.drill, self.n = drill, n
        self.session = requests.Session()
        self.email = f"drill{n}-{secrets.token_hex(3)}@example.com"

    def request(self, method: str, path: str, expect=(200, 302), **kwargs):
        for _attempt in range(30):
            port = self.drill.web_ports[next(self.turn) % 2]
            url = path if path.startswith("http") else f"http://127.0.0.1:{port}{path}"
            try:
                response = self.session.request(
                    method, url, timeout=60, allow_redirects=False, **kwargs
                )
            except requests.ConnectionError:
                self.drill.log.failure(f"{method} {path}: connection refused, retried")
                time.sleep(0.5)
                continue
            if response.status_code in expect:
                return response
            self.drill.log.failure(f"{method} {path}: {response.status_code}, retried")
            time.sleep(1)
        raise JourneyFailed(f"{method} {path} never answered")

    def csrf(self, path: str) -> str:
        page = self.request("GET", path).text
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]

    def run(self, permit_num: str, code: str) -> None:
        token = self.csrf("/account/register")
        self.request(
            "POST",
            "/account/register",
            data={
                "csrf_token": token,
                "name": f"Drill Person {self.n}",
                "email": self.email,
                "phone": "312-555-0100",
                "password": PASSWORD,
                "confirm": PASSWORD,
            },
            expect=(302,),
        )
        self.request("GET", self._verification_link())
        token = self.csrf("/permits/claim")
        claimed = self.request(
            "POST",
            "/permits/claim",
            data={"csrf_token": token, "permit_number": permit_num, "access_code": code},
            expect=(302,),
        )
        permit_id = re.search(r"/permits/(\d+)", claimed.headers["Location"]).group(1)  # type: ignore[union-attr]
        token = self.csrf(f"/permits/{permit_id}/application")
        self.request("POST", f"/permits/{permit_id}/application/start", data={"csrf_token": token})
        self._upload(permit_id)

    def _verification_link(self) -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for raw in list(self.drill.sink.messages):
                message = message_from_bytes(raw)
                if message["To"] and self.email in message["To"]:
                    text = _plain(message)
                    found = re.search(r"http://\S+/account/verify/\S+", text)
                    if found:
                        return found.group(0)
            time.sleep(0.5)
        raise JourneyFailed("no verification email within 120 s")

    def _upload(self, permit_id: str) -> None:
        path = f"/permits/{permit_id}/application/documents"
        data = b"%PDF-1.7\n" + secrets.token_bytes(2048) + b"\n%%EOF\n"
        for _attempt in range(20):
            token = self.csrf(path)
            answer = self.request(
                "POST",
                path,
                data={"csrf_token": token, "document_type": "stamped_plans"},
                files={"file": ("plans.pdf", data, "application/pdf")},
            )
            if answer.status_code == 302:
                break
            if "document store cannot be reached" in answer.text:
                self.drill.log.failure("upload: store unreachable message, form kept; retried")
                time.sleep(2)
                continue
            raise JourneyFailed("upload refused")
        else:
            raise JourneyFailed("upload never accepted")
        sha256 = hashlib.sha256(data).hexdigest()
        self.drill.uploads.append(sha256)
        listing = self.request("GET", path).text
        document = re.search(rf"{path}/(\d+)", listing).group(1)  # type: ignore[union-attr]
        for _attempt in range(20):
            download = self.request("GET", f"{path}/{document}", expect=(200, 503))
            if download.status_code == 200:
                break
            time.sleep(2)
        if hashlib.sha256(download.content).hexdigest() != sha256:
            raise JourneyFailed("downloaded document differs")


def _plain(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    return ""


def _aws() -> dict:
    return {
        "aws_access_key_id": "drill",
        "aws_secret_access_key": "drill",
        "region_name": "us-east-1",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="journeys (at most 30: the "
                        "register limit per address per process)")  # fmt: skip
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--fault-gap", type=float, default=8, help="seconds between faults")
    args = parser.parse_args()
    drill = Drill(args)
    started = time.monotonic()
    drill.up()
    print(f"topology up in {time.monotonic() - started:.1f} s ({drill.tmp})", flush=True)
    try:
        faults = threading.Thread(target=drill.faults)
        faults.start()
        drill.journeys()
        faults.join()
        report = drill.check()
        restore = drill.restore()
    finally:
        drill.down()
    failures = drill.log.failures
    unexplained = [
        (at, what) for at, what in failures if " 500" in what and not drill.log.explained(at)
    ]
    print(f"\njourneys tried {args.users}, completed {drill.journeys_done}")
    print(f"failed requests {len(failures)}, by kind:")
    for what, times in Counter(_kind(what) for _, what in failures).most_common():
        print(f"  {times:4d}  {what}")
    print(f"unexplained 500s (outside every fault's window): {len(unexplained)}")
    for name, value in report.items():
        print(f"{name}: {value}")
    print(f"\nrestore of the backup taken at {drill.backup_at:.0f} s: {restore}")


def _kind(what: str) -> str:
    what = re.sub(r"http://127\.0\.0\.1:\d+", "", what)
    return re.sub(r"/\d+", "/<id>", re.sub(r"verify/\S+", "verify/<token>", what))


if __name__ == "__main__":
    main()
