"""The production-topology drill (issue 15 items 4 and 5), on this machine, loopback only.

Starts a private PostgreSQL cluster (pg_ctl in a temporary folder, so it can be restarted),
moto's S3 server behind a small TCP gate (closing the gate is "S3 down" without losing the
bucket, which lives in moto's memory), Redis (Debian's redis-server: rate limits and the
shared cache), an SMTP sink, two gunicorn web processes used round-robin by the client,
and the worker (`flask worker`: RQ on the same Redis, with its schedule). It drives a
bounded load of real journeys over HTTP, like a browser (bench/drill_journey.py): the owner
registers, opens the verification link from the sink, claims a permit, fills and submits the
C of O application with an upload; staff (password and TOTP second factor) accept it; the
owner requests the inspections; staff schedule them and record them passed (and the fire
bureau's visit); the owner pays the C of O inspection's fee through the test checkout, and
Stripe's signed webhook arrives twice more; staff issue the certificate; the owner downloads
it and the public verify page finds it. Meanwhile it kills a web process and restarts it,
kills the worker mid-run and restarts it, closes S3 for 10 s, restarts Redis, restarts
PostgreSQL once and takes a backup (bin/backup). Then it checks the data (every accepted
upload in the bucket with its SHA-256; every paid fee paid once, with one receipt whose PDF
is in the bucket; every email delivered once; RQ's failed and started registries; every
certificate's PDF in the bucket and its verify page; no 500 outside a fault's window) and
restores the mid-load backup into a fresh database and bucket (bin/restore) and checks the
certificates, documents and payments there.

    .venv/bin/python bench/topology.py --users 20      # as root (PostgreSQL runs as postgres)
"""

import argparse
import contextlib
import hashlib
import json
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
from datetime import date, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
from drill_journey import COFO_FEE_CENTS, PASSWORD, WEBHOOK_SECRET, Browser, Journey, JourneyFailed
from redis import Redis
from rq import Queue
from rq.registry import FailedJobRegistry, StartedJobRegistry

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
CHICAGO = ZoneInfo("America/Chicago")
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

    def count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1

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
        self.payments: list[str] = []
        # Certificate number -> SHA-256 of the PDF the owner downloaded.
        self.certificates: dict[str, str] = {}
        self.reached: Counter = Counter()
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
            # Test mode (no Stripe key): the test checkout, and Stripe's events signed with this.
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "FLASK": str(BIN / "flask"),
        }
        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{self.s3_port}", **_aws())
        s3.create_bucket(Bucket="drill")
        s3.create_bucket(Bucket="drill-restore")
        self.s3 = s3
        self._flask("db", "upgrade")
        self._flask("inspections", "seed-types")
        self.permits = self._seed_permits(self.args.users)
        self.staff = self._seed_staff(self.args.users)
        self.holidays = {
            date.fromisoformat(d) for d in self._psql("SELECT day FROM holidays").split()
        }
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
from portal.inspections import catalogue
from portal.inspections.models import InspectionType
from portal.permits.models import Permit, PermitStatus
with create_app().app_context():
    for i in range({n}):
        db.session.add(Permit(
            permit_num=f"BP-2026-{{900000 + i}}", description="New 6-unit residential building",
            status_current=PermitStatus.ISSUED, original_address1=f"{{100 + i}} N State St",
            original_city="Chicago", original_state="IL", original_zip="60602",
            permit_type="New Construction", work_class="New", proposed_use="Residential",
            housing_units=6, total_sq_ft=7200, scope=["electrical"],
            access_code=f"DRILL{{i:04d}}"))
    db.session.commit()
    # The inspections each permit must pass, as the importer derives them.
    catalogue.derive_required({{p.id: p.scope for p in db.session.scalars(db.select(Permit))}})
    # The department's fee for the building C of O inspection (an admin sets it on the
    # inspection type's page): requesting the inspection assesses it.
    cofo = db.session.scalar(db.select(InspectionType).where(InspectionType.code == "COFO-DOB"))
    cofo.fee_cents = {COFO_FEE_CENTS}
    db.session.commit()
