"""Read-only selects of columns, run on the session's connection (issue 17).

The session's `execute` prepares an ORM execution for every statement, whether it selects
entities or only columns: about 60 µs a statement on SQLite, a tenth of the permit page
for its dozen statements. A select of columns gives the same rows on the session's own
connection, in its transaction, without that work. Pending changes are flushed first, as
the session's autoflush would (a flush with nothing to write costs a few µs). Entities
still go through the session.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Executable, Row

from portal.extensions import db


def _run(statement: Executable, parameters: Mapping[str, Any]):
    db.session.flush()
    return db.session.connection().execute(statement, dict(parameters))


def rows(statement: Executable, parameters: Mapping[str, Any]) -> Sequence[Row]:
    """Every row of a select of columns."""
    return _run(statement, parameters).all()


def first(statement: Executable, parameters: Mapping[str, Any]) -> Row | None:
    """The first row of a select of columns, or None."""
    return _run(statement, parameters).first()


def scalar(statement: Executable, parameters: Mapping[str, Any]) -> Any:
    """The first column of the first row, or None."""
    return _run(statement, parameters).scalar()
