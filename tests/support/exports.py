"""The staff's open-data exports in tests: ask for one through its form, run its job and
download the file, as a staff member does in three steps."""

import csv
import io

from tests.support.jobs import run_jobs


def ask_for_export(client, kind: str = "permits", **fields):
    """Post the exports page's form for `kind` (its filters as the form's fields; True
    ticks the Excel box); the response (a redirect to the export's page, or the form)."""
    prefix = "inspections_" if kind == "inspections" else ""
    data = {
        f"{prefix}{name}": ("y" if value is True else value)
        for name, value in fields.items()
        if value not in (None, False)
    }
    return client.post(f"/staff/exports/{kind}", data=data)


def exported(client, kind: str = "permits", **fields):
    """The export's download, after its job ran: the response with the file."""
    asked = ask_for_export(client, kind, **fields)
    assert asked.status_code == 302, asked.get_data(as_text=True)
    run_jobs()
    return client.get(asked.headers["Location"] + "/download")


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
