"""Run jobs in real threads that start together, as simultaneous requests would."""

import threading
from collections.abc import Callable

from portal.extensions import db


def race(app, jobs: list[Callable[[threading.Barrier], str]], timeout: float = 120) -> list[str]:
    """Run each job in its own thread, app context and database session; return what each
    said happened. A job loads what it needs, then waits at the barrier it is given, so the
    contested part starts together however busy the machine is."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def run(job):
        with app.app_context(), app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
            try:
                outcomes.append(job(barrier))
            except BaseException as error:  # noqa: BLE001 - reported by the test
                barrier.abort()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a job did not finish"
    assert not errors, errors
    return outcomes
