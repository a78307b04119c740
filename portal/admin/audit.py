"""The audit log viewer (admins only).

Entries are filtered by the person who acted, the record, the action and the date, newest
first, and paged by keyset on the id (``before``/``after``), so an old page costs what the
first does however long the log grows. The log is append-only: see portal/audit.py.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from wtforms import SelectField, StringField, widgets
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from portal.access import admin
from portal.admin.routes import bp
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.forms import PortalForm, WholeNumberField
from portal.models import LARGEST_ID, Base

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def _a_date(form, field) -> None:
    if not field.data:
        field.data = None
        return
    try:
        value = date.fromisoformat(field.data.strip())
    except ValueError:
        raise ValidationError(_l("Enter a real date, like 2026-03-01.")) from None
    if not EARLIEST <= value <= LATEST:
        raise ValidationError(_l("Enter a date between the years 2000 and 2100."))
    field.data = value


def _record_types() -> list[tuple[str, str]]:
    names = sorted({mapper.class_.__name__ for mapper in Base.registry.mappers})
    return [("", _l("Any record")), *((name, name) for name in names)]


class AuditFilterForm(PortalForm):
    """A search: read from the query string, nothing to protect with a CSRF token."""

    class Meta:
        csrf = False

    person = StringField(
        _l("Person"),
        description=_l("The email address of the person who acted."),
        filters=[lambda value: value.strip().lower() if isinstance(value, str) else value],
        validators=[Optional(), Length(max=254, message=_l("Enter at most 254 characters."))],
    )
    action = StringField(
        _l("Action"),
        description=_l(
            "An action, like account.deactivated, or its start, like account. for every "
            "account action."
        ),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[Optional(), Length(max=80, message=_l("Enter at most 80 characters."))],
    )
    record_type = SelectField(_l("Record"), choices=[], validators=[Optional()])
    record_id = WholeNumberField(
        _l("Record number"),
        validators=[
            Optional(),
            NumberRange(min=1, max=LARGEST_ID, message=_l("Enter a whole number, like 42.")),
        ],
    )
    date_from = StringField(_l("From"), widget=widgets.DateInput(), validators=[_a_date])
    date_to = StringField(_l("To"), widget=widgets.DateInput(), validators=[_a_date])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.record_type.choices = _record_types()
        self.actor: User | None = None

    def validate_person(self, field) -> None:
        if field.data:
            self.actor = db.session.scalar(select(User).where(User.email == field.data))
            if self.actor is None:
                raise ValidationError(_l("No account has this email address."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        start, end = self.date_from.data, self.date_to.data
        if valid and start and end and end < start:
            self.date_to.errors.append(_l("The “to” date must be on or after the “from” date."))
            return False
        return valid


@dataclass
class AuditPage:
    rows: list[tuple[AuditEvent, User | None]]
    # Keyset cursors: the id to page from, or None when there is nothing that way.
    newer: int | None
    older: int | None


def _start_of(day: date) -> datetime:
    zone = ZoneInfo(current_app.config["PORTAL_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=zone)


def _filtered(form: AuditFilterForm) -> Select:
    query = select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_id)
    if form.actor is not None:
        query = query.where(AuditEvent.actor_id == form.actor.id)
    if form.action.data:
        query = query.where(AuditEvent.action.startswith(form.action.data, autoescape=True))
    if form.record_type.data:
        query = query.where(AuditEvent.record_type == form.record_type.data)
    if form.record_id.data:
        query = query.where(AuditEvent.record_id == form.record_id.data)
    if form.date_from.data:
        query = query.where(AuditEvent.created_at >= _start_of(form.date_from.data))
    if form.date_to.data:
        end = _start_of(form.date_to.data + timedelta(days=1))
        query = query.where(AuditEvent.created_at < end)
    return query


def _exists(query: Select) -> bool:
    return db.session.execute(query.with_only_columns(AuditEvent.id).limit(1)).first() is not None


def audit_page(
    form: AuditFilterForm, *, before: int | None, after: int | None, per_page: int
) -> AuditPage:
    """One page of the entries the filters match (see entries_page)."""
    return entries_page(_filtered(form), before=before, after=after, per_page=per_page)


def entries_page(
    query: Select, *, before: int | None, after: int | None, per_page: int
) -> AuditPage:
    """One page of `query`'s entries (AuditEvent, User), newest first: older than ``before``,
    or newer than ``after`` (the "newer" link), or the newest when neither is given."""
    if after is not None:
        found = db.session.execute(
            query.where(AuditEvent.id > after).order_by(AuditEvent.id.asc()).limit(per_page)
        ).all()[::-1]
    else:
        older = query.where(AuditEvent.id < before) if before is not None else query
        found = db.session.execute(older.order_by(AuditEvent.id.desc()).limit(per_page)).all()
    rows = [(entry, actor) for entry, actor in found]
    if not rows:
        return AuditPage(rows, None, None)
    newest, oldest = rows[0][0].id, rows[-1][0].id
    return AuditPage(
        rows,
        newer=newest if _exists(query.where(AuditEvent.id > newest)) else None,
        older=oldest if _exists(query.where(AuditEvent.id < oldest)) else None,
    )


def cursor(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and 0 <= value < 2**62 else None


@bp.get("/audit")
@admin
def audit_log():
    form = AuditFilterForm(request.args)
    filters = {
        name: request.args[name]
        for name in ("person", "action", "record_type", "record_id", "date_from", "date_to")
        if request.args.get(name)
    }
    page = None
    if form.validate():
        page = audit_page(
            form,
            before=cursor("before"),
            after=cursor("after"),
            per_page=current_app.config["PAGE_SIZE"],
        )
    return render_template("admin/audit.html", form=form, page=page, filters=filters)
