"""The staff's inspection queue: requests to schedule, visits to record, and the rest.

Requests walk (status, preferred_date_1, id), visits (status, scheduled_date, id) and
"newest request" (status, requested_at, id): the same index range on every page.
"""

from dataclasses import dataclass
from datetime import date
from functools import cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute, aliased
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from portal.auth.models import User
from portal.forms import PortalDateField, TranslatedChoices
from portal.inspections import catalogue
from portal.inspections.models import (
    WINDOW_PHRASES,
    InspectionRequest,
    InspectionResult,
    InspectionStatus,
    InspectionType,
)
from portal.keyset import KeysetPage, SortOrder
from portal.permits.models import Permit, printed_address
from portal.queues import QueueForm, any_of, page_of, within_years
from portal.routing import url_template
from portal.search import permit_matches, person_matches

IS = InspectionStatus
STATUS_CHOICES = TranslatedChoices(
    [
        SelectChoice(IS.REQUESTED.value, _l("To schedule (requested)")),
        SelectChoice(IS.SCHEDULED.value, _l("To record results (scheduled)")),
    ]
    + [
        SelectChoice(status.value, status.label)
        for status in InspectionStatus
        if status not in (IS.REQUESTED, IS.SCHEDULED)
    ]
)
SORTS = {
    "date": _l("Preferred or scheduled date"),
    "permit": _l("Permit number"),
    "newest": _l("Newest request first"),
}
SORT_CHOICES = TranslatedChoices(SelectChoice(key, label) for key, label in SORTS.items())


class InspectionQueueForm(QueueForm):
    status = SelectField(_l("Show"), choices=STATUS_CHOICES.choices, validators=[Optional()])
    bureau = SelectField(_l("Bureau"), validators=[Optional()])
    # Text, not a list of every staff account: a department has hundreds of them.
    inspector = StringField(
        _l("Inspector"),
        description=_l("The start of the inspector's name or email address."),
        validators=[
            Optional(),
            Length(min=2, max=100, message=_l("Enter from 2 to 100 characters to search.")),
        ],
    )
    date_from = PortalDateField(
        _l("From"),
        description=_l("A request's first preferred date, or the date of a scheduled visit."),
        validators=[Optional(), within_years],
    )
    date_to = PortalDateField(_l("To"), validators=[Optional(), within_years])
    sort = SelectField(_l("Sort by"), choices=SORT_CHOICES.choices, validators=[Optional()])

    def load_choices(self) -> None:
        self.status.choices = STATUS_CHOICES()
        self.sort.choices = SORT_CHOICES()
        self.bureau.choices = [SelectChoice("", _("All bureaus"))] + [
            SelectChoice(name, name) for name in catalogue.bureaus()
        ]

    @property
    def status_value(self) -> InspectionStatus:
        return InspectionStatus(self.value("status", IS.REQUESTED.value))


def _order(sort: str, day) -> SortOrder:
    if sort == "permit":
        return SortOrder("permit", SORTS[sort], (Permit.permit_num, InspectionRequest.id))
    if sort == "newest":
        columns = (InspectionRequest.requested_at, InspectionRequest.id)
        return SortOrder("newest", SORTS[sort], columns, descending=True)
    return SortOrder(f"date:{day.key}", SORTS[sort], (day, InspectionRequest.id))


def search_condition(text: str):
    """The permit's number or address, or the name or email of who asked for the visit."""
    return any_of(
        InspectionRequest.id,
        select(InspectionRequest.id).join(InspectionRequest.permit).where(permit_matches(text)),
        select(InspectionRequest.id)
        .join(User, User.id == InspectionRequest.requested_by_id)
        .where(person_matches(text)),
    )


# The inspector, joined beside the request's own user filters and searches (which read
# the users table in subqueries of their own).
Inspector = aliased(User)
_COLUMNS = (
    InspectionRequest.id,
    InspectionRequest.permit_id,
    InspectionRequest.reinspection,
    InspectionRequest.preferred_date_1,
    InspectionRequest.preferred_date_2,
    InspectionRequest.preferred_date_3,
    InspectionRequest.window,
    InspectionRequest.scheduled_date,
    InspectionRequest.scheduled_window,
    InspectionRequest.result,
    Permit.permit_num,
    Permit.original_address1,
    Permit.original_address2,
    Permit.original_city,
    Permit.original_state,
    Permit.original_zip,
    InspectionType.name.label("inspection"),
    InspectionType.bureau,
    Inspector.name.label("inspector"),
)


