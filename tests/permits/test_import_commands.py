"""`flask permits import` and the admin upload page: the same all-or-nothing import (the
page's import runs as a job: tests/permits/test_import_job.py)."""

import io

from sqlalchemy import select

from portal.auth.models import Role
from portal.extensions import db
from portal.permits.models import Permit, PermitImport
from tests.factories import make_user, sign_in_as
from tests.support.pages import check_page
from tests.support.permit_csv import csv_bytes, permit_row


def permit_nums() -> set[str]:
    return set(db.session.scalars(select(Permit.permit_num)))


def test_cli_imports_and_prints_the_counts(app, tmp_path):
    path = tmp_path / "permits.csv"
    path.write_bytes(
        csv_bytes([permit_row(PermitNum="BP-CLI-1"), permit_row(PermitNum="BP-CLI-2")])
    )
    runner = app.test_cli_runner()

    result = runner.invoke(args=["permits", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated" in result.output
    assert permit_nums() == {"BP-CLI-1", "BP-CLI-2"}

    again = runner.invoke(args=["permits", "import", str(path)])
    assert again.exit_code == 0
    assert "0 created, 2 updated" in again.output


def test_cli_prints_every_error_and_exits_non_zero(app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(
        csv_bytes(
            [
                permit_row(PermitNum="BP-CLI-OK"),
                permit_row(IssuedDate="yesterday"),
                permit_row(StatusCurrent="Lost"),
            ]
        )
    )
    result = app.test_cli_runner().invoke(args=["permits", "import", str(path)])

    assert result.exit_code == 1
    assert "Row 3, IssuedDate: " in result.output
    assert "Row 4, StatusCurrent: " in result.output
    assert "Nothing imported: 2 error(s)" in result.output
    assert permit_nums() == set()


def test_cli_help_documents_the_all_or_nothing_policy(app):
    result = app.test_cli_runner().invoke(args=["permits", "import", "--help"])
    assert "All or nothing" in result.output


def upload(client, data: bytes, filename="permits.csv"):
    return client.post(
        "/permits/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_admin_page_refuses_a_binary_file(client):
    sign_in_as(client, make_user(role=Role.ADMIN))
    response = upload(client, b"%PDF-1.7\x00\x00\x01", filename="permits.csv")
    check_page(response.data)
    assert b"not a CSV text file" in response.data
    assert permit_nums() == set()
    assert db.session.scalar(select(PermitImport.id)) is None


def test_admin_page_without_a_file_shows_the_error(client):
    sign_in_as(client, make_user(role=Role.ADMIN))
    response = client.post("/permits/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    check_page(response.data)
    assert b"Choose a CSV file to import" in response.data


def test_stale_form_imports_nothing(client):
    sign_in_as(client, make_user(role=Role.ADMIN))
    response = client.post(
        "/permits/import",
        data={"csrf_token": "", "file": (io.BytesIO(csv_bytes([permit_row()])), "p.csv")},
        content_type="multipart/form-data",
    )
    check_page(response.data)
    assert permit_nums() == set()


def test_only_admins_may_import(client):
    sign_in_as(client, make_user(role=Role.STAFF))
    assert client.get("/permits/import").status_code == 404
    assert upload(client, csv_bytes([permit_row()])).status_code == 404
    assert permit_nums() == set()
