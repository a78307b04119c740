"""Keyset pagination: a page starts after (or ends before) the last row seen, by value.

An offset makes the database walk past every earlier row, so page 500 of a long queue
costs 500 times page 1. A keyset page asks for rows whose sort key is beyond the
boundary row's key instead, which an index answers in the same time on every page.

A cursor is the boundary row's sort-key values, signed so a hand-edited URL is simply
ignored (the queue opens at its start) rather than reaching the database as a value of
the wrong type.
"""

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import LazyString
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import ColumnElement, Select, TypeDecorator, and_, bindparam, or_, tuple_
from sqlalchemy.orm import QueryableAttribute

from portal.extensions import db

# A mapped attribute (Permit.permit_num) or any other column expression.
SortColumn = ColumnElement[Any] | QueryableAttribute[Any]


@dataclass(frozen=True)
class SortOrder:
    """One way to sort a queue. The last column must be unique (the id) so rows never tie;
    every column must be NOT NULL in the rows the queue shows."""

    key: str
    label: LazyString | str
    columns: tuple[SortColumn, ...]
    descending: bool = False


@dataclass
class KeysetPage:
    items: list
    # Cursors for the neighbouring pages, or None when there is nothing that way.
    next_cursor: str | None
    prev_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None


def _serializer(order: SortOrder) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"keyset:{order.key}")


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _typed(column: SortColumn, value: Any) -> Any:
    """The cursor's JSON value back as the Python type the column binds."""
    column_type = column.expression.type
    # A TypeDecorator (like UTCDateTime) reports "object"; its underlying type knows.
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    python_type = column_type.python_type
    if issubclass(python_type, datetime):
        return datetime.fromisoformat(value)
    if issubclass(python_type, date):
        return date.fromisoformat(value)
    return python_type(value)


def encode_cursor(order: SortOrder, values: tuple) -> str:
    return _serializer(order).dumps([_plain(v) for v in values])


def decode_cursor(order: SortOrder, cursor: str | None) -> tuple | None:
    """The values a cursor holds, or None for a missing, forged or malformed one."""
    if not cursor:
        return None
    try:
        raw = _serializer(order).loads(cursor)
        if not isinstance(raw, list) or len(raw) != len(order.columns):
            return None
        return tuple(_typed(c, v) for c, v in zip(order.columns, raw, strict=True))
    except (BadData, ValueError, TypeError):
        return None


def _beyond(columns: tuple[SortColumn, ...], *, greater: bool, dialect: str) -> ColumnElement:
    """Rows sorting strictly after the bound values ``keyset_0``, ``keyset_1``... (or
    before, when not ``greater``); built once per sort columns, direction and dialect
    (building it again for every deeper page was most of what page 500 cost more than
    page 1, issue 17).

    PostgreSQL gets a row-value comparison, (a, b) > (x, y), which it answers with an
    ordered index scan that stops at the page's LIMIT; spelled out as (a > x) OR (a = x AND
    b > y) it chose a bitmap scan of every later row (250 ms against 1 ms at page 500 of
    a million-row queue). SQLite gets the spelled-out form with a leading a >= x, which
    its planner turns into an index range.
    """
    key = (columns, greater, dialect)
    condition = _CONDITIONS.get(key)
    if condition is not None:
        return condition
    values = [bindparam(f"keyset_{i}", type_=c.expression.type) for i, c in enumerate(columns)]
    if dialect == "postgresql":
        row, bound_row = tuple_(*columns), tuple_(*values)
        condition = row > bound_row if greater else row < bound_row
    else:
        alternatives = []
        for i, column in enumerate(columns):
            equal = [columns[j] == values[j] for j in range(i)]
            step = column > values[i] if greater else column < values[i]
            alternatives.append(and_(*equal, step))
        bound = columns[0] >= values[0] if greater else columns[0] <= values[0]
        condition = and_(bound, or_(*alternatives))
    _CONDITIONS[key] = condition
    return condition


# Keyed by mapped columns, which live as long as the process: a few per queue and sort.
_CONDITIONS: dict[tuple, ColumnElement] = {}


def _bound(values: tuple) -> dict[str, Any]:
    return {f"keyset_{i}": value for i, value in enumerate(values)}


def keyset_page(
    query: Select,
    order: SortOrder,
    *,
    after: str | None = None,
    before: str | None = None,
    per_page: int,
) -> KeysetPage:
    """One page of ``query`` sorted by ``order``: the rows after the ``after`` cursor, the
    rows before the ``before`` cursor, or the first rows when neither is valid.

    ``query`` has no ORDER BY. It selects one entity, whose instances are the items, or
    the columns a page shows (issue 17: no ORM entities for read-only rows), whose rows
    are the items, read by name (the sort key's columns follow the query's own).
    """
    sort_values = query.add_columns(*order.columns)
    forward = [c.desc() if order.descending else c.asc() for c in order.columns]
    backward = [c.asc() if order.descending else c.desc() for c in order.columns]

    dialect = db.session.get_bind().dialect.name
    after_values = decode_cursor(order, after)
    before_values = decode_cursor(order, before) if after_values is None else None
    if before_values is not None:
        condition = _beyond(order.columns, greater=order.descending, dialect=dialect)
        rows = db.session.execute(
            sort_values.where(condition).order_by(*backward).limit(per_page + 1),
            _bound(before_values),
        ).all()
        more_before = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        more_after = True
    else:
        parameters = {}
        if after_values is not None:
            sort_values = sort_values.where(
                _beyond(order.columns, greater=not order.descending, dialect=dialect)
            )
            parameters = _bound(after_values)
        rows = db.session.execute(
            sort_values.order_by(*forward).limit(per_page + 1), parameters
        ).all()
        more_after = len(rows) > per_page
        rows = rows[:per_page]
        more_before = after_values is not None

    if not rows:
        return KeysetPage([], None, None)
    # What the query itself selects; the sort key's values follow. Counted on a row, as
    # query.column_descriptions would build the ORM's view of the query on every request
    # (8% of a queue page, issue 17).
    width = len(rows[0]) - len(order.columns)
    items = [row[0] for row in rows] if width == 1 else list(rows)
    return KeysetPage(
        items,
        next_cursor=encode_cursor(order, tuple(rows[-1][width:])) if more_after else None,
        prev_cursor=encode_cursor(order, tuple(rows[0][width:])) if more_before else None,
    )
