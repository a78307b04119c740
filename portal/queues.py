"""What every staff queue shares: its GET filter form, and the keyset page it asks for.

A queue's filters come from the URL, so a view can be bookmarked and a page link keeps
them. Nonsense in the URL (a bad date, an unknown choice, a forged cursor) must never
break the page: the form says what was wrong and that filter is simply not applied.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, union
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from portal.forms import PortalDateField, PortalForm
from portal.keyset import KeysetPage, SortOrder, keyset_page

SEARCH_MAX = 100
# Two characters at least: one would match a tenth of every table by prefix.
SEARCH_MIN = 2
# Filters outside these years are mistakes, and near date.min or date.max the local day's
# start in UTC would not exist.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def within_years(form, field) -> None:
    if field.data and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_l("Enter a date between the years 2000 and 2100."))


class QueueForm(PortalForm):
    """A queue's filters; subclasses give ``sort`` its choices (the first is the default)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        validators=[
            Optional(),
            Length(
                min=SEARCH_MIN,
                max=SEARCH_MAX,
                message=_l("Enter from 2 to 100 characters to search."),
            ),
        ],
    )
    date_from = PortalDateField(_l("From"), validators=[Optional(), within_years])
    date_to = PortalDateField(_l("To"), validators=[Optional(), within_years])
    sort = SelectField(_l("Sort by"), validators=[Optional()])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must be the same as or after the start date."))

    @classmethod
    def from_request(cls) -> "QueueForm":
        form = cls(request.args)
        form.load_choices()
        form.validate()
        return form

    def load_choices(self) -> None:
        """Choices that come from the database (bureaus, inspectors) are set here."""

    def value(self, name: str, default=None):
        """A filter's value, or ``default`` when it is empty or was refused."""
        field = self[name]
        if field.errors or field.data in (None, ""):
            return default
        return field.data.strip() if isinstance(field.data, str) else field.data

    @property
    def search(self) -> str:
        return self.value("q", "")

    @property
    def sort_key(self) -> str:
        return self.value("sort", self.sort.choices[0].value)

    @property
    def rendered_key(self) -> tuple | None:
        """What the rendered form depends on, when that is one of a few values: the
        language and each list's choices and choice; None when something typed or refused
        is in it. The filter form was a fifth to a quarter of a queue page (issue 17), and
        most requests show it with its lists alone set, so templates cache it by this key."""
        if self.errors:
            return None
        key: list = [str(get_locale())]
        for field in self:
            if isinstance(field, SelectField):
                key.append((field.data, tuple((c.value, c.label) for c in field.choices)))
            elif any(field.raw_data or ()):
                return None
        return tuple(key)

    @property
    def is_filtered(self) -> bool:
        return any(name != "sort" for name in self.link_args())

    def link_args(self) -> dict[str, str]:
        """The filters in force, for the page links (refused ones are dropped)."""
        args = {}
        for field in self:
            value = self.value(field.name)
            if value is None:
                continue
            args[field.name] = value.isoformat() if isinstance(value, date) else str(value)
        return args


def page_of(query: Select, order: SortOrder) -> KeysetPage:
    """The page of ``query`` the request's cursor asks for (a bad cursor: the first page)."""
    return keyset_page(
        query,
        order,
        after=request.args.get("after"),
        before=request.args.get("before"),
        per_page=current_app.config["PAGE_SIZE"],
    )


def local_day_start(day: date) -> datetime:
    """The UTC instant the department's ``day`` begins."""
    zone = ZoneInfo(current_app.config["PORTAL_TIMEZONE"])
    return datetime.combine(day, time.min, zone).astimezone(UTC)


def within_days(column, date_from: date | None, date_to: date | None) -> list[ColumnElement]:
    """Conditions keeping a UTC timestamp column within the local days from..to, inclusive."""
    conditions = []
    if date_from:
        conditions.append(column >= local_day_start(date_from))
    if date_to:
        conditions.append(column < local_day_start(date_to + timedelta(days=1)))
    return conditions


def any_of(id_column, *queries: Select) -> ColumnElement[bool]:
    """Rows whose id one of ``queries`` selects: each query one index lookup.

    A search spans several tables (permit, account, record numbers); one OR across them
    would make the database read every row of the queue to test it.
    """
    return id_column.in_(union(*queries))


# Offset-paged lists (short ones: staff accounts, holidays, an owner's permits) stop here,
# so a hand-typed page number cannot overflow the database's OFFSET.
MAX_PAGE = 10_000


def page_number() -> int:
    """The ``page`` the request asks for, within 1..MAX_PAGE (anything else: page 1)."""
    page = request.args.get("page", 1, type=int)
    return page if 1 <= page <= MAX_PAGE else 1
