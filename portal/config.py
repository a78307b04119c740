"""Settings from the environment (and an optional .env file).

The embedded default needs nothing: a SQLite file, documents and email files
under instance/, test-mode payments. Production refuses to start on any of those.
"""

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production
# Flask-Limiter's storage in this process: each process counts on its own.
MEMORY = "memory://"


# A typo such as "prod" must not quietly run with development fallbacks.
ENVIRONMENTS = ("development", "test", "production")


LOOPBACK = ("127.0.0.1", "::1", "localhost")


class UnsafeConfiguration(RuntimeError):
    """Raised at start-up on a setting the portal must not run with (see refuse_unsafe)."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise UnsafeConfiguration(f"{name} must be a whole number, not {value!r}") from None


@dataclass(frozen=True)
class BucketLocation:
    bucket: str
    prefix: str


def parse_url(url: str) -> BucketLocation:
    """DOCUMENT_STORE_URL read: `s3://bucket` or `s3://bucket/some/prefix`; ValueError
    names what is wrong."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"DOCUMENT_STORE_URL must look like s3://bucket/prefix, not {url!r}")
    if parts.query or parts.fragment:
        raise ValueError("DOCUMENT_STORE_URL takes no query or fragment")
    return BucketLocation(parts.netloc, parts.path.strip("/"))


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{instance_path / 'portal.sqlite3'}"
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants "postgresql".
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


# How long a SQLite writer waits for another's write lock before "database is locked"
# (pysqlite's default is 5 s). Write transactions last milliseconds, but a burst of them
# queues, and waiting is what they should do; the error page covers a longer wait.
SQLITE_BUSY_TIMEOUT_SECONDS = 30


def engine_options(database_uri: str) -> dict:
    """The engine's options for the database the app finally uses (tests name their own)."""
    if database_uri.startswith("sqlite"):
        # A file on this machine cannot drop the connection, so no ping before each use
        # (3% of the cheapest page's CPU, issue 17).
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}}
    # A restarted or failed-over PostgreSQL leaves dead connections in the pool; the ping
    # (one round trip at checkout) replaces them before a request can fail on one.
    return {"pool_pre_ping": True}


def load(instance_path: Path) -> dict:
    """Read every setting the portal knows; the README's configuration table lists them.

    Long because it is one flat list of every setting, so each is found in one place."""
    env = os.environ.get("PORTAL_ENV", "development")
    production = env == "production"
    redis_url = os.environ.get("REDIS_URL", "")
    return {
        "PORTAL_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "DOCUMENT_STORE_PATH": os.environ.get(
            "DOCUMENT_STORE_PATH", str(instance_path / "documents")
        ),
        # s3://bucket/prefix keeps documents in an S3-compatible bucket instead of the folder.
        "DOCUMENT_STORE_URL": os.environ.get("DOCUMENT_STORE_URL", ""),
        # Another S3-compatible service than AWS (MinIO, Ceph, R2...); empty: AWS itself.
        "DOCUMENT_STORE_ENDPOINT_URL": os.environ.get("DOCUMENT_STORE_ENDPOINT_URL")
        or os.environ.get("AWS_ENDPOINT_URL_S3")
        or os.environ.get("AWS_ENDPOINT_URL", ""),
        "MAX_UPLOAD_BYTES": _int("MAX_UPLOAD_BYTES", 20 * 1024 * 1024),
        # Each file is checked on its own against MAX_UPLOAD_BYTES; a request carries several
        # (ten phone photos of a failed inspection, a plan set's pages) and its fields.
        "MAX_CONTENT_LENGTH": _int("MAX_REQUEST_BYTES", 100 * 1024 * 1024),
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
        "PORTAL_TIMEZONE": os.environ.get("PORTAL_TIMEZONE", "America/Chicago"),
        "PORTAL_DEPARTMENT": os.environ.get("PORTAL_DEPARTMENT", "Department of Buildings"),
        "PORTAL_CITY": os.environ.get("PORTAL_CITY", "City of Chicago"),
        "PORTAL_BUILDING_OFFICIAL": os.environ.get("PORTAL_BUILDING_OFFICIAL", "Jordan Rivera"),
        "PORTAL_BUILDING_OFFICIAL_TITLE": os.environ.get(
            "PORTAL_BUILDING_OFFICIAL_TITLE", "Building Commissioner"
        ),
        "PICKUP_BOOKING_DAYS": _int("PICKUP_BOOKING_DAYS", 28),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 587),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Occupancy Portal <no-reply@example.gov>"),
        # A mailbox people at the department read: the Reply-To of every email and the
        # ORGANIZER of calendar invitations, so an answer or a declined invitation is seen.
        "DEPARTMENT_EMAIL": os.environ.get(
            "DEPARTMENT_EMAIL", "Department of Buildings <buildings@example.gov>"
        ),
        "MAIL_FILE_DIR": os.environ.get("MAIL_FILE_DIR", str(instance_path / "mail")),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        # One Redis for everything shared across processes: the limiter's counters, the
        # cached figures (portal/shared_cache.py) and the job queue (`flask worker`).
        # Empty: this process's memory, and jobs run in-process after their commit.
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or redis_url or MEMORY,
        "JOBS_QUEUE": os.environ.get("JOBS_QUEUE", "portal"),
        # Without Redis: "thread" runs queued jobs on a thread of the web process; the
        # tests use "manual" and run them themselves (tests/support/jobs.py).
        "JOBS_LOCAL": os.environ.get("JOBS_LOCAL", "thread"),
        # While Redis is unreachable each process counts on its own rather than not at all.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # Processes declared to share the work: gunicorn's own WEB_CONCURRENCY (its default
        # --workers) on this machine, PORTAL_PROCESSES across every machine.
        "PORTAL_PROCESSES": max(_int("WEB_CONCURRENCY", 1), _int("PORTAL_PROCESSES", 1)),
        "RATELIMIT_HEADERS_ENABLED": True,
        "TRUSTED_PROXY_COUNT": _int("TRUSTED_PROXY_COUNT", 0),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        "STAFF_IDLE_TIMEOUT": timedelta(minutes=_int("STAFF_IDLE_MINUTES", 30)),
        "EMAIL_TOKEN_MAX_AGE": timedelta(hours=_int("EMAIL_TOKEN_HOURS", 48)),
        "RESET_TOKEN_MAX_AGE": timedelta(hours=_int("RESET_TOKEN_HOURS", 2)),
        "INVITATION_MAX_AGE": timedelta(days=_int("INVITATION_DAYS", 14)),
        "PAGE_SIZE": _int("PAGE_SIZE", 25),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("PORTAL_TIMEZONE", "America/Chicago"),
        "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD", "occupancy-demo-2026"),
    }


