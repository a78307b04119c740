"""bin/backup and bin/restore on PostgreSQL: a backup of the database and the store,
restored into an empty database and an empty store, reads back the same (the drill in
bench/topology.py does the same at scale, mid-load, on a bucket)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from portal.documents.models import StoredFile
from portal.documents.store import save_bytes
from portal.extensions import db
from tests.factories import make_permit
from tests.support.files import PDF, PNG

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def empty_database(app):
    """A new, empty database beside the suite's, dropped afterwards."""
    base = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    name = f"{base.database}_restore"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(
            text(
                f"CREATE DATABASE \"{name}\" TEMPLATE template0 LC_COLLATE 'C.UTF-8' "
                "LC_CTYPE 'C.UTF-8'"
            )
        )
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _run(script: str, folder: Path, database_url: str, store: Path, store_url: str = "") -> str:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DOCUMENT_STORE_PATH": str(store),
        "DOCUMENT_STORE_URL": store_url,
        "FLASK": FLASK,
        "PORTAL_ENV": "development",
    }
    result = subprocess.run(
        [str(ROOT / "bin" / script), str(folder)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_backup_restores_into_an_empty_environment(app, tmp_path, empty_database):
    make_permit(permit_num="BLD-2026-BACKUP")
    save_bytes(PDF, "application/pdf")
    save_bytes(PNG, "image/png")
    db.session.commit()
    store = Path(app.config["DOCUMENT_STORE_PATH"])

    # The backup reads the store the files went to: the folder, or the bucket when the
    # suite runs on one (TEST_DOCUMENT_STORE_URL, .ci/run's S3 section); the restore
    # writes into a new, empty folder either way.
    output = _run(
        "backup",
        tmp_path / "backups",
        app.config["SQLALCHEMY_DATABASE_URI"],
        store,
        app.config["DOCUMENT_STORE_URL"],
    )
    assert "backup in" in output
    [backup] = list((tmp_path / "backups").iterdir())
    assert (backup / "database.dump").stat().st_size > 0

    restored_store = tmp_path / "restored-documents"
    output = _run("restore", backup, empty_database, restored_store)
    assert "files verified 2, missing 0, changed 0" in output
    restored = create_engine(empty_database)
    with restored.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(StoredFile.__table__)) == 2
        assert connection.scalar(text("SELECT permit_num FROM permits")) == "BLD-2026-BACKUP"
    restored.dispose()

    # Restoring over what is there now is refused: a restore is into an empty environment.
    result = subprocess.run(
        [str(ROOT / "bin" / "restore"), str(backup)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": empty_database, "FLASK": FLASK},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "restore into an empty one" in result.stderr
