"""The cache every web process shares: one Redis with REDIS_URL, this process's memory
without it; versions bumped by commits, signed values, and a Redis that is down."""

import os
import threading
import uuid
from datetime import date

import fakeredis
import pytest
import redis

from portal import create_app, shared_cache
from portal.admin import dashboard
from portal.extensions import db
from portal.payments.models import Fee, FeeKind
from portal.permits.models import Permit
from portal.settings.models import Holiday
from tests.factories import make_permit
from tests.support.client import PortalClient

# Settings of the suite's app a second app on the same database repeats.
SHARED_SETTINGS = (
    "TESTING",
    "SECRET_KEY",
    "SQLALCHEMY_DATABASE_URI",
    "DOCUMENT_STORE_PATH",
    "MAIL_FILE_DIR",
    "BABEL_TRANSLATION_DIRECTORIES",
    # Memory unless a test names a Redis, whatever REDIS_URL the environment sets.
    "REDIS_URL",
)


@pytest.fixture
def counted(app):
    """A value computed from the permits table, and how often it was computed."""
    shared_cache.watch(Permit.__tablename__)
    calls = []

    def permits() -> int:
        calls.append(1)
        return db.session.query(Permit).count()

    def value() -> int:
        return shared_cache.remembered("permits", (), (Permit.__tablename__,), 60, permits)

    value.calls = calls  # type: ignore[attr-defined]
    return value


def test_a_value_is_computed_once_until_its_table_changes(counted):
    assert counted() == 0
    assert counted() == 0
    assert len(counted.calls) == 1
    make_permit()
    assert counted() == 1
    assert len(counted.calls) == 2


def test_a_write_to_another_table_keeps_the_value(counted):
    make_permit()
    assert counted() == 1
    db.session.add(Holiday(day=date(2026, 7, 3), name="Independence Day (observed)"))
    db.session.commit()
    assert counted() == 1
    assert len(counted.calls) == 1


def test_a_savepoint_released_changes_nothing_until_the_transaction_commits(counted):
    permit = make_permit()
    counted()
    with db.session.begin_nested():
        db.session.delete(permit)
    # Released, not committed: another process would still read the permit.
    counted()
    assert len(counted.calls) == 1
    db.session.commit()
    assert counted() == 0
    assert len(counted.calls) == 2


@pytest.fixture(params=["memory", "fakeredis"])
def process(request, app):
    """The suite's app (this process's memory), or a process on a (fake) Redis."""
    if request.param == "memory":
        return app
    request.getfixturevalue("fake_server")
    request.getfixturevalue("restored_limiter")
    return second_app(app, REDIS_URL="redis://cache.internal:6379/0")


def test_while_one_request_computes_a_value_again_the_others_get_the_one_it_replaces(process):
    """After a change, the first request computes the figures again; one asking meanwhile
    gets the previous figures at once instead of computing them too (under load every
    thread of every process computed the dashboard at once, issue 17)."""
    shared_cache.watch(Permit.__tablename__)
    started, finish = threading.Event(), threading.Event()
    calls = []

    def compute(number: int, wait: bool):
        def figures() -> int:
            calls.append(number)
            if wait:
                started.set()
                assert finish.wait(10)
            return number

        return figures

    def value(number: int, wait: bool = False) -> int:
        with process.app_context():
            return shared_cache.remembered(
                "figures", (), (Permit.__tablename__,), 60, compute(number, wait)
            )

    assert value(1) == 1
    with process.app_context():
        make_permit()  # the commit makes the first figures out of date
    results = {}
    first = threading.Thread(target=lambda: results.setdefault("first", value(2, wait=True)))
    first.start()
    assert started.wait(10)
    assert value(3) == 1
    finish.set()
    first.join(10)
    assert results["first"] == 2
    assert value(4) == 2
    assert calls == [1, 2]


def _refreshed(name: str) -> None:
    """Wait for the background computation of `name`, if one runs."""
    for thread in threading.enumerate():
        if thread.name == f"shared-cache {name}":
            thread.join(10)
            assert not thread.is_alive()


def test_past_its_time_a_value_is_served_once_more_while_a_thread_computes_it_again(process):
    """No request waits for figures that only aged (issue 17: at a million permits the
    dashboard's computation took a second, and the request that found them expired
    waited for it, with the requests queued behind it)."""
    shared_cache.watch(Permit.__tablename__)
    started, finish = threading.Event(), threading.Event()
    calls = []

    def slow() -> str:
        calls.append("slow")
        started.set()
        assert finish.wait(10)
        return "new"

    def never() -> str:
        calls.append("never")
        return "computed twice at once"

    def value(compute) -> str:
        with process.app_context():
            # No time to live: the value has aged as soon as it is kept.
            return shared_cache.remembered("ageing", (), (Permit.__tablename__,), 0, compute)

    assert value(lambda: "old") == "old"
    assert value(slow) == "old"
    assert started.wait(10)
    # The thread computing holds the claim: nobody else computes meanwhile.
    assert value(never) == "old"
    finish.set()
    _refreshed("ageing")
    assert value(lambda: "next") == "new"
    _refreshed("ageing")
    assert calls == ["slow"]


