"""Fixtures any directory's tests may use: one app per test session, a clean database for
every test, a CSRF-aware client, smaller pages for the paging tests; and the permit world
the inspection and payment tests share (a fixed today, the seeded inspection types, a
permit with its owner and contractor, an inspector, and their signed-in clients).

The database is SQLite in a temporary folder unless TEST_DATABASE_URL names PostgreSQL (one
database per pytest-xdist worker: tests/support/databases.py).
Tests marked postgres_only are skipped on SQLite. Tests marked redis need a redis-server
at REDIS_URL: skipped without it, except in a run that selects them (`-m redis`) with
CI=true, where they fail. The suite's own app never uses Redis, whatever REDIS_URL says:
workers would share its rate-limit counters and cached figures.

A directory's conftest.py overrides a fixture of the same name for its own tests:
applications/, certificates/ and settings/ build their own permit, owner_client or
staff_client; inspections/, payments/ and settings/ turn fixed_today on for every test.
"""

import os
from functools import cache

import pytest
from moto import mock_aws
from sqlalchemy import MetaData

from portal import calendar, create_app, shared_cache
from portal.auth.models import Role
from portal.config import engine_options
from portal.extensions import db, limiter
from portal.inspections import catalogue
from portal.jobs import local as local_jobs
from portal.permits.models import PartyRole
from tests.factories import add_party, make_permit, make_user, sign_in_as
from tests.factories.inspections import TODAY, derive
from tests.support import catalogs
from tests.support.client import PortalClient
from tests.support.databases import on_postgresql, skip_durability, test_database_url
from tests.support.stored import (
    BUCKET,
    closed_port_url,
    make_bucket,
    s3_server_url,
    set_test_credentials,
    store_settings,
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """`-n N` (make test, .ci/run) hands the tests out by work stealing instead of xdist's
    default load scheduling: a worker left idle takes half of the other's queue, so the
    minute-long browser journeys queued last do not end the run on one core while the
    other waits (issue 17). An explicit --dist wins; this runs before xdist's own hook."""
    if getattr(config.option, "numprocesses", None) and config.option.dist == "no":
        config.option.dist = "worksteal"


def pytest_collection_modifyitems(config, items):
    if not on_postgresql():
        skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)
    # The s3_server tests run in .ci/run's S3 section (TEST_DOCUMENT_STORE_URL names its
    # bucket); there a missing S3 server fails them (their fixture says why). The two main
    # suite runs keep the embedded folder store and skip them.
    s3_run = _in_ci() and bool(os.environ.get("TEST_DOCUMENT_STORE_URL"))
    if not s3_server_url() and not s3_run:
        skip = pytest.mark.skip(reason="needs an S3 server: set TEST_S3_ENDPOINT_URL")
        for item in items:
            if "s3_server" in item.keywords:
                item.add_marker(skip)
    if not os.environ.get("REDIS_URL"):
        required = _in_ci() and "redis" in (config.option.markexpr or "")
        if required:
            raise pytest.UsageError("CI=true and -m redis: REDIS_URL must name a redis-server")
        skip = pytest.mark.skip(reason="needs a redis-server: set REDIS_URL")
        for item in items:
            if "redis" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("portal")
    url = test_database_url(folder)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-" + "x" * 32,
            "SQLALCHEMY_DATABASE_URI": url,
            # The engine production would get, without the ping before each use of a pooled
            # connection: the test database does not restart under the suite, and on
            # PostgreSQL each ping was a round trip per checkout (issue 17).
            "SQLALCHEMY_ENGINE_OPTIONS": {
                key: value for key, value in engine_options(url).items() if key != "pool_pre_ping"
            },
            "DOCUMENT_STORE_PATH": str(folder / "documents"),
            # TEST_DOCUMENT_STORE_URL runs the suite on a bucket (.ci/run: moto's server).
            "DOCUMENT_STORE_URL": _test_store_url(),
            "MAIL_FILE_DIR": str(folder / "mail"),
            "MAIL_SERVER": "",
            "SERVER_NAME": None,
            "REDIS_URL": "",
            "RATELIMIT_STORAGE_URI": "memory://",
            # Queued jobs wait for the test to run them (tests/support/jobs.py run_jobs),
            # whatever REDIS_URL says: the redis-marked tests set it on the app themselves.
            "JOBS_LOCAL": "manual",
            # The catalogs as they are in the checkout now, whatever .mo an install left.
            "BABEL_TRANSLATION_DIRECTORIES": str(
                catalogs.compile_into(tmp_path_factory.mktemp("translations"))
            ),
        }
    )
    app.test_client_class = PortalClient
    with app.app_context():
        skip_durability(db.engine)
        # Drop what the database holds, not what the models say: a PostgreSQL test
        # database outlives the run, and a table since renamed would block drop_all.
        existing = MetaData()
        existing.reflect(bind=db.engine)
        existing.drop_all(bind=db.engine)
        db.create_all()
    return app


def _test_store_url() -> str:
    """TEST_DOCUMENT_STORE_URL with a prefix of its own per xdist worker (one bucket), the
    bucket created on the endpoint AWS_ENDPOINT_URL names."""
    url = os.environ.get("TEST_DOCUMENT_STORE_URL", "")
    if not url:
        return ""
    bucket = url.removeprefix("s3://").split("/", 1)[0]
    make_bucket(bucket, os.environ.get("AWS_ENDPOINT_URL"))
    return f"{url.rstrip('/')}/{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@pytest.fixture