"""
        subprocess.run([sys.executable, "-c", script], env=self.env, cwd=ROOT, check=True)
        return [(f"BP-2026-{900000 + i}", f"DRILL{i:04d}") for i in range(n)]

    def _seed_staff(self, n: int) -> list[dict]:
        """One staff account per journey, each with an authenticator app enrolled (a TOTP
        code is accepted once, so concurrent sign-ins need their own accounts)."""
        script = f"""
import json, pyotp
from portal import create_app
from portal.auth import second_factor
from portal.auth.models import Role, User
from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.models import utcnow
with create_app().app_context():
    password, accounts = hash_password({PASSWORD!r}), []
    for i in range({n}):
        secret = pyotp.random_base32()
        user = User(email=f"drill-staff{{i}}@example.com", name=f"Drill Inspector {{i:02d}}",
                    role=Role.STAFF, password_hash=password, email_verified_at=utcnow(),
                    totp_secret_encrypted=second_factor.encrypt_secret(secret),
                    totp_enabled_at=utcnow())
        db.session.add(user)
        db.session.flush()
        accounts.append({{"id": user.id, "email": user.email, "secret": secret}})
    db.session.commit()
    print(json.dumps(accounts))
"""
        out = subprocess.run(
            [sys.executable, "-c", script], env=self.env, cwd=ROOT, check=True,
            capture_output=True, text=True,
        ).stdout  # fmt: skip
        return json.loads(out.strip().splitlines()[-1])

    # ---- what the journeys read from the database (ids a person would read off a page) --
    def today(self) -> date:
        return datetime.now(CHICAGO).date()

    def visit_day(self, n: int) -> date:
        """A business day past the lead time, a different one for every two journeys, so
        no inspector's day fills."""
        day, skip = self.today() + timedelta(days=14), n // 2
        while True:
            if day.weekday() < 5 and day not in self.holidays:
                if skip == 0:
                    return day
                skip -= 1
            day += timedelta(days=1)

    def visit_day_comes(self, request_ids: list[str]) -> None:
        """The days between booking a visit and making it pass: the drill compresses them
        by moving the booked visits to today (a result is recorded on or after the day)."""
        ids = ", ".join(request_ids)
        self._psql(
            f"UPDATE inspection_requests SET scheduled_date = '{self.today()}' WHERE id IN ({ids})"
        )

    def application_of(self, permit_id: str) -> str:
        return self._psql(f"SELECT id FROM cofo_applications WHERE permit_id = {int(permit_id)}")

    def required_of(self, permit_id: str, name: str) -> str:
        return self._psql(
            "SELECT r.id FROM required_inspections r JOIN inspection_types t "
            f"ON t.id = r.inspection_type_id WHERE r.permit_id = {int(permit_id)} "
            f"AND t.name = '{name}'"
        )

    def certificate_of(self, application_id: str) -> str:
        return self._psql(
            f"SELECT number FROM certificates WHERE application_id = {int(application_id)}"
        )

    def checkout_session(self, payment_id: str) -> dict:
        """The Checkout Session of a payment, as Stripe sends it in its event."""
        row = self._psql(
            "SELECT checkout_session_id, amount_cents, permit_id, customer_email, "
            f"coalesce(payment_intent_id, '') FROM payments WHERE id = {int(payment_id)}"
        ).split("|")
        session_id, amount, permit_id, email, intent = row
        return {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "status": "complete",
            "payment_status": "paid",
            "amount_total": int(amount),
            "amount_subtotal": int(amount),
            "currency": "usd",
            "client_reference_id": f"payment-{payment_id}",
            "customer_email": email,
            "metadata": {"payment_id": payment_id, "permit_id": permit_id},
            "payment_intent": intent or f"pi_test_portal_{payment_id}",
        }

    def _psql(self, sql: str, database: str = "drill") -> str:
        # The drill's own look-ups run while it restarts PostgreSQL too: wait it out, as the
        # journeys' requests do, rather than end the whole drill on a refused connection.
        for _attempt in range(30):
            done = subprocess.run(
                ["psql", "-h", "127.0.0.1", "-p", str(self.pg.port), "-U", "postgres", "-d",
                 database, "-qAtc", sql],
                capture_output=True, text=True,
            )  # fmt: skip
            if done.returncode == 0:
                return done.stdout.strip()
            time.sleep(1)
        done.check_returncode()
        return ""

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
        for name, step in [] if self.args.no_faults else steps:
            time.sleep(self.args.fault_gap)
            begin = self.log.now()
            step()
            self.log.windows.append((name, begin, self.log.now()))
            print(f"[{begin:6.1f}s] fault: {name} ({self.log.now() - begin:.1f} s)", flush=True)
        time.sleep(self.args.fault_gap)
        # Mid-load, once half the journeys are over, so the backup holds certificates and
        # payments as well as work in progress.
        deadline = time.monotonic() + 900
        while sum(self.reached.values()) < self.args.users // 2 and time.monotonic() < deadline:
            time.sleep(1)
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

    def _backup(self) -> Path | None:
        """bin/backup; a failure is reported (with its output) and the restore skipped."""
        target = self.tmp / "backups"
        started = time.monotonic()
        result = subprocess.run(
            [ROOT / "bin" / "backup", target], env=self.env, cwd=ROOT, check=False,
            capture_output=True, text=True,
        )  # fmt: skip
        self.backup_seconds = time.monotonic() - started
        self.backup_output = result.stdout + result.stderr
        print(
            f"[{self.log.now():6.1f}s] backup exit {result.returncode} in "
            f"{self.backup_seconds:.1f} s\n{self.backup_output}",
            flush=True,
        )
        return next(target.iterdir()) if result.returncode == 0 else None

    # ---- the journeys ----------------------------------------------------------------
    def journeys(self) -> None:
        with ThreadPoolExecutor(self.args.concurrency) as pool:
            results = list(pool.map(self._journey, range(self.args.users)))
        self.journeys_done = sum(results)

    def _journey(self, n: int) -> bool:
        journey = Journey(self, n, *self.permits[n], staff=self.staff[n])
        try:
            journey.run()
        except (JourneyFailed, KeyError, AttributeError, ValueError) as error:
            self.log.failure(f"journey {n} gave up at {journey.reached}: {error!r}")
            return False
        finally:
            with self.log.lock:
                self.reached[journey.reached] += 1
        return True

    # ---- checks ----------------------------------------------------------------------
    def check(self) -> dict:
        """Long because it is the list of checks itself, each a line of the report."""
        # Let the worker finish what is queued: receipts and emails (a message a killed job
        # had claimed is taken again only after 15 minutes: reported, not waited for).
        deadline = time.monotonic() + 90
        while (
            time.monotonic() < deadline
            and self._psql(
                "SELECT (SELECT count(*) FROM outbox_messages WHERE status = 'pending' "
                "AND claimed_at IS NULL) + (SELECT count(*) FROM payments WHERE "
                "receipt_number IS NOT NULL AND receipt_file_id IS NULL)"
            )
            != "0"
        ):
            time.sleep(1)
        report: dict = {}
        report["accepted uploads"] = len(self.uploads)
        report["uploads missing or changed in the bucket"] = sum(
            not self._in_bucket("drill", sha256) for sha256 in self.uploads
        )
        report |= self._check_payments("drill")
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
        report |= self._check_jobs()
        report |= self._check_certificates("drill")
        report["certificates downloaded by their owners"] = len(self.certificates)
        report["certificates whose verify page does not say valid"] = self._verify_pages()
        return report

    def _in_bucket(self, bucket: str, sha256: str) -> bool:
        try:
            body = self.s3.get_object(Bucket=bucket, Key=f"documents/{sha256[:2]}/{sha256}")
        except self.s3.exceptions.NoSuchKey:
            return False
        return hashlib.sha256(body["Body"].read()).hexdigest() == sha256

    def _check_payments(self, database: str) -> dict:
        """Every succeeded payment's fees paid once, one receipt each, its PDF in the bucket."""
        bucket = "drill" if database == "drill" else "drill-restore"
        q = lambda sql: self._psql(sql, database)  # noqa: E731 - one database for each query
        receipts = q(
            "SELECT f.sha256 FROM payments p JOIN stored_files f ON f.id = p.receipt_file_id "
            "WHERE p.status = 'succeeded'"
        ).split()
        return {
            "payments succeeded": q("SELECT count(*) FROM payments WHERE status = 'succeeded'"),
            "fees paid": q("SELECT count(*) FROM fees WHERE status = 'paid'"),
            "fees paid by more than one succeeded payment": q(
                "SELECT count(*) FROM (SELECT pf.fee_id FROM payment_fees pf JOIN payments p "
                "ON p.id = pf.payment_id WHERE p.status = 'succeeded' GROUP BY pf.fee_id "
                "HAVING count(*) > 1) twice"
            ),
            "paid fees without a succeeded payment": q(
                "SELECT count(*) FROM fees f WHERE f.status = 'paid' AND NOT EXISTS (SELECT 1 "
                "FROM payment_fees pf JOIN payments p ON p.id = pf.payment_id "
                "WHERE pf.fee_id = f.id AND p.status = 'succeeded')"
            ),
            "succeeded payments without a receipt number or PDF": q(
                "SELECT count(*) FROM payments WHERE status = 'succeeded' AND "
                "(receipt_number IS NULL OR receipt_file_id IS NULL)"
            ),
            "receipt PDFs missing or changed in the bucket": sum(
                not self._in_bucket(bucket, sha256) for sha256 in receipts
            ),
            "webhook events recorded": q("SELECT count(*) FROM processed_stripe_events"),
        }

    def _check_certificates(self, database: str) -> dict:
        bucket = "drill" if database == "drill" else "drill-restore"
        rows = self._psql(
            "SELECT c.number || '|' || v.sha256 || '|' || f.sha256 FROM certificates c "
            "JOIN certificate_versions v ON v.certificate_id = c.id "
            "JOIN stored_files f ON f.id = v.stored_file_id",
            database,
        ).split()
        bad = 0
        for row in rows:
            number, recorded, stored = row.split("|")
            bad += recorded != stored or not self._in_bucket(bucket, stored)
            if database == "drill" and number in self.certificates:
                bad += self.certificates[number] != recorded
        return {
            "certificates issued": len(rows),
            "certificate PDFs missing, changed or not the one downloaded": bad,
        }

    def _check_jobs(self) -> dict:
        """RQ's own registries: a job failed for good, or one a killed worker left started."""
        redis = Redis(port=self.redis_port)
        queue = Queue("portal", connection=redis)
        StartedJobRegistry(queue=queue).cleanup()  # a dead worker's jobs move to failed
        failed = FailedJobRegistry(queue=queue).get_job_ids()
        explained = []
        for job_id in failed:
            job = queue.fetch_job(job_id)
            reason = job.latest_result().exc_string if job and job.latest_result() else ""
            explained.append(f"{job_id}: {(reason or 'no result').strip().splitlines()[-1][:120]}")
        return {
            "RQ jobs queued / started / failed now": (
                f"{len(queue)} / {len(StartedJobRegistry(queue=queue))} / {len(failed)}"
            ),
            "RQ failed jobs": "; ".join(explained) or "none",
        }

    def _verify_pages(self) -> int:
        browser = Browser(self)
        bad = 0
        for number in self._psql("SELECT number FROM certificates").split():
            page = browser.request("GET", f"/verify/{number}-V1", expect=(200,)).text
            bad += "Valid certificate" not in page
        return bad

    def restore(self) -> tuple[str, dict]:
        if self.backup is None:
            return "not run: the backup failed", {}
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
        summary = f"exit {result.returncode} in {took:.1f} s\n{result.stdout}{result.stderr}"
        if result.returncode != 0:
            return summary, {}
        restored = self._check_certificates("drill_restore")
        restored |= self._check_payments("drill_restore")
        documents = self._psql(
            "SELECT f.sha256 FROM application_documents d JOIN stored_files f "
            "ON f.id = d.stored_file_id",
            "drill_restore",
        ).split()
        restored["documents restored"] = len(documents)
        restored["documents missing or changed in the restored bucket"] = sum(
            not self._in_bucket("drill-restore", sha256) for sha256 in documents
        )
        return summary, restored

    def down(self) -> None:
        for name in list(self.processes):
            with contextlib.suppress(ProcessLookupError):
                self.kill(name)
        self.sink.shutdown()
        self.gate.close()
        self.pg.stop()


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
    parser.add_argument("--no-faults", action="store_true", help="the journeys alone (to try "
                        "the script); the backup is still taken")  # fmt: skip
    args = parser.parse_args()
    drill = Drill(args)
    started = time.monotonic()
    drill.up()
    print(f"topology up in {time.monotonic() - started:.1f} s ({drill.tmp})", flush=True)
    try:
        faults = threading.Thread(target=drill.faults)
        faults.start()
        load_started = time.monotonic()
        drill.journeys()
        load_took = time.monotonic() - load_started
        faults.join()
        report = drill.check()
        restore, restored = drill.restore()
    finally:
        drill.down()
    print_report(drill, args, load_took, report, restore, restored)


