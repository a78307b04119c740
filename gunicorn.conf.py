"""gunicorn's settings for the portal: gunicorn reads this file from the folder it starts in
(command-line flags still win).

Threaded workers, not gunicorn's default sync ones. A sync worker that spends longer than
`timeout` on one request is killed by gunicorn's arbiter in the middle of it, and the staff's
BLDS export of every permit streams for 22 s at a million permits on an idle machine (minutes
on a busy one): `bench/long_request.py` measured a sync worker cut off after 28,000 of a
million rows, and a threaded one sending them all. A threaded worker's main thread tells the
arbiter it is alive while its threads serve, so only a hung worker is restarted.
"""

import os

worker_class = "gthread"
# Each thread holds at most one database connection; SQLAlchemy's pool keeps 5 (+10 extra).
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A hung worker (not a long request) is restarted after this long.
timeout = 60
# On a deploy or restart, requests in progress get this long to finish.
graceful_timeout = 30
