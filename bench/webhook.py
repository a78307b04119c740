"""Webhook throughput: signed checkout.session.completed events, with duplicates, over loopback.

Creates its own schema in the database it is given (it refuses a database whose name
does not contain "bench"), makes --payments pending payments, then posts each payment's
completed event --deliveries times (the same event id: Stripe's redeliveries) from
--concurrency client threads to the portal served on 127.0.0.1 by werkzeug (one process,
threaded) or, with --workers N, by gunicorn with N worker processes as in production. Prints
events/s and latency percentiles for first deliveries (fulfilment: payment and fees) and
for duplicates, then issues the receipts as `flask outbox send` does (PDF and email,
timed apart), and checks that every payment was fulfilled and emailed exactly once.

.venv/bin/python bench/webhook.py --database-url sqlite:///$PWD/instance/bench/webhook-bench.sqlite3
.venv/bin/python bench/webhook.py --workers 2 --concurrency 8 \
    --database-url postgresql+psycopg://portal:portal@127.0.0.1:5432/portal_bench_webhook
"""

import argparse
import http.client
import json
import os
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import stripe
from sqlalchemy import MetaData, func, select
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402 - bench/load.py: its gunicorn runner

from portal import create_app  # noqa: E402
from portal.auth.models import User  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import utcnow  # noqa: E402
from portal.notifications.models import OutboxMessage  # noqa: E402
from portal.payments.models import (  # noqa: E402
    Fee,
    FeeKind,
    FeeStatus,
    Payment,
    PaymentFee,
    PaymentMethod,
    PaymentStatus,
    ProcessedStripeEvent,
)
from portal.payments.receipt_delivery import issue_due_receipts  # noqa: E402
from portal.permits.models import PartyRole, Permit, PermitParty  # noqa: E402

SECRET = "whsec_bench_webhook"  # noqa: S105 - a throwaway secret for a local benchmark


def _settings(database_url: str, store: str) -> dict[str, str]:
    """The portal's settings for this run, as environment variables (gunicorn's workers
    read them so) and as the in-process app's configuration."""
    return {
        "DATABASE_URL": database_url,
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_SECRET_KEY": "",
        "DOCUMENT_STORE_PATH": store,
        "MAIL_FILE_DIR": store,
        "RATELIMIT_ENABLED": "false",
        # The receipts are issued after the deliveries and timed apart (below), as a
        # worker does; the in-process job thread would render them during the run and
        # write into the store after it is removed.
        "JOBS_LOCAL": "manual",
        "SECRET_KEY": "bench-" + "x" * 40,
        "PORTAL_ENV": "development",
    }


def _app(settings: dict[str, str]):
    os.environ.setdefault("RATELIMIT_ENABLED", "false")
    config = {key: value for key, value in settings.items() if key != "DATABASE_URL"}
    return create_app(
        {
            **config,
            "SQLALCHEMY_DATABASE_URI": settings["DATABASE_URL"],
            "RATELIMIT_ENABLED": False,
        }
    )


@contextmanager
def _served(app, settings: dict[str, str], workers: int):
    """The port of the portal: werkzeug in this process, or gunicorn's worker processes."""
    if workers:
        options = argparse.Namespace(workers=workers, worker_class="sync", threads=1)
        with load.gunicorn("wsgi:app", {**os.environ, **settings}, options, "/healthz") as port:
            yield port
        return
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _seed(app, payments: int) -> list[dict]:
    """Empty the schema, create it, and make the pending payments; return their sessions."""
    with app.app_context():
        existing = MetaData()
        existing.reflect(bind=db.engine)
        existing.drop_all(bind=db.engine)
        db.create_all()
        owner = User(
            email="bench-payer@example.com",
            name="Bench Payer",
            phone="312-555-0100",
            password_hash="!",  # noqa: S106 - no one signs in as this account
            email_verified_at=utcnow(),
        )
        db.session.add(owner)
        db.session.flush()
        sessions = []
        for n in range(payments):
            permit = Permit(
                permit_num=f"BP-BENCH-{n:06d}",
                original_address1=f"{100 + n} N State St",
                original_city="Chicago",
                original_state="IL",
                original_zip="60602",
                access_code=f"B{n:06d}",
            )
            db.session.add(permit)
            db.session.flush()
            db.session.add(PermitParty(permit_id=permit.id, user_id=owner.id, role=PartyRole.OWNER))
            fee = Fee(
                permit_id=permit.id,
                kind=FeeKind.REINSPECTION,
                amount_cents=15000,
                reason="No access at the visit",
                status=FeeStatus.OUTSTANDING,
            )
            db.session.add(fee)
            db.session.flush()
            payment = Payment(
                permit_id=permit.id,
                method=PaymentMethod.CARD,
                status=PaymentStatus.PENDING,
                amount_cents=15000,
                created_by_id=owner.id,
                customer_email=owner.email,
                checkout_session_id=f"cs_test_bench_{n:06d}",
                expires_at=utcnow() + timedelta(minutes=30),
            )
            payment.lines = [
                PaymentFee(
                    fee_id=fee.id,
                    open_fee_id=fee.id,
                    amount_cents=15000,
                    description="Reinspection fee",
                )
            ]
            db.session.add(payment)
            db.session.flush()
            sessions.append(
                {
                    "id": payment.checkout_session_id,
                    "object": "checkout.session",
                    "mode": "payment",
                    "status": "complete",
                    "payment_status": "paid",
                    "amount_total": 15000,
                    "currency": "usd",
                    "client_reference_id": f"payment-{payment.id}",
                    "metadata": {"payment_id": str(payment.id), "permit_id": str(permit.id)},
                    "payment_intent": f"pi_bench_{n:06d}",
                }
            )
        db.session.commit()
        return sessions