def print_report(drill: Drill, args, load_took: float, report, restore, restored) -> None:
    """The drill's table (Markdown), then the restore's own output."""
    failures = [(at, what) for at, what in drill.log.failures if "gave up" not in what]
    gave_up = [what for _, what in drill.log.failures if "gave up" in what]
    fivehundreds = [(at, what) for at, what in failures if re.search(r": 500\b", what)]
    unexplained = [(at, what) for at, what in fivehundreds if not drill.log.explained(at)]
    rows = [
        ("journeys tried / completed",
         f"{args.users} / {drill.journeys_done} (the load took {load_took:.0f} s)"),
        ("where journeys stopped", ", ".join(f"{k}: {v}" for k, v in drill.reached.items())),
        ("failed requests (each answered cleanly, then retried)", len(failures)),
        ("500s / unexplained (outside every fault's window)",
         f"{len(fivehundreds)} / {len(unexplained)}"),
        ("webhook deliveries", ", ".join(f"{k}: {v}" for k, v in drill.log.counts.items())),
        *report.items(),
        ("backup taken mid-load (bin/backup)",
         f"{drill.backup_seconds:.1f} s, taken at {drill.backup_at:.0f} s"),
        ("restore into a new database and bucket (bin/restore)", restore.splitlines()[0]),
        *((f"restored: {name}", value) for name, value in restored.items()),
    ]  # fmt: skip
    print("\n| | |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print("\nfailed requests by kind:")
    for what, times in Counter(_kind(what) for _, what in failures).most_common():
        print(f"  {times:4d}  {what}")
    for at, what in unexplained:
        print(f"  unexplained 500 at {at:.1f} s: {what}")
    for what in gave_up:
        print(f"  {what}")
    print(f"\nfaults: {drill.log.windows}")
    print(f"\nrestore output:\n{restore}")


def _kind(what: str) -> str:
    what = re.sub(r"http://127\.0\.0\.1:\d+", "", what)
    what = re.sub(r"journey \d+", "journey <n>", re.sub(r"\?\S*", "", what))
    what = re.sub(r"/verify/[\w-]+", "/verify/<number>", what)
    return re.sub(r"/\d+", "/<id>", re.sub(r"account/verify/\S+", "account/verify/<token>", what))


if __name__ == "__main__":
    main()
