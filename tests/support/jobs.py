"""Background jobs in tests: the suite runs with JOBS_LOCAL=manual, so a job queued after a
commit waits in the in-process queue until the test runs it here, synchronously."""

from datetime import datetime, timedelta

from portal.jobs import local, queueing, registry
from portal.models import utcnow

# The job a_failed_job leaves failed: a receipt that could not be made.
FAILED_JOB_ID = queueing.job_id("receipts.issue", (999,))


def run_jobs(now: datetime | None = None) -> int:
    """Run every queued job that is due (at `now`, to reach a retry's time); return how
    many ran. Jobs queued by these jobs run too."""
    return local.QUEUE.run_due(now)


def queued_jobs(status: str = local.QUEUED) -> list[str]:
    """The ids of the jobs in the in-process queue with this status."""
    return sorted(job.id for job in local.QUEUE.jobs() if job.status == status)


def fail_for_good(job_id: str) -> None:
    """Run the queued job through every retry (each a day later, so each is due) until it
    has failed for good."""
    for _attempt in range(len(registry.DEFAULT_RETRY_INTERVALS) + 1):
        local.QUEUE.run_due(utcnow() + timedelta(days=1))
    assert job_id in queued_jobs(local.FAILED)


def a_failed_job(*_world) -> str:
    """A receipt job for a payment that does not exist, run until it failed for good, as
    the staff page lists it; returns its id."""
    local.QUEUE.add(FAILED_JOB_ID, "receipts.issue", (999,))
    fail_for_good(FAILED_JOB_ID)
    return FAILED_JOB_ID
