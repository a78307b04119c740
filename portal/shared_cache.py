"""Figures cached between requests, kept where every web process reads the same copy.

With `REDIS_URL` the cache is that Redis (redis-py), shared by every process and machine;
without it, a dictionary in this process, which is right only when this process is the
only one (`make run`, the tests; production refuses it when more are declared, see
portal/config.py).

A cached value names the tables it was computed from (`remembered(..., tables=...)`), and
its key carries each table's version: a random token that a commit writing to the table
replaces, after the commit, so the next reader computes again from committed data. The
versions are bumped from SQLAlchemy's session events (every flushed object, every
INSERT/UPDATE/DELETE run through the session), not by each service, so no change can
forget to. The time to live is the backstop for what the session does not see (a change
made with psql). Values are pickled and signed with a key derived from SECRET_KEY, so a
value someone else wrote into the Redis is refused, never unpickled.

A value is fresh for its time to live and then served once more while a background
thread of the process that noticed computes it again (stale while revalidate): past its
time, no request waits for the figures. A change is different: after a commit to one of
its tables the next request computes the value itself, so whoever made the change sees it
(unless a background computation of the old value still holds the claim: then that
request gets the latest value, and the next one after that computation the new one).
While one request or thread computes a value, others asking for it meanwhile get the value
it replaces, kept as the name's latest, instead of computing the same figures at once: one
computation per value at a time for every process together (a claim in the store, given up
after COMPUTING_SECONDS if its holder died). The value they get is older by at most the
time one computation takes. When there is no value at all yet (a fresh cache), they wait
for the one computation rather than repeat it.

If Redis cannot be reached, the value is computed without the cache and a warning logged:
a page is slower, never an error. A version that could not be bumped leaves a value at
most its time to live old.
"""

import hashlib
import hmac
import logging
import pickle  # noqa: S403 - only values signed with the app's key are unpickled
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

log = logging.getLogger(__name__)
T = TypeVar("T")

EXTENSION = "portal_shared_cache"
# Tables written in the session's transaction, bumped when it commits.
_WRITTEN = "portal_written_tables"
# Versions kept only for the tables some cached value is computed from.
_watched: set[str] = set()
# The memory store forgets everything past this many values rather than grow without end.
MEMORY_VALUES_KEPT = 256
SOCKET_TIMEOUT_SECONDS = 0.5
# What _unsigned returns for a value it refuses (None may be a value).
_MISSING = object()
# How long a claim to compute a value holds if its holder never finishes (a killed worker).
COMPUTING_SECONDS = 30
# Per store, the bytes last checked and unpickled for each key and what they gave.
_unpickled: "weakref.WeakKeyDictionary[Any, dict[str, tuple[bytes, Any]]]" = (
    weakref.WeakKeyDictionary()
)
# How often a request with no value to give looks again whether the computation ended.
WAIT_STEP_SECONDS = 0.02
# What the value and latest keys hold, in their names: (fresh until, value) pairs. A
# release that changes what is kept names its keys anew, so a process of the previous
# release still running beside it (a rolling restart, another machine on the same Redis)
# never reads a kept value as something else: the release that kept the value itself
# would hand a pair to its page (the dashboard's view got a tuple: a 500).
KEPT_AS = "pair"


class Store(Protocol):
    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, value: bytes, seconds: int) -> None: ...

    def versions(self, keys: Sequence[str]) -> list[bytes | None]: ...

    def bump(self, keys: Iterable[str]) -> None: ...

    def claim(self, key: str, seconds: int) -> bool: ...

    def release(self, key: str) -> None: ...

    def clear(self) -> None: ...


