"""An export of every permit as staff now make one: the request, the job, the download.

    .venv/bin/python bench/long_request.py \\
        --attach /work/main/instance/bench/bench-1000000.sqlite3       # the bench file read-only
    .venv/bin/python bench/long_request.py --database-url postgresql+psycopg://...  # its table made

Exports were streamed inside the request: this script served the portal with gunicorn and
showed gunicorn's default sync worker cut off mid-stream (bench/README.md keeps the
figures). Now the request (POST /staff/exports/permits) only checks the filters and records
the export, and the `exports.write_csv` job writes the file. The script times the request
as staff wait for it, then runs the queued job as the worker runs it
(`jobs.registry.perform`, in this process) and times it with the process's peak memory,
then downloads the stored file and counts its lines.

The database needs the data_exports table (migration c9d0e1f2a3b4, or
`DataExport.__table__.create(engine)`). With --attach FILE the bench SQLite file stays as
it is: the script opens a new, empty SQLite database holding only the tables the export
writes (data_exports, stored_files, audit_events) with FILE attached read-only behind it,
so every other table is read from FILE (SQLite looks a name up in `main` first). The
document store is a temporary folder, removed at the end.
"""

import argparse
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402


def _attached_app(bench_file: Path, folder: Path):
    """The app on a new SQLite database of the export's own tables, the bench file
    attached read-only behind it."""
    from sqlalchemy import event

    from portal.audit import AuditEvent
    from portal.documents.models import StoredFile
    from portal.extensions import db
    from portal.permits.models import DataExport

    app = load.make_app(f"sqlite:///file:{folder / 'writes.sqlite3'}?mode=rwc&uri=true")
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def attach(connection, _record) -> None:
            connection.execute(f"ATTACH DATABASE 'file:{bench_file}?mode=ro' AS bench")

        engine.dispose()  # connections made before the hook have no bench attached
        with engine.begin() as connection:
            for table in (StoredFile.__table__, AuditEvent.__table__, DataExport.__table__):
                # checkfirst would find the bench file's table of the same name.
                table.create(connection, checkfirst=False)
    return app


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--database-url", help="a bench database with the data_exports table")
    where.add_argument("--attach", type=Path, help="a bench SQLite file, read only")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.jobs import local, registry
    from portal.permits import exports
    from portal.permits.models import DataExport, Permit

    # The job is run below, as the worker runs it, not by a thread of this process.
    os.environ["JOBS_LOCAL"] = "manual"
    os.environ.pop("REDIS_URL", None)
    folder = Path(tempfile.mkdtemp(prefix="long-export-"))
    try:
        if args.attach:
            app = _attached_app(args.attach.resolve(), folder)
        else:
            app = load.make_app(args.database_url)
        app.config.update(
            DOCUMENT_STORE_PATH=str(folder / "documents"),
            DOCUMENT_STORE_URL="",
            RATELIMIT_ENABLED=False,
        )
        with app.app_context():
            permits = db.session.scalar(select(func.count(Permit.id)))
        client = load.signed_in_client(app, load.STAFF_EMAIL)
        page = client.get("/staff/exports")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.status_code

        started = time.monotonic()
        asked = client.post("/staff/exports/permits", data={"csrf_token": token.group(1)})
        request_seconds = time.monotonic() - started
        assert asked.status_code == 302, asked.text[:500]
        export_id = int(asked.headers["Location"].rsplit("/", 1)[-1])

        before = _peak_mb()
        started = time.monotonic()
        with app.app_context():
            [job] = [job for job in local.QUEUE.jobs() if job.name == exports.TASK]
            registry.perform(exports.TASK, *job.args)
            record = db.session.get(DataExport, export_id)
            assert record is not None
            status, rows, size = record.status, record.rows, record.size
        job_seconds = time.monotonic() - started
        after = _peak_mb()

        started = time.monotonic()
        download = client.get(f"/staff/exports/{export_id}/download", buffered=False)
        lines = sum(chunk.count(b"\n") for chunk in download.response)
        download.close()
        download_seconds = time.monotonic() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(
        f"{permits:,} permits: the request {request_seconds * 1000:.0f} ms "
        f"(status {asked.status_code}); the job {job_seconds:.1f} s, {status.value}, "
        f"{rows:,} rows, {size / 1e6:.1f} MB, peak RSS {before:.0f} MB before and "
        f"{after:.0f} MB after; the download {download_seconds:.1f} s, {lines:,} lines "
        f"(status {download.status_code}); load average {load.load_average()}"
    )
    return 0 if status.value == "done" and lines == rows + 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