def refuse_unsafe(config: dict) -> None:
    """Refuse to start, naming each problem: an unknown PORTAL_ENV, a negative proxy count,
    a Stripe key without its webhook secret (events would be checked against the secret
    published in the source), and in production any development setting."""
    env = config.get("PORTAL_ENV")
    problems = []
    if env not in ENVIRONMENTS:
        problems.append(f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    if config.get("JOBS_LOCAL", "thread") not in ("thread", "manual"):
        problems.append("JOBS_LOCAL must be thread (the default) or manual")
    if config["TRUSTED_PROXY_COUNT"] < 0:
        problems.append("TRUSTED_PROXY_COUNT must be 0 (no proxy) or the number of proxies")
    if config.get("STRIPE_SECRET_KEY") and not config.get("STRIPE_WEBHOOK_SECRET"):
        problems.append(
            "STRIPE_WEBHOOK_SECRET must be set whenever STRIPE_SECRET_KEY is: it is the "
            "signing secret of the Stripe webhook endpoint"
        )
    if config.get("DOCUMENT_STORE_URL"):
        try:
            parse_url(config["DOCUMENT_STORE_URL"])
        except ValueError as error:
            problems.append(str(error))
    if env == "production":
        problems.extend(_production_problems(config))
    if problems:
        raise UnsafeConfiguration(
            f"Refusing to start with PORTAL_ENV={env}: " + "; ".join(problems)
        )


def _production_problems(config: dict) -> list[str]:
    problems = []
    if config["SECRET_KEY"] in ("", DEFAULT_SECRET_KEY) or len(config["SECRET_KEY"]) < 32:
        problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append("DATABASE_URL must point at PostgreSQL, not the embedded SQLite file")
    if not config.get("STRIPE_SECRET_KEY") or not config.get("STRIPE_WEBHOOK_SECRET"):
        problems.append(
            "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set: "
            "test-mode payments are never allowed in production"
        )
    endpoint = urlsplit(config.get("DOCUMENT_STORE_ENDPOINT_URL") or "")
    if endpoint.scheme == "http" and endpoint.hostname not in LOOPBACK:
        problems.append(
            "the document store's endpoint must use https: over http the documents and the "
            "request signatures cross the network readable"
        )
    if config.get("JOBS_LOCAL") == "manual" and not config.get("REDIS_URL"):
        problems.append(
            "JOBS_LOCAL=manual is for the test suite: no email or receipt would ever be sent "
            "(set REDIS_URL and run `flask worker`, or leave JOBS_LOCAL unset)"
        )
    problems.extend(_shared_state_problems(config))
    return problems


def _shared_state_problems(config: dict) -> list[str]:
    """More than one process declared (WEB_CONCURRENCY or PORTAL_PROCESSES above 1) needs
    state they all see: rate limits counted in each process's memory would multiply every
    limit by the number of processes, and cached figures would disagree between them."""
    processes = config.get("PORTAL_PROCESSES", 1)
    if processes <= 1:
        return []
    problems = []
    if not config.get("REDIS_URL"):
        problems.append(
            f"REDIS_URL must be set when {processes} processes are declared (WEB_CONCURRENCY "
            "or PORTAL_PROCESSES): each process's own cache would show other figures"
        )
    if config.get("RATELIMIT_ENABLED") and config["RATELIMIT_STORAGE_URI"].startswith(MEMORY):
        problems.append(
            f"RATELIMIT_STORAGE_URI must not be memory:// when {processes} processes are "
            "declared: each would count its own attempts"
        )
    return problems