# The link each row's last column gives, by the status shown.
ACTIONS = {IS.REQUESTED: "inspections.schedule", IS.SCHEDULED: "inspections.result"}


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One request of the page, ready to show (text translated, links built)."""

    id: int
    permit_num: str
    permit_url: str
    reinspection: bool
    address: str
    inspection: str
    detail_url: str
    bureau: str
    # A visit's day, window and inspector; or a request's preferred days and window.
    scheduled_date: date | None
    preferred_dates: list[date]
    window: str
    inspector: str | None
    # Schedule (requested) or Record the result (scheduled); else the result's label.
    action_url: str | None
    result_label: str


@cache
def _in_status(status: InspectionStatus) -> tuple[Select, InstrumentedAttribute[date | None]]:
    """The queue's columns of the requests in `status`, and the day they go by: built once
    per status (each request's filters are added to it)."""
    # A visit (scheduled, or with its result) goes by its date; a request not yet given one
    # (waiting, or cancelled, perhaps before scheduling) by the first date the requester chose.
    day = (
        InspectionRequest.preferred_date_1
        if status in (IS.REQUESTED, IS.CANCELLED)
        else InspectionRequest.scheduled_date
    )
    query = (
        select(*_COLUMNS)
        .join(InspectionRequest.inspection_type)
        .join(InspectionRequest.permit)
        .outerjoin(Inspector, Inspector.id == InspectionRequest.inspector_id)
        .where(InspectionRequest.status == status, day.is_not(None))
    )
    return query, day


def inspection_queue(form: InspectionQueueForm) -> KeysetPage:
    """One page of requests in one status, as QueueRows: columns, never ORM entities
    (issue 17: loading the entities was a fifth of the page)."""
    status = form.status_value
    query, day = _in_status(status)
    if bureau := form.value("bureau"):
        query = query.where(InspectionType.bureau == bureau)
    if inspector := form.value("inspector"):
        query = query.where(
            InspectionRequest.inspector_id.in_(select(User.id).where(person_matches(inspector)))
        )
    if date_from := form.value("date_from"):
        query = query.where(day >= date_from)
    if date_to := form.value("date_to"):
        query = query.where(day <= date_to)
    if form.search:
        query = query.where(search_condition(form.search))
    page = page_of(query, _order(form.sort_key, day))
    page.items = _shown(page.items, status)
    return page


def _shown(rows, status: InspectionStatus) -> list[QueueRow]:
    """The rows as the page shows them: each label translated once a page, each link
    filled into a template built once (a URL built per row cost 9 µs, three a row)."""
    phrases = {window: str(phrase) for window, phrase in WINDOW_PHRASES.items()}
    statuses, results = InspectionStatus.labels(), InspectionResult.labels()
    permit_url = url_template("admin.permit_record", "permit_id")
    detail_url = url_template("inspections.detail", "permit_id", "request_id")
    action = ACTIONS.get(status)
    action_url = url_template(action, "request_id") if action else None
    shown = []
    for row in rows:
        scheduled = row.scheduled_date is not None and row.scheduled_window is not None
        shown.append(
            QueueRow(
                id=row.id,
                permit_num=row.permit_num,
                permit_url=permit_url.format(permit_id=row.permit_id),
                reinspection=row.reinspection,
                address=printed_address(row),
                inspection=row.inspection,
                detail_url=detail_url.format(permit_id=row.permit_id, request_id=row.id),
                bureau=row.bureau,
                scheduled_date=row.scheduled_date if scheduled else None,
                preferred_dates=[
                    d
                    for d in (row.preferred_date_1, row.preferred_date_2, row.preferred_date_3)
                    if d is not None
                ],
                window=phrases[row.scheduled_window if scheduled else row.window],
                inspector=row.inspector,
                action_url=action_url.format(request_id=row.id) if action_url else None,
                result_label=results[row.result] if row.result else statuses[status],
            )
        )
    return shown