def test_a_computation_in_the_background_that_fails_leaves_the_value_served(process, caplog):
    shared_cache.watch(Permit.__tablename__)

    def broken() -> str:
        raise RuntimeError("database gone")

    def value(compute) -> str:
        with process.app_context():
            return shared_cache.remembered("fragile", (), (Permit.__tablename__,), 0, compute)

    assert value(lambda: "old") == "old"
    assert value(broken) == "old"
    _refreshed("fragile")
    assert "fragile not computed again" in caplog.text
    # The claim was given up: the next request starts the computation again.
    assert value(lambda: "new") == "old"
    _refreshed("fragile")
    assert value(lambda: "newer") == "new"
    _refreshed("fragile")


def test_a_change_is_computed_by_the_next_request_itself(process):
    """Unlike an aged value, one that a commit made out of date is not served again: the
    staff member who recorded a result sees it counted on the next page."""
    shared_cache.watch(Permit.__tablename__)

    def value(compute) -> int:
        with process.app_context():
            return shared_cache.remembered("changed", (), (Permit.__tablename__,), 45, compute)

    assert value(lambda: 1) == 1
    with process.app_context():
        make_permit()
    assert value(lambda: 2) == 2


def _first_and_second(process, first_compute, name: str):
    """Start a request computing `name` with `first_compute` once `finish` is set, then a
    second request for it: (results, finish, the two threads)."""
    started, finish = threading.Event(), threading.Event()
    results: dict[str, str] = {}

    def slow() -> str:
        started.set()
        assert finish.wait(10)
        return first_compute()

    def value(key: str, compute) -> None:
        with process.app_context():
            try:
                results[key] = shared_cache.remembered(
                    name, (), (Permit.__tablename__,), 60, compute
                )
            except RuntimeError as error:
                results[key] = str(error)

    first = threading.Thread(target=value, args=("first", slow))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=value, args=("second", lambda: "second"))
    second.start()
    return results, finish, (first, second)


def test_with_no_value_yet_a_request_waits_for_the_one_computing_it(process):
    """The first requests after a start: one computes, the others wait for its figures
    rather than compute the same at once (issue 17: both threads of a gunicorn worker
    computed the dashboard's first figures, each slowing the other)."""
    shared_cache.watch(Permit.__tablename__)
    results, finish, threads = _first_and_second(process, lambda: "first", "first figures")
    threads[1].join(0.3)
    assert threads[1].is_alive(), "the second request should wait for the first"
    finish.set()
    for thread in threads:
        thread.join(10)
    assert results == {"first": "first", "second": "first"}


def test_a_request_waiting_computes_the_value_itself_when_the_computation_fails(process):
    shared_cache.watch(Permit.__tablename__)

    def fails() -> str:
        raise RuntimeError("failed")

    results, finish, threads = _first_and_second(process, fails, "failing figures")
    finish.set()
    for thread in threads:
        thread.join(10)
    assert results == {"first": "failed", "second": "second"}


# ---- Redis (fakeredis: one server, as every process would see it) -------------------------


@pytest.fixture
def fake_server(monkeypatch):
    server = fakeredis.FakeServer()
    monkeypatch.setattr(
        redis.Redis,
        "from_url",
        staticmethod(lambda url, **options: fakeredis.FakeRedis(server=server)),
    )
    return server


def second_app(app, **overrides):
    """Another web process on the suite's database."""
    config = {name: app.config[name] for name in SHARED_SETTINGS}
    config.update({"RATELIMIT_STORAGE_URI": "memory://", **overrides})
    return create_app(config)


def fee_assessed_now(cents: int) -> None:
    db.session.add(Fee(permit_id=make_permit().id, kind=FeeKind.INSPECTION, amount_cents=cents))
    db.session.commit()


def assessed_this_week(process) -> int:
    with process.app_context():
        return dashboard.dashboard().week.assessed_cents


@pytest.mark.usefixtures("restored_limiter")
def test_two_processes_on_one_redis_see_the_same_figures_and_each_change_at_once(app, fake_server):
    first = second_app(app, REDIS_URL="redis://cache.internal:6379/0")
    second = second_app(app, REDIS_URL="redis://cache.internal:6379/0")
    with first.app_context():
        fee_assessed_now(1000)
    assert assessed_this_week(first) == 1000
    # The second process reads the figures the first computed: the same object, unpickled.
    with second.app_context(), _no_queries():
        assert dashboard.dashboard().week.assessed_cents == 1000
    with second.app_context():
        fee_assessed_now(250)
    # The change committed in the second process shows in the first at once, not after
    # CACHE_SECONDS.
    assert assessed_this_week(first) == 1250
    assert assessed_this_week(second) == 1250


@pytest.mark.usefixtures("restored_limiter")
def test_each_process_s_own_memory_would_show_stale_figures(app):
    """Why production refuses memory with more than one process: without Redis, the change
    made in one process is not seen by another until its cached figures expire."""
    first, second = second_app(app), second_app(app)
    assert assessed_this_week(first) == 0
    with second.app_context():
        fee_assessed_now(1000)
    assert assessed_this_week(first) == 0


