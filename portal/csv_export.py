"""Open-data CSV exports (BLDS), written line by line so a large export never sits in memory
(the export job writes them to a file, `flask permits export` to its output)."""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date

from sqlalchemy import Select

from portal.extensions import db

# Rows fetched from the database at a time: the export's memory is one batch, however many rows.
BATCH = 1000
# The byte-order mark that tells Excel on Windows a CSV is UTF-8 (without it, "Ñandú" opened
# by double-click shows as "Ã‘andÃº"); an export asked for "for Excel" starts with it. UTF-8
# without it is what RFC 4180 readers and open-data portals expect.
BOM = "\ufeff"
# A cell starting with one of these is a formula to a spreadsheet; quote it as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """The value as the CSV cell; text that a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return value


def iso_date(value: date | None) -> str:
    return value.isoformat() if value else ""


def dollars(cents: int | None) -> str:
    """BLDS gives money as a plain number of dollars: 1234567.89, no sign or separators."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def stream_rows(
    columns: Iterable[str], query: Select, to_values: Callable[[tuple], Iterable]
) -> Iterator[str]:
    """The header, then one line per row of the query, fetched BATCH rows at a time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def line(values: Iterable) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow([cell(v) for v in values])
        return out.getvalue()

    yield line(columns)
    for row in db.session.execute(query.execution_options(yield_per=BATCH)):
        yield line(to_values(row))