class MemoryStore:
    """One process's store: what every process sees when there is only one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, tuple[float, bytes]] = {}
        self._versions: dict[str, bytes] = {}
        self._claims: dict[str, float] = {}

    def get(self, key: str) -> bytes | None:
        found = self._values.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key: str, value: bytes, seconds: int) -> None:
        with self._lock:
            if len(self._values) >= MEMORY_VALUES_KEPT:
                self._values.clear()
            self._values[key] = (time.monotonic() + seconds, value)

    def versions(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self._versions.get(key) for key in keys]

    def bump(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._versions[key] = secrets.token_hex(8).encode()

    def claim(self, key: str, seconds: int) -> bool:
        now = time.monotonic()
        with self._lock:
            if self._claims.get(key, 0.0) > now:
                return False
            self._claims[key] = now + seconds
            return True

    def release(self, key: str) -> None:
        with self._lock:
            self._claims.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._versions.clear()
            self._claims.clear()


class RedisStore:
    """Every process's store: one Redis."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self._prefix = prefix

    def get(self, key: str) -> bytes | None:
        return self.client.get(key)

    def put(self, key: str, value: bytes, seconds: int) -> None:
        self.client.set(key, value, ex=seconds)

    def versions(self, keys: Sequence[str]) -> list[bytes | None]:
        return self.client.mget(keys)

    def bump(self, keys: Iterable[str]) -> None:
        # A random token rather than INCR: a version key lost to eviction or a restart
        # starts again from nothing, and a counter could then repeat a number whose
        # value is still stored.
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.set(key, secrets.token_hex(8))
        pipe.execute()

    def claim(self, key: str, seconds: int) -> bool:
        return bool(self.client.set(key, b"1", nx=True, ex=seconds))

    def release(self, key: str) -> None:
        self.client.delete(key)

    def clear(self) -> None:
        keys = list(self.client.scan_iter(match=self._prefix + "*", count=500))
        if keys:
            self.client.delete(*keys)


def init_app(app) -> None:
    """Choose the store: Redis when REDIS_URL is set, else this process's memory."""
    url = app.config.get("REDIS_URL") or ""
    prefix = app.config.get("SHARED_CACHE_PREFIX", "portal:")
    store: Store
    if url:
        import redis

        client = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        )
        store = RedisStore(client, prefix)
    else:
        store = MemoryStore()
    app.extensions[EXTENSION] = (store, prefix)


def watch(*tables: str) -> None:
    """Keep versions for these tables (a feature caching a value computed from them)."""
    _watched.update(tables)


