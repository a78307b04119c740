"""A worker asked to stop leaves at once, whatever its pubsub listener was doing."""

import time

import fakeredis

from portal.worker import PortalWorker


def test_the_worker_s_pubsub_listener_stops_within_seconds_once_it_has_read_its_unsubscribe():
    """At a warm shutdown RQ sends UNSUBSCRIBE, then stops and joins the listener thread.
    When the listener read the reply first, it waits for a new subscription for as long as
    its poll: RQ's 60 s made a stopped worker take a minute to exit (redis-py joins the
    thread in `stop()`), and the CI's real-worker test waited 60 s for it and failed."""
    connection = fakeredis.FakeRedis()
    worker = PortalWorker(["default"], connection=connection)
    worker.subscribe()
    worker.pubsub.unsubscribe()
    deadline = time.monotonic() + 10
    while worker.pubsub.subscribed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not worker.pubsub.subscribed  # the listener has read the reply
    started = time.monotonic()
    worker.unsubscribe()
    assert time.monotonic() - started < 10
    assert not worker.pubsub_thread.is_alive()