def _deliveries(sessions: list[dict], copies: int, seed: int) -> list[tuple[str, bytes]]:
    """Each session's completed event ``copies`` times, shuffled so duplicates also overlap."""
    deliveries = []
    for n, session in enumerate(sessions):
        event = {
            "id": f"evt_bench_{n:06d}",
            "object": "event",
            "type": "checkout.session.completed",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": session},
        }
        payload = json.dumps(event).encode()
        deliveries.extend([(event["id"], payload)] * copies)
    random.Random(seed).shuffle(deliveries)
    return deliveries


def _deliver(port: int, payload: bytes, header: str) -> tuple[int, str]:
    """(HTTP status, the webhook's outcome) of one delivery; status 0 when the connection
    failed, and the outcome names what was wrong when the answer was not the JSON expected."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            "/payments/stripe/webhook",
            body=payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
        )
        response = connection.getresponse()
        raw = response.read()
    except OSError as error:
        return 0, f"connection failed: {error}"
    finally:
        connection.close()
    try:
        return response.status, str(json.loads(raw).get("outcome"))
    except (ValueError, AttributeError):
        return response.status, f"not JSON ({len(raw)} bytes)"


def _run(port: int, deliveries, concurrency: int):
    work: queue.Queue = queue.Queue()
    for item in deliveries:
        work.put(item)
    results = []
    lock = threading.Lock()

    def client():
        while True:
            try:
                event_id, payload = work.get_nowait()
            except queue.Empty:
                return
            # Signed just before sending, as Stripe does, so the 5-minute tolerance holds.
            header = stripe.WebhookSignature.generate_signature_header(
                payload.decode(), SECRET, timestamp=int(time.time())
            )
            started = time.perf_counter()
            status, outcome = _deliver(port, payload, header)
            elapsed = time.perf_counter() - started
            # Every delivery is counted, whatever came back: a 500's HTML page or a
            # dropped connection is a result to report, not a reason for the thread to die.
            with lock:
                results.append((event_id, status, outcome, elapsed))

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def _ms(value: float) -> str:
    return f"{value * 1000:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--payments", type=int, default=200)
    parser.add_argument("--deliveries", type=int, default=3, help="copies of each event")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn sync workers (0: werkzeug, threaded)"
    )
    args = parser.parse_args()
    url = make_url(args.database_url)
    name = Path(url.database or "").name
    if "bench" not in name:
        parser.error(f"refusing to empty {name!r}: use a database whose name contains 'bench'")
    if url.get_backend_name() == "sqlite":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="portal-bench-webhook-") as store:
        settings = _settings(args.database_url, store)
        app = _app(settings)
        sessions = _seed(app, args.payments)
        deliveries = _deliveries(sessions, args.deliveries, args.seed)
        load_before = load.load_average()
        with _served(app, settings, args.workers) as port:
            results, wall = _run(port, deliveries, args.concurrency)

        with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
            started = time.perf_counter()
            issued, not_ready = issue_due_receipts(limit=args.payments)
            issuing = time.perf_counter() - started
            succeeded = db.session.scalar(
                select(func.count(Payment.id)).where(Payment.status == PaymentStatus.SUCCEEDED)
            )
            paid = db.session.scalar(select(func.count(Fee.id)).where(Fee.status == FeeStatus.PAID))
            emails = db.session.scalar(select(func.count(OutboxMessage.id)))
            events = db.session.scalar(select(func.count(ProcessedStripeEvent.id)))

    statuses = Counter(status for _event, status, _outcome, _elapsed in results)
    failures = Counter(
        f"{status} {outcome}" for _e, status, outcome, _t in results if not 200 <= status < 300
    )
    first = [e for _id, _s, outcome, e in results if outcome == "processed"]
    dupes = [e for _id, _s, outcome, e in results if outcome == "duplicate"]
    every = [e for *_rest, e in results]
    backend = url.get_backend_name()
    print(f"## Webhook: checkout.session.completed on {backend}\n")
    print(
        f"{args.payments} payments x {args.deliveries} deliveries = {len(results)} requests, "
        f"{args.concurrency} client threads, "
        + (
            f"gunicorn with {args.workers} sync workers"
            if args.workers
            else "werkzeug threaded server"
        )
        + f" on 127.0.0.1; load average {load_before} before, {load.load_average()} after\n"
    )
    print("| requests | count | events/s | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, values in (("all", every), ("first (fulfil)", first), ("duplicate", dupes)):
        rate = f"{len(results) / wall:.0f}" if label == "all" else ""
        median = statistics.median(values) if values else 0
        print(
            f"| {label} | {len(values)} | {rate} | {_ms(median)}"
            f" | {_ms(_percentile(values, 95))} | {_ms(_percentile(values, 99))}"
            f" | {_ms(max(values) if values else 0)} |"
        )
    print(
        f"\nstatuses {dict(sorted(statuses.items()))}; "
        f"payments succeeded {succeeded}/{args.payments}, fees paid {paid}, "
        f"receipt emails {emails}, event rows {events}"
    )
    print(
        f"receipts issued after the webhooks (as `flask outbox send` does): {issued} "
        f"in {issuing:.1f} s ({_ms(issuing / max(issued, 1))} ms each), not ready {not_ready}"
    )
    for failure, count in failures.most_common():
        print(f"FAILED deliveries: {count} x {failure}")
    exactly_once = (
        succeeded == paid == emails == events == issued == args.payments
        and len(first) == args.payments
    )
    answered = len(results) == len(deliveries) and not failures
    print("exactly once: " + ("yes" if exactly_once else "NO"))
    print(f"every delivery answered 2xx: {'yes' if answered else 'NO'}")
    return 0 if exactly_once and answered else 1


if __name__ == "__main__":
    raise SystemExit(main())
