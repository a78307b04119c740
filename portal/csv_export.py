"""Open-data CSV exports (BLDS), streamed line by line so a large export never sits in memory."""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import chain

from flask import Response, request, stream_with_context
from sqlalchemy import Select

from portal.extensions import db

# Rows fetched from the database at a time: the export's memory is one batch, however many rows.
BATCH = 1000
# The byte-order mark that tells Excel a CSV is UTF-8, and the query parameter asking for it.
BOM = "\ufeff"
EXCEL_PARAMETER = "excel"
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


def for_excel() -> bool:
    """Whether the download was asked for "for Excel" (``?excel=y``, the exports page's box)."""
    return request.args.get(EXCEL_PARAMETER, "") in ("y", "1")


def attachment(lines: Iterator[str], filename: str) -> Response:
    """A streamed CSV download: the request context stays open while the lines are written.

    UTF-8 without a byte-order mark, as RFC 4180 readers and open-data portals expect; asked
    for "for Excel", the file starts with one (U+FEFF), the only sign Excel on Windows takes
    for UTF-8 when a CSV is opened by double-click (without it "Ñandú" shows as "Ã‘andÃº"),
    and its name says so.
    """
    if for_excel():
        lines = chain([BOM], lines)
        filename = filename.removesuffix(".csv") + "-excel.csv"
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