def s3_store(app, monkeypatch):
    """The document store on a private bucket of moto's in-process S3 mock; yields a
    boto3 client of the mock."""
    set_test_credentials(monkeypatch)
    with mock_aws():
        client = make_bucket(BUCKET)
        with store_settings(app, f"s3://{BUCKET}/documents"):
            yield client


@pytest.fixture
def s3_server(app, monkeypatch):
    """The document store on a bucket of the real S3 server at TEST_S3_ENDPOINT_URL (in
    CI: moto_server, started by .ci/run); yields a boto3 client of it."""
    url = s3_server_url()
    if not url:
        pytest.fail("CI=true and no S3 server: set TEST_S3_ENDPOINT_URL (.ci/run starts one)")
    set_test_credentials(monkeypatch)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    client = make_bucket(f"{BUCKET}-{worker}", url)
    with store_settings(app, f"s3://{BUCKET}-{worker}/documents", url):
        yield client


@pytest.fixture
def store_down(app, monkeypatch):
    """The document store on a bucket whose server refuses every connection."""
    set_test_credentials(monkeypatch)
    with store_settings(app, f"s3://{BUCKET}/documents", closed_port_url()):
        yield


def _wipe(app) -> None:
    """Empty every table in one round trip on the driver's own connection (issue 17): ~40
    DELETEs through the session cost ~8 ms of CPU per test, over 10 s a run. The shared
    cache is then emptied, as the session's DELETEs would have bumped every table's
    version."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        if db.engine.dialect.name == "sqlite":
            cursor.executescript(_wipe_script("sqlite"))
        else:
            cursor.execute(_wipe_script("postgresql"))
            connection.commit()
        cursor.close()
    finally:
        connection.close()
    shared_cache.clear()


@cache
def _wipe_script(dialect_name: str) -> str:
    """DELETE, not TRUNCATE: on PostgreSQL a TRUNCATE of every table costs ~0.3 s per
    test, a DELETE of a test's few rows ~2 ms. Ids restart as they do on SQLite: only the
    sequences the test drew from (a restarted, unused one shows no last_value), not ~40
    ALTER SEQUENCEs after every test."""
    deletes = "".join(
        f"{table.delete().compile(dialect=db.engine.dialect)};\n"
        for table in reversed(db.metadata.sorted_tables)
    )
    if dialect_name == "sqlite":
        return f"BEGIN;\n{deletes}COMMIT;"
    return deletes + _RESTART_USED_SEQUENCES


_RESTART_USED_SEQUENCES = """DO $$
DECLARE name text;
BEGIN
    FOR name IN SELECT sequencename FROM pg_sequences
        WHERE schemaname = current_schema() AND last_value IS NOT NULL
    LOOP
        EXECUTE format('ALTER SEQUENCE %I RESTART', name);
    END LOOP;
END $$;"""


@pytest.fixture(autouse=True)
def _clean_database(app):
    with app.app_context():
        limiter.reset()
        local_jobs.QUEUE.clear()
        yield
        db.session.remove()
        _wipe(app)


@pytest.fixture
def restored_limiter():
    """Each app's create_app binds the one limiter to its storage: give the suite's back."""
    saved = dict(vars(limiter))
    yield
    vars(limiter).clear()
    vars(limiter).update(saved)


@pytest.fixture
def client(app) -> PortalClient:
    return app.test_client()


@pytest.fixture
def small_pages(app):
    app.config["PAGE_SIZE"] = 2
    yield
    app.config["PAGE_SIZE"] = 25


# ---- the permit world of the inspection and payment tests ------------------------------------


@pytest.fixture
def fixed_today(app, monkeypatch):
    """The inspections' calendar says today is TODAY (a Monday before Memorial Day)."""
    monkeypatch.setattr(calendar, "local_today", lambda: TODAY)
    # Services build links for their emails, which needs a request context.
    with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
        yield TODAY


@pytest.fixture
def seeded():
    catalogue.seed_types()


@pytest.fixture
def owner():
    return make_user(name="Olivia Owner", email="owner@example.com")


@pytest.fixture
def contractor():
    return make_user(name="Carlos Contractor", email="contractor@example.com")


@pytest.fixture
def inspector():
    return make_user(name="Ines Inspector", email="inspector@example.com", role=Role.STAFF)


@pytest.fixture
def permit(seeded, owner, contractor):
    permit = make_permit(scope=["new_construction", "electrical", "plumbing"])
    add_party(permit, owner, PartyRole.OWNER)
    add_party(permit, contractor, PartyRole.CONTRACTOR, trade="electrical")
    derive(permit)
    return permit


@pytest.fixture
def contractor_client(client, contractor, permit):
    sign_in_as(client, contractor)
    return client


@pytest.fixture
def owner_client(app, owner, permit):
    client = app.test_client()
    sign_in_as(client, owner)
    return client


@pytest.fixture
def staff_client(app, inspector):
    client = app.test_client()
    sign_in_as(client, inspector)
    return client