def remembered(
    name: str,
    parts: Sequence[object],
    tables: Sequence[str],
    seconds: int,
    compute: Callable[[], T],
) -> T:
    """The value of `compute()` for `name` and `parts`, computed again as soon as a commit
    writes to one of `tables`, and after `seconds` in the background (the value served
    once more meanwhile); while another request is computing it, the value it replaces.

    `compute` may run in a thread of its own, in an app context but outside the request:
    it must take what it needs of the request as arguments (the dashboard: the day)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store, prefix = app.extensions[EXTENSION]
    latest = _latest_key(prefix, name, parts)
    computing = f"{latest}:computing"
    try:
        versions = store.versions([_version_key(prefix, table) for table in tables])
        key = _value_key(prefix, name, parts, versions)
        found = _stored(store, key)
        if found is not _MISSING:
            fresh_until, value = found
            if fresh_until <= time.time() and store.claim(computing, COMPUTING_SECONDS):
                _refresh(app, name, (key, latest, computing), seconds, compute)
            return value
        claimed = store.claim(computing, COMPUTING_SECONDS)
        if not claimed:
            found = _stored(store, latest)
            if found is _MISSING:
                found, claimed = _awaited(store, latest, computing)
            if found is not _MISSING:
                return found[1]
    except Exception:  # any store failure: compute without the cache
        log.warning("shared cache unreachable, computing %s without it", name, exc_info=True)
        return compute()
    try:
        value = compute()
        _keep(store, name, key, latest, value, seconds)
        return value
    finally:
        if claimed:
            _release(store, name, computing)


def _awaited(store: Store, latest: str, computing: str) -> tuple[Any, bool]:
    """(the value, False) once the request computing it has kept it, or (_MISSING, True)
    when its claim is given up without a value (it failed, or died and its claim lapsed):
    this request then holds the claim and computes. With nothing to give meanwhile,
    waiting for the one computation costs no more than repeating it, and loads the
    database once instead of once per thread (the first requests after a start)."""
    while True:
        time.sleep(WAIT_STEP_SECONDS)
        found = _stored(store, latest)
        if found is not _MISSING:
            return found, False
        if store.claim(computing, COMPUTING_SECONDS):
            return _MISSING, True


def _refresh(app, name: str, keys: tuple[str, str, str], seconds: int, compute) -> None:
    """Compute the value again in a thread of this process, which holds the claim: the
    requests meanwhile, this one included, get the value it replaces without waiting."""
    key, latest, computing = keys
    store, _prefix = app.extensions[EXTENSION]

    def run() -> None:
        try:
            with app.app_context():
                _keep(store, name, key, latest, compute(), seconds)
        except Exception:  # the value served stays until the store forgets it
            log.exception("shared cache: %s not computed again", name)
        finally:
            _release(store, name, computing)

    threading.Thread(target=run, name=f"shared-cache {name}", daemon=True).start()


def _keep(store: Store, name: str, key: str, latest: str, value: object, seconds: int) -> None:
    # Kept past its time to live: served once more while the next computation runs, and
    # as the name's latest, what others get while a change is computed.
    try:
        signed = _signed((time.time() + seconds, value))
        store.put(key, signed, seconds + COMPUTING_SECONDS)
        store.put(latest, signed, seconds + COMPUTING_SECONDS)
    except Exception:  # the value is right; only keeping it failed
        log.warning("shared cache unreachable, %s not kept", name, exc_info=True)


def _release(store: Store, name: str, computing: str) -> None:
    try:
        store.release(computing)
    except Exception:  # the claim lapses after COMPUTING_SECONDS
        log.warning("shared cache unreachable, %s claim kept", name, exc_info=True)


def _stored(store: Store, key: str) -> Any:
    """(fresh until, value) as kept by _keep, or _MISSING (a value kept by a release
    before the pair is computed again).

    The bytes this process last checked and unpickled for the key give the same pair
    without doing it again (the memory store hands back its own bytes, Redis equal ones):
    a fifth of a millisecond of the dashboard's ~5 ms. The pair is then the same object
    for every request of the process, so a cached value must be treated as read-only."""
    found = store.get(key)
    if found is None:
        return _MISSING
    checked = _unpickled.setdefault(store, {})
    last = checked.get(key)
    if last is not None and (last[0] is found or last[0] == found):
        return last[1]
    pair = _unsigned(found)
    if not (isinstance(pair, tuple) and len(pair) == 2):
        return _MISSING
    if len(checked) >= MEMORY_VALUES_KEPT:
        checked.clear()
    checked[key] = (found, pair)
    return pair


def clear() -> None:
    """Forget every value and version (tests; after loading data outside the portal)."""
    store, _prefix = current_app.extensions[EXTENSION]
    store.clear()


def _version_key(prefix: str, table: str) -> str:
    return f"{prefix}version:{table}"


def _value_key(prefix: str, name: str, parts: Sequence[object], versions) -> str:
    tokens = "|".join(
        (version.decode() if isinstance(version, bytes) else str(version or "0"))
        for version in versions
    )
    digest = hashlib.sha256(f"{parts!r}|{tokens}".encode()).hexdigest()[:32]
    return f"{prefix}value-{KEPT_AS}:{name}:{digest}"


def _latest_key(prefix: str, name: str, parts: Sequence[object]) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"{prefix}latest-{KEPT_AS}:{name}:{digest}"


def _signing_key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"portal.shared-cache", hashlib.sha256).digest()


def _signed(value: object) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return hmac.new(_signing_key(), payload, hashlib.sha256).digest() + payload


def _unsigned(stored: bytes) -> Any:
    signature, payload = stored[:32], stored[32:]
    expected = hmac.new(_signing_key(), payload, hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        log.warning("shared cache value with a wrong signature ignored")
        return _MISSING
    try:
        return pickle.loads(payload)  # noqa: S301 - signed by this app's key, checked above
    except Exception:  # kept by another release of the code: compute again
        log.warning("shared cache value that no longer unpickles ignored", exc_info=True)
        return _MISSING


# ---- versions bumped by commits ---------------------------------------------------------


def _written(session: Session) -> set[str]:
    return session.info.setdefault(_WRITTEN, set())


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context: UOWTransaction) -> None:
    # After the flush the new, dirty and deleted lists still hold what was flushed.
    written = _written(session)
    for instance in (*session.new, *session.dirty, *session.deleted):
        for table in type(instance).__mapper__.tables:
            written.add(table.name)


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None:
            _written(state.session).add(table.name)


@event.listens_for(Session, "after_commit")
def _bump_written(session: Session) -> None:
    # SQLAlchemy calls this when a SAVEPOINT is released too: its writes are not visible
    # to anyone else until the outermost transaction commits.
    if session.in_nested_transaction():
        return
    written = session.info.pop(_WRITTEN, set()) & _watched
    if not written or not has_app_context():
        return
    found = current_app.extensions.get(EXTENSION)
    if found is None:
        return
    store, prefix = found
    try:
        store.bump(_version_key(prefix, table) for table in sorted(written))
    except Exception:  # the commit stands; cached values age out
        log.error("shared cache unreachable: %s not marked changed", sorted(written), exc_info=True)
