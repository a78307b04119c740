"""One transition table per status: the only place that says which moves are allowed."""

import enum
from collections.abc import Mapping
from functools import wraps
from typing import Any, Self, cast, overload

from flask_babel import get_locale
from sqlalchemy import CursorResult, Executable
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import DomainError, IllegalTransition, StaleRecord
from portal.extensions import db


class LabelledStatus(enum.StrEnum):
    """A status stored by its value and shown by the department's label.

    Members are declared as ``DRAFT = "draft", _l("Draft")``.
    """

    # A lazy translation (flask_babel's LazyString), which renders and formats as a str.
    label: str

    # Enum puts its own __new__ in place once the class is built, so after that
    # ``Status(value)`` looks a member up by its value; the two-argument form only builds
    # the members, so the label's default is never used.
    @overload
    def __new__(cls, value: str) -> Self: ...
    @overload
    def __new__(cls, value: str, label: str) -> Self: ...
    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> Mapping[Self, str]:
        """Every member's label as text in the reader's language.

        A list shows a label per row: a lazy label is translated each time it is shown
        (about 9 µs), a str costs nothing (issue 17). The catalogs do not change while the
        process runs, so each class is translated once per language."""
        key = (cls, str(get_locale()))
        labels = _TRANSLATED_LABELS.get(key)
        if labels is None:
            labels = _TRANSLATED_LABELS[key] = {member: str(member.label) for member in cls}
        return labels


_TRANSLATED_LABELS: dict[tuple[type, str], Mapping[Any, str]] = {}


class TransitionTable:
    def __init__(self, allowed: Mapping[enum.Enum, set[enum.Enum]]) -> None:
        self.allowed = allowed

    def can(self, current: enum.Enum, target: enum.Enum) -> bool:
        return target in self.allowed.get(current, set())

    def sources(self, target: enum.Enum) -> list[enum.Enum]:
        """The states a move to ``target`` may start from: a conditional UPDATE's
        ``status IN (...)``, so a move made in SQL obeys the table too."""
        return [state for state, targets in self.allowed.items() if target in targets]

    def check(self, current: enum.Enum, target: enum.Enum) -> None:
        if not self.can(current, target):
            raise IllegalTransition()

    def move(self, record: Any, target: enum.Enum, field: str = "status") -> Any:
        """Check the move from the record's current state and make it, in one call, so no
        service can set a status without the table's say; returns the state it left."""
        previous = getattr(record, field)
        self.check(previous, target)
        setattr(record, field, target)
        return previous


def rows_changed(statement: Executable) -> int:
    """Run a conditional UPDATE or DELETE and say how many rows it changed: the way one-time
    things happen exactly once (the caller whose statement matched the row won)."""
    result = cast(CursorResult, db.session.execute(statement))
    return result.rowcount


def check_version(record, version, message) -> None:
    """Refuse a change made from a page showing an older version of the record."""
    try:
        seen = int(version)
    except (TypeError, ValueError):
        seen = None
    if seen != record.version:
        raise StaleRecord(message)


def stale_guard(message):
    """Decorate a service: a lost race on the version column becomes StaleRecord(message),
    and any refusal rolls back, so nothing half-done is written.

    The UPDATE may run at any autoflush inside the service, not only at the commit.
    """

    def decorator(service):
        @wraps(service)
        def wrapper(*args, **kwargs):
            try:
                return service(*args, **kwargs)
            except StaleDataError:
                db.session.rollback()
                raise StaleRecord(message) from None
            except DomainError:
                db.session.rollback()
                raise

        return wrapper

    return decorator
