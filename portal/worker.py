"""`flask worker`: runs the background jobs from Redis, and the scheduler that queues the
periodic ones (portal/tasks.py SCHEDULE), in one process.

The worker is RQ's SimpleWorker (`PortalWorker`: it stops within a second when asked):
each job runs in this process, inside the app, so it shares the app's database pool
instead of forking a copy of it per job. A worker killed
mid-job leaves the job in RQ's started registry; when its heartbeat lapses, RQ retries
it (or lists it as failed) and the sweeps redo whatever the database still shows pending.
"""

import logging
import threading
import time

import click
from flask import current_app
from redis.exceptions import RedisError
from rq import SimpleWorker
from rq.cron import CronScheduler

from portal.jobs import queueing, registry
from portal.jobs.registry import perform
from portal.tasks import SCHEDULE

log = logging.getLogger(__name__)

# After Redis went away, wait this long before trying again.
RECONNECT_SECONDS = 5
# How often the worker does RQ's upkeep, which includes taking the scheduler's lock if it
# has none. RQ's default is 10 minutes: a worker started while a killed one's lock still
# held (it lapses after about a minute) left the jobs scheduled for a retry waiting that
# long (the production drill: two certificate PDFs not ready after 120 s).
MAINTENANCE_SECONDS = 30
# How long the worker's pubsub listener (RQ's commands channel) waits per poll.
LISTENER_POLL_SECONDS = 1


class PortalWorker(SimpleWorker):
    """RQ's SimpleWorker whose pubsub listener polls every second instead of every minute.

    At a warm shutdown RQ sends UNSUBSCRIBE and then stops the listener thread, which
    redis-py joins. When the listener has already read the reply it waits a whole poll
    for a new subscription, so a stopped worker took up to 60 s to exit (the CI's
    real-worker test waited that long for it and failed)."""

    def subscribe(self) -> None:
        # RQ's own subscribe, with the poll shortened: the thread reads its poll once, as
        # it starts, so it cannot be changed afterwards.
        log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment] # RQ types it None
            sleep_time=LISTENER_POLL_SECONDS,
            daemon=True,
            exception_handler=self._pubsub_exception_handler,
        )


def cron_scheduler(connection) -> CronScheduler:
    """RQ's scheduler with the portal's periodic tasks, each with its task's retries."""
    cron = CronScheduler(connection=connection, name=f"portal-cron-{id(connection)}")
    for item in SCHEDULE:
        task = registry.get(item.task)
        retry = queueing.rq_retry(task)
        cron.register(
            perform,
            current_app.config["JOBS_QUEUE"],
            args=(item.task,),
            kwargs={"retry": retry} if retry else None,
            interval=item.interval,
            cron=item.cron,
            job_timeout=task.timeout,
            failure_ttl=queueing.FAILURE_TTL_SECONDS,
            name=item.task,
        )
    return cron


def run_scheduler(cron: CronScheduler, stop: threading.Event) -> None:
    """CronScheduler.start's loop, on a thread (start() installs signal handlers, which only
    the main thread may), surviving a Redis restart."""
    while not stop.is_set():
        try:
            cron.register_birth()
            while not stop.is_set():
                if cron.enqueue_jobs():
                    cron.save()
                cron.heartbeat()
                stop.wait(max(cron.calculate_sleep_interval(), 1))
        except RedisError:
            log.exception("the scheduler lost Redis; trying again")
            stop.wait(RECONNECT_SECONDS)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run what is queued, then stop (no scheduler).")
@click.option(
    "--no-scheduler",
    is_flag=True,
    help="Do not queue the periodic tasks (when another worker's scheduler does).",
)
@click.option(
    "--maintenance-seconds",
    type=click.IntRange(min=1),
    default=MAINTENANCE_SECONDS,
    show_default=True,
    help="How often RQ's upkeep runs (registries, the retry scheduler's lock).",
)
def worker_command(burst: bool, no_scheduler: bool, maintenance_seconds: int) -> None:
    """Run background jobs from Redis (REDIS_URL) until stopped, and queue the periodic ones:
    the outbox every minute, the receipt and certificate PDF sweeps every five minutes,
    reminders and the Stripe reconcile daily."""
    if not current_app.config["REDIS_URL"]:
        raise click.ClickException(
            "REDIS_URL is not set: without Redis, jobs run inside the web process."
        )
    queue = queueing.rq_queue()
    stop = threading.Event()
    if not burst and not no_scheduler:
        threading.Thread(
            target=run_scheduler,
            args=(cron_scheduler(queue.connection), stop),
            name="portal-scheduler",
            daemon=True,
        ).start()
    try:
        while True:
            # An idle worker waits for a job up to worker_ttl - 15 s and does its upkeep
            # only between waits (RQ's default: 405 s).
            worker = PortalWorker(
                [queue],
                connection=queue.connection,
                maintenance_interval=maintenance_seconds,
                worker_ttl=maintenance_seconds + 15,
            )
            try:
                worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
            except RedisError:
                if burst:
                    raise
                log.exception("the worker lost Redis; trying again")
            else:
                # RQ's work() also returns, instead of raising, when it loses Redis while it
                # waits ("Redis connection timeout, quitting...") or meets any other error:
                # only a burst or a stop asked for by a signal ends the command, else the
                # worker would be gone and no job would run until someone restarted it (the
                # production drill found this).
                if burst or worker._shutdown_requested_date is not None:
                    return
                log.warning("the worker stopped without being asked to; starting it again")
            time.sleep(RECONNECT_SECONDS)
    finally:
        stop.set()