@pytest.mark.usefixtures("restored_limiter")
def test_a_value_not_signed_with_the_key_is_never_unpickled(app, fake_server):
    process = second_app(app, REDIS_URL="redis://cache.internal:6379/0")
    with process.app_context():
        fee_assessed_now(1000)
        assert dashboard.dashboard().week.assessed_cents == 1000
    client = fakeredis.FakeRedis(server=fake_server)
    (key,) = client.keys(f"portal:value-{shared_cache.KEPT_AS}:dashboard:*")
    # What someone able to write to the Redis, without SECRET_KEY, could put there.
    client.set(key, b"x" * 32 + b"cos\nsystem\n(S'echo owned'\ntR.")
    assert assessed_this_week(process) == 1000


@pytest.mark.usefixtures("restored_limiter")
def test_a_process_of_the_previous_release_finds_nothing_under_its_keys(app, fake_server):
    """During a rolling restart both releases share the Redis. The previous one kept the
    value itself under `value:` and `latest:` and handed whatever it unpickled there to
    the page: a (fresh until, value) pair kept under those names gave its dashboard view
    a tuple (AttributeError, a 500) until every process was replaced."""
    process = second_app(app, REDIS_URL="redis://cache.internal:6379/0")
    with process.app_context():
        fee_assessed_now(1000)
        assert dashboard.dashboard().week.assessed_cents == 1000
    client = fakeredis.FakeRedis(server=fake_server)
    assert client.keys("portal:value-*")
    assert not client.keys("portal:value:*")
    assert not client.keys("portal:latest:*")


@pytest.mark.usefixtures("restored_limiter")
def test_a_redis_that_is_down_costs_time_never_the_page(app, fake_server, caplog):
    process = second_app(app, REDIS_URL="redis://cache.internal:6379/0")
    fake_server.connected = False
    with process.app_context():
        fee_assessed_now(700)
    assert assessed_this_week(process) == 700
    assert "shared cache unreachable" in caplog.text
    client = process.test_client()
    response = client.get("/healthz")
    assert response.status_code == 200


class _no_queries:
    """Fails if the block runs any SQL."""

    def __enter__(self):
        from sqlalchemy import event

        self.statements = []
        self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def _count(self, *args):
        self.statements.append(args[2])

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._count)
        assert self.statements == []


# ---- a real redis-server (.ci/run starts one; skipped without REDIS_URL) -------------------


@pytest.mark.redis
@pytest.mark.usefixtures("restored_limiter")
def test_two_processes_on_a_real_redis_share_figures_and_rate_limits(app):
    url = os.environ["REDIS_URL"]
    prefix = f"portal-test-{uuid.uuid4().hex}:"
    processes = [
        second_app(
            app,
            REDIS_URL=url,
            SHARED_CACHE_PREFIX=prefix,
            RATELIMIT_STORAGE_URI=url,
            RATELIMIT_KEY_PREFIX=prefix,
        )
        for _ in range(2)
    ]
    first, second = processes
    client = redis.Redis.from_url(url)
    try:
        with first.app_context():
            fee_assessed_now(1000)
        assert assessed_this_week(first) == 1000
        with second.app_context():
            fee_assessed_now(250)
        assert assessed_this_week(first) == 1250
        assert assessed_this_week(second) == 1250
        # Wrong passwords for one account, alternately through each process: the sixth is
        # refused, counted in Redis (ACCOUNT_FAILURES: 5 per 15 minutes).
        wrong = {"email": "nobody@example.com", "password": "not the password"}
        for attempt in range(5):
            process = processes[attempt % 2]
            process.test_client_class = PortalClient
            assert process.test_client().post("/account/sign-in", data=wrong).status_code == 200
        assert first.test_client().post("/account/sign-in", data=wrong).status_code == 429
        counters = list(client.scan_iter(match=f"LIMITS:LIMITER/{prefix}*"))
        assert counters
        client.delete(*counters)
    finally:
        with first.app_context():
            shared_cache.clear()
    assert not list(client.scan_iter(match=f"*{prefix}*"))


def test_bytes_already_checked_are_not_unpickled_again(process, monkeypatch):
    """Each request read the dashboard's figures back from their pickle (a fifth of a
    millisecond, issue 17); the same bytes now give the object they gave before."""
    shared_cache.watch(Permit.__tablename__)
    unpickled = []
    loads = shared_cache.pickle.loads

    def counted(payload: bytes):
        unpickled.append(payload)
        return loads(payload)

    monkeypatch.setattr(shared_cache.pickle, "loads", counted)

    def value(compute) -> list[int]:
        with process.app_context():
            return shared_cache.remembered("read", (), (Permit.__tablename__,), 60, compute)

    first = value(lambda: [1])
    assert value(lambda: [2]) is value(lambda: [3]) == [1]
    assert len(unpickled) <= 1
    with process.app_context():
        make_permit()
    assert value(lambda: [4]) == [4]
    assert value(lambda: [5]) == [4]
    assert first == [1]
