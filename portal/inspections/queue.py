"""The staff's inspection queue: requests to schedule, visits to record, and the rest.

Requests walk (status, preferred_date_1, id), visits (status, scheduled_date, id) and
"newest request" (status, requested_at, id): the same index range on every page.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from portal.auth.models import User
from portal.forms import PortalDateField, TranslatedChoices
from portal.inspections import catalogue
from portal.inspections.models import InspectionRequest, InspectionStatus, InspectionType
from portal.keyset import KeysetPage, SortOrder
from portal.permits.models import Permit
from portal.queues import QueueForm, any_of, page_of, within_years
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


def inspection_queue(form: InspectionQueueForm) -> KeysetPage:
    """One page of requests in one status, with their permit, type and inspector."""
    status = form.status_value
    # A visit (scheduled, or with its result) goes by its date; a request not yet given one
    # (waiting, or cancelled, perhaps before scheduling) by the first date the requester chose.
    day = (
        InspectionRequest.preferred_date_1
        if status in (IS.REQUESTED, IS.CANCELLED)
        else InspectionRequest.scheduled_date
    )
    query = (
        select(InspectionRequest)
        .join(InspectionRequest.inspection_type)
        .join(InspectionRequest.permit)
        .where(InspectionRequest.status == status, day.is_not(None))
        .options(
            contains_eager(InspectionRequest.inspection_type),
            contains_eager(InspectionRequest.permit),
            joinedload(InspectionRequest.inspector),
        )
    )
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
    return page_of(query, _order(form.sort_key, day))
