"""Read a BLDS-shaped permit CSV: validate every row, then write all of it or nothing.

Policy: a file with any error imports nothing and reports every error (row as
numbered in the file, the header being row 1; column; message). A partly imported
file would leave the department unsure which permits the portal knows.

The file is read twice as a stream (never held in memory): the first pass
validates every row, the second writes them in batches of statements inside one
transaction, which the caller commits once.
"""

import codecs
import csv
import io
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import BindParameter, bindparam, insert, select, update

from portal.extensions import db
from portal.models import utcnow
from portal.permits.models import Permit, PermitStatus, Trade
from portal.search_keys import address_key, permit_search_text
from portal.timeline import TimelineEntry

# Called with {permit id: scope trades} for every imported batch, in the import's transaction.
# Features built on permits register here (inspections, in its contributions), so the
# importer imports none of them.
BatchListener = Callable[[Mapping[int, list[str]]], object]
_batch_listeners: list[BatchListener] = []


def after_each_batch(listener: BatchListener) -> BatchListener:
    _batch_listeners.append(listener)
    return listener


# No 0/O or 1/I/L: owners read the code off a letter and type it in.
ACCESS_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ACCESS_CODE_LENGTH = 8
BATCH_SIZE = 500
SNIFF_BYTES = 8192

# The portal's two columns beside the BLDS core.
SCOPE = "Scope"
ACCESS_CODE = "AccessCode"

# BLDS column -> (Permit attribute, kind, maximum length for text)
COLUMNS: dict[str, tuple[str, str, int | None]] = {
    "PermitNum": ("permit_num", "text", 40),
    "Description": ("description", "text", 4000),
    "AppliedDate": ("applied_date", "date", None),
    "IssuedDate": ("issued_date", "date", None),
    "StatusCurrent": ("status_current", "status", None),
    "OriginalAddress1": ("original_address1", "text", 200),
    "OriginalAddress2": ("original_address2", "text", 200),
    "OriginalCity": ("original_city", "text", 100),
    "OriginalState": ("original_state", "state", None),
    "OriginalZip": ("original_zip", "zip", None),
    "PermitType": ("permit_type", "text", 100),
    "WorkClass": ("work_class", "text", 100),
    "ProposedUse": ("proposed_use", "text", 200),
    "TotalSqFt": ("total_sq_ft", "integer", None),
    "HousingUnits": ("housing_units", "integer", None),
    "EstProjectCost": ("est_project_cost_cents", "money", None),
    "ContractorCompanyName": ("contractor_company_name", "text", 200),
    "ContractorLicNum": ("contractor_lic_num", "text", 60),
    "ContractorStateLic": ("contractor_state_lic", "text", 60),
    "ContractorTrade": ("contractor_trade", "text", 100),
    SCOPE: ("scope", "scope", None),
    ACCESS_CODE: ("access_code", "access_code", None),
}
# A file must have these columns; a row must give these values.
REQUIRED_COLUMNS = (
    "PermitNum",
    "StatusCurrent",
    "OriginalAddress1",
    "OriginalCity",
    "OriginalState",
    "OriginalZip",
    SCOPE,
)
REQUIRED_VALUES = (
    "PermitNum",
    "StatusCurrent",
    "OriginalAddress1",
    "OriginalCity",
    "OriginalState",
    "OriginalZip",
)

# StatusCurrent as permit systems spell it -> the portal's status.
STATUS_WORDS = {
    "issued": PermitStatus.ISSUED,
    "permit issued": PermitStatus.ISSUED,
    "active": PermitStatus.ISSUED,
    "inspection phase": PermitStatus.INSPECTION_PHASE,
    "inspections": PermitStatus.INSPECTION_PHASE,
    "in inspection": PermitStatus.INSPECTION_PHASE,
    "finaled": PermitStatus.FINALED,
    "final": PermitStatus.FINALED,
    "complete": PermitStatus.FINALED,
    "completed": PermitStatus.FINALED,
    "closed": PermitStatus.FINALED,
    "expired": PermitStatus.EXPIRED,
    "revoked": PermitStatus.REVOKED,
}

_TRADE_ALIASES = {
    "carpentry": Trade.NEW_CONSTRUCTION,
    "new": Trade.NEW_CONSTRUCTION,
    "foundation": Trade.FOUNDATIONS,
    "concrete": Trade.FOUNDATIONS,
    "rebar": Trade.FOUNDATIONS,
    "structural_steel": Trade.IRON,
    "steel": Trade.IRON,
    "hvac": Trade.VENTILATION,
    "sprinkler": Trade.FIRE_PROTECTION,
    "sprinklers": Trade.FIRE_PROTECTION,
}


