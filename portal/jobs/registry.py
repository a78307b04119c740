"""The tasks a worker can run, each by name with its retry policy, and `perform`, the one
function a queued job calls.

A job names its task by a string, so a feature low in the layers can queue work that
portal/tasks.py (above every feature) defines, and a job queued by one release still
runs after the code moved.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, has_app_context

from portal.extensions import db

log = logging.getLogger(__name__)

# Five retries over about three hours: a database or mail server restart, a deployment or
# a Stripe outage is over by then; what still fails waits for staff on the jobs page.
DEFAULT_RETRY_INTERVALS = (30, 120, 600, 1800, 7200)
DEFAULT_TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Task:
    name: str
    func: Callable[..., object]
    # What staff read on the jobs page (a lazy translation).
    label: object
    # Seconds before each retry; the job fails for good after len(retry_intervals) retries.
    retry_intervals: tuple[int, ...]
    timeout: int


TASKS: dict[str, Task] = {}


class UnknownTask(LookupError):
    """A job names a task this release does not have."""


def task(
    name: str,
    *,
    label,
    retry_intervals: tuple[int, ...] = DEFAULT_RETRY_INTERVALS,
    timeout: int = DEFAULT_TIMEOUT_SECONDS,
) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Register the decorated function as the task `name`."""

    def register(func: Callable[..., object]) -> Callable[..., object]:
        TASKS[name] = Task(name, func, label, tuple(retry_intervals), timeout)
        return func

    return register


def get(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise UnknownTask(f"no task named {name!r}") from None


def perform(name: str, *args) -> None:
    """Run the task in the app, with a request context at the public address (emails build
    links). An exception propagates, so the queue counts the attempt as failed and retries.

    The session is rolled back afterwards whatever happened, so the next job in the same
    worker process starts from what the database holds."""
    if not has_app_context():
        raise RuntimeError("a job runs inside the app: start the worker with `flask worker`")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = get(name)
    with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
        try:
            found.func(*args)
        except Exception:
            log.exception("job %s%r failed", name, args)
            raise
        finally:
            db.session.rollback()
