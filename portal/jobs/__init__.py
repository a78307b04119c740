"""Background jobs: slow or retryable work that leaves the request (docs/architecture.md,
"Background jobs").

`registry` names each task with its retry policy; `queueing` enqueues a task after the
commit of the change that causes it, on RQ when REDIS_URL is set or in-process otherwise
(`local`), and lists jobs for the staff page. The tasks themselves are in portal/tasks.py,
which crosses features; the worker command in portal/worker.py.
"""

from portal.jobs.queueing import after_commit, enqueue, overview, retry
from portal.jobs.registry import task

__all__ = ["after_commit", "enqueue", "overview", "retry", "task"]