def _trade_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def _trade_lookup() -> dict[str, Trade]:
    lookup = dict(_TRADE_ALIASES)
    for trade in Trade:
        lookup[trade.value] = trade
        lookup[_trade_key(str(trade.label))] = trade
        # "Boilers" and "boiler", "Foundations" and "foundation" both read naturally.
        lookup.setdefault(trade.value.rstrip("s"), trade)
        lookup.setdefault(trade.value + "s", trade)
    return lookup


_TRADES = _trade_lookup()
_INTEGER = re.compile(r"^\d{1,3}(,\d{3})+$|^\d+$")
_MONEY = re.compile(r"^\$?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ZIP = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")
_STATE = re.compile(r"^[A-Za-z]{2}$")
_ACCESS_CODE = re.compile(r"^[A-Za-z0-9]{6,32}$")
# Beyond the 32-bit range a square footage or unit count is a typo, and PostgreSQL
# would refuse it with an error instead of a message.
_MAX_INTEGER = 2_000_000_000
_MAX_CENTS = 10**15


def new_access_code() -> str:
    return "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(ACCESS_CODE_LENGTH))


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return f"Row {self.row}, {self.column}: {self.message}"
        return f"Row {self.row}: {self.message}"


@dataclass
class ImportReport:
    """What an import did, or every reason it did nothing."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def errors_not_listed(self) -> int:
        return self.error_count - len(self.errors)


class _FileRefused(Exception):
    """The file as a whole cannot be read as a permit CSV."""

    def __init__(self, message, row: int = 1, column: str = "") -> None:
        super().__init__(str(message))
        self.error = RowError(row, column, str(message))


class _Collector:
    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.errors: list[RowError] = []
        self.count = 0

    def add(self, row: int, column: str, message) -> None:
        self.count += 1
        if self.limit is None or len(self.errors) < self.limit:
            self.errors.append(RowError(row, column, str(message)))


def _check_bytes(source: IO[bytes]) -> None:
    head = source.read(SNIFF_BYTES)
    source.seek(0)
    if not head.strip():
        raise _FileRefused(_l("The file is empty."))
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise _FileRefused(
            _l("This is a spreadsheet workbook, not a CSV file. Save it as “CSV UTF-8” first.")
        )
    if b"\x00" in head:
        raise _FileRefused(_l("This is not a CSV text file. Choose a .csv file saved as UTF-8."))
    # A multi-byte character may straddle the end of the sample: decode incrementally.
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        raise _FileRefused(
            _l("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
        ) from None


def _text_stream(source: IO[bytes]) -> io.TextIOWrapper:
    return io.TextIOWrapper(source, encoding="utf-8-sig", newline="")


def _read_header(reader) -> tuple[dict[str, int], int]:
    try:
        header = next(reader)
    except StopIteration:
        raise _FileRefused(_l("The file is empty.")) from None
    known = {name.lower(): name for name in COLUMNS}
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = known.get(raw.strip().lower())
        if name is None:
            continue  # BLDS files carry many more columns than the portal keeps.
        if name in positions:
            raise _FileRefused(_l("The column %(name)s appears twice.", name=name), 1, name)
        positions[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing:
        raise _FileRefused(
            _l("The file is missing required columns: %(names)s.", names=", ".join(missing))
        )
    return positions, len(header)


def _rows(source: IO[bytes]) -> Iterator[tuple[int, dict[str, str], str]]:
    """Yield (row number, values by column, a complaint about its shape) for each non-blank row."""
    text = _text_stream(source)
    try:
        reader = csv.reader(text, strict=True)
        positions, width = _read_header(reader)
        row_number = 1
        while True:
            row_number += 1
            try:
                raw = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise _FileRefused(
                    _l("The file is not UTF-8 text from here on. Save it as “CSV UTF-8”."),
                    row_number,
                ) from None
            except csv.Error as error:
                raise _FileRefused(
                    _l("The row cannot be read as CSV (%(detail)s).", detail=str(error)),
                    row_number,
                ) from None
            if not any(cell.strip() for cell in raw):
                continue
            shape = ""
            # Spreadsheets pad rows with empty cells; extra values mean a stray comma.
            if len(raw) < width or any(cell.strip() for cell in raw[width:]):
                shape = _l(
                    "This row has %(n)s values; the header has %(m)s columns. "
                    "Check for a missing value or an unquoted comma.",
                    n=len(raw),
                    m=width,
                )
            values = {name: raw[i].strip() if i < len(raw) else "" for name, i in positions.items()}
            yield row_number, values, shape
    finally:
        # Hand the byte stream back to the caller open, for the second pass.
        text.detach()


def _parse_date(value: str) -> date:
    if match := _ISO_DATE.match(value):
        year, month, day = match.groups()
    elif match := _US_DATE.match(value):
        month, day, year = match.groups()
    else:
        raise ValueError
    return date(int(year), int(month), int(day))


def _parse_value(kind: str, value: str, max_length: int | None):
    """Return the clean value, or raise ValueError with the user-facing message.

    Long because it is one branch per kind of BLDS column, each with its own message."""
    if kind == "text":
        if max_length and len(value) > max_length:
            raise ValueError(_l("Must be %(n)s characters or fewer.", n=max_length))
        return value
    if kind == "date":
        if not value:
            return None
        try:
            return _parse_date(value)
        except ValueError:
            raise ValueError(
                _l("“%(value)s” is not a date: use YYYY-MM-DD or MM/DD/YYYY.", value=value)
            ) from None
    if kind == "integer":
        if not value:
            return None
        if not _INTEGER.match(value) or int(value.replace(",", "")) > _MAX_INTEGER:
            raise ValueError(_l("“%(value)s” is not a whole number.", value=value))
        return int(value.replace(",", ""))
    if kind == "money":
        if not value:
            return None
        if not _MONEY.match(value):
            raise ValueError(_l("“%(value)s” is not an amount in dollars.", value=value))
        try:
            cents = int(Decimal(value.replace("$", "").replace(",", "").strip()) * 100)
        except InvalidOperation:
            raise ValueError(_l("“%(value)s” is not an amount in dollars.", value=value)) from None
        if cents > _MAX_CENTS:
            raise ValueError(_l("“%(value)s” is too large.", value=value))
        return cents
    if kind == "state":
        if not _STATE.match(value):
            raise ValueError(_l("“%(value)s” is not a two-letter state code.", value=value))
        return value.upper()
    if kind == "zip":
        match = _ZIP.match(value)
        if not match:
            raise ValueError(_l("“%(value)s” is not a 5- or 9-digit ZIP code.", value=value))
        return f"{match[1]}-{match[2]}" if match[2] else match[1]
    if kind == "status":
        status = STATUS_WORDS.get(" ".join(value.lower().split()))
        if status is None:
            allowed = ", ".join(s.value for s in PermitStatus)
            raise ValueError(
                _l("“%(value)s” is not a known status (%(allowed)s).", value=value, allowed=allowed)
            )
        return status
    if kind == "scope":
        trades: list[str] = []
        unknown = []
        for part in value.split(";"):
            if not part.strip():
                continue
            trade = _TRADES.get(_trade_key(part))
            if trade is None:
                unknown.append(part.strip())
            elif trade.value not in trades:
                trades.append(trade.value)
        if unknown:
            allowed = ", ".join(t.value for t in Trade)
            raise ValueError(
                _l(
                    "Unknown trade: %(unknown)s. Use these, separated by “;”: %(allowed)s.",
                    unknown=", ".join(unknown),
                    allowed=allowed,
                )
            )
        return trades
    if kind == "access_code":
        if not value:
            return None
        if not _ACCESS_CODE.match(value):
            raise ValueError(_l("Must be 6 to 32 letters and digits."))
        return value.upper()
    raise AssertionError(kind)


def _clean_row(row_number: int, values: dict[str, str], errors: _Collector) -> dict | None:
    clean = {}
    failed = False
    for column, value in values.items():
        attribute, kind, max_length = COLUMNS[column]
        if column in REQUIRED_VALUES and not value:
            errors.add(row_number, column, _l("A value is required."))
            failed = True
            continue
        try:
            clean[attribute] = _parse_value(kind, value, max_length)
        except ValueError as error:
            errors.add(row_number, column, error.args[0])
            failed = True
    applied, issued = clean.get("applied_date"), clean.get("issued_date")
    if applied and issued and issued < applied:
        errors.add(
            row_number, "IssuedDate", _l("The permit cannot be issued before it was applied for.")
        )
        failed = True
    return None if failed else clean


def _validated_rows(source: IO[bytes], errors: _Collector) -> Iterator[tuple[int, dict]]:
    seen: dict[str, int] = {}
    for row_number, values, shape in _rows(source):
        if shape:
            errors.add(row_number, "", shape)
            continue
        clean = _clean_row(row_number, values, errors)
        num = values.get("PermitNum", "")
        if num:
            first = seen.setdefault(num, row_number)
            if first != row_number:
                errors.add(
                    row_number,
                    "PermitNum",
                    _l("%(num)s already appears on row %(row)s.", num=num, row=first),
                )
                continue
        if clean is not None:
            yield row_number, clean


def check_header(source: IO[bytes]) -> RowError | None:
    """The quick checks an upload gets before it is stored (a CSV text file whose header
    names the required columns), or what is wrong; the rows are the import job's to check.
    Leaves the stream at its start."""
    text = None
    try:
        _check_bytes(source)
        text = _text_stream(source)
        _read_header(csv.reader(text, strict=True))
    except _FileRefused as refused:
        return refused.error
    except (csv.Error, UnicodeDecodeError) as error:
        return RowError(1, "", str(_l("The row cannot be read as CSV (%(detail)s).", detail=error)))
    finally:
        if text is not None:
            text.detach()
        source.seek(0)
    return None


def validate(source: IO[bytes], *, max_reported_errors: int | None = None) -> ImportReport:
    """First pass: every error in the file, and how many rows it has."""
    report = ImportReport()
    errors = _Collector(max_reported_errors)
    try:
        _check_bytes(source)
        for _row in _validated_rows(source, errors):
            report.rows += 1
    except _FileRefused as refused:
        errors.add(refused.error.row, refused.error.column, refused.error.message)
    report.errors, report.error_count = errors.errors, errors.count
    return report


def write(source: IO[bytes], report: ImportReport, *, actor=None) -> None:
    """Second pass: create or update every permit in the caller's transaction (no commit).

    Re-importing a permit number updates the permit; its access code stays unless the
    file gives one, and its parties are never touched. New permits get a timeline entry.
    """
    source.seek(0)
    errors = _Collector(None)
    batch: list[dict] = []
    for _row, clean in _validated_rows(source, errors):
        batch.append(clean)
        if len(batch) >= BATCH_SIZE:
            _write_batch(batch, report, actor)
            batch = []
    if errors.count:
        # The file changed between the passes; the caller's rollback discards the writes.
        raise RuntimeError("the import file changed while it was being imported")
    if batch:
        _write_batch(batch, report, actor)


def _write_batch(batch: list[dict], report: ImportReport, actor) -> None:
    """Long because it is one batch's bulk writes in order (new permits, updated permits, their
    timeline entries, the listeners), which must share one transaction."""
    table = Permit.__table__
    nums = [row["permit_num"] for row in batch]
    existing = dict(
        db.session.execute(
            select(table.c.permit_num, table.c.id).where(table.c.permit_num.in_(nums))
        ).all()
    )
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    updates_keep_code: list[dict[str, Any]] = []
    updates_new_code: list[dict[str, Any]] = []
    for row in batch:
        permit_id = existing.get(row["permit_num"])
        if permit_id is None:
            values = {**row, "version": 1, "created_at": now, "updated_at": now}
            values["access_code"] = row.get("access_code") or new_access_code()
            values.setdefault("scope", [])
            new_rows.append(values)
        else:
            values = {f"v_{key}": value for key, value in row.items() if key != "access_code"}
            # A Core UPDATE skips the model's validator that keeps the search keys.
            values["v_address_key"] = address_key(row["original_address1"])
            values["v_search_text"] = permit_search_text(
                row["original_address1"],
                row.get("original_address2"),
                row.get("original_city"),
                row.get("original_state"),
                row.get("original_zip"),
            )
            values["b_id"] = permit_id
            if row.get("access_code"):
                values["v_access_code"] = row["access_code"]
                updates_new_code.append(values)
            else:
                updates_keep_code.append(values)
    for group in (updates_keep_code, updates_new_code):
        if group:
            columns: dict[str, BindParameter[Any]] = {
                key[2:]: bindparam(key) for key in group[0] if key.startswith("v_")
            }
            # Core executemany keeps a million-row import fast; the version column is
            # bumped so a staff form opened before the import is refused as stale.
            statement = (
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(**columns, updated_at=now, version=table.c.version + 1)
            )
            db.session.execute(statement, group)
            report.updated += len(group)
    if new_rows:
        db.session.execute(insert(table), new_rows)
        report.created += len(new_rows)
        created = db.session.execute(
            select(table.c.id, table.c.permit_num).where(
                table.c.permit_num.in_([row["permit_num"] for row in new_rows])
            )
        ).all()
        # The same entry timeline.add() writes, inserted in bulk for the same reason.
        db.session.execute(
            insert(TimelineEntry.__table__),
            [
                {
                    "permit_id": permit_id,
                    "created_at": now,
                    "event": "permit.imported",
                    "params": {"permit_num": permit_num},
                    "actor_id": getattr(actor, "id", None),
                    "by_department": True,
                }
                for permit_id, permit_num in created
            ],
        )
        existing.update({permit_num: permit_id for permit_id, permit_num in created})
    # Features built on permits act on each batch at once (inspections derives the required
    # inspections from each permit's scope; a re-import with a wider scope adds the new ones).
    scopes = {existing[row["permit_num"]]: row.get("scope") or [] for row in batch}
    for listener in _batch_listeners:
        listener(scopes)
