"""Declarative base and the mixins every feature's tables share."""

import enum
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from flask_sqlalchemy.model import Model
from sqlalchemy import DateTime, Dialect, Enum, Integer, MetaData, Table, TypeDecorator, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, registry

# Stable constraint names, so Alembic can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Ids are INTEGER columns: PostgreSQL's holds up to 2**31 - 1 (SQLite's up to 2**63 - 1).
# A larger number reaching a query fails there ("integer out of range", a 500).
LARGEST_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """The typed base every model inherits.

    ``db.Model`` (portal/extensions.py) is a copy of this class sharing its registry and
    metadata, so a model declared on either is the same table; models use this one because
    mypy can see through it.
    """

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )

    if TYPE_CHECKING:
        # DeclarativeBase says FromClause; every model here declares a __tablename__, so
        # a Table (which Core insert/update/delete take).
        __table__: ClassVar[Table]

    # Keep Flask-SQLAlchemy's "<User 3>" form, which db.Model gave the models before.
    __repr__ = Model.__repr__


class _Mapped(Protocol):
    # What a mixin's declared_attr sees: the model class declarative is building.
    __table__: ClassVar[Table]


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class VersionedMixin:
    """Staff-edited records: a save against a stale version raises StaleDataError."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls: type["_Mapped"]) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


def enum_column(enum_cls: type[enum.Enum]) -> Enum:
    """Store an enum by its value as plain text, so a new state needs no type migration."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=40,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
