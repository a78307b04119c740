"""Global search for staff: one box that finds permits, applications, certificates and people.

Each kind is looked up by prefix on an indexed column (portal/search.py), and permits and
people also by the databases' trigram text search (a street alone, an address however its
direction and suffix are spelt, the printed address with its unit, a piece of a permit number,
a surname, an email address in any case). Every lookup reads at most PER_KIND + 1 rows, so a
search costs a handful of short index scans however many records there are, and nothing is
counted. Exact and prefix matches come first, then the text search's. A query that names
exactly one record by its full number goes straight to that record.
"""

from dataclasses import dataclass, field
from functools import cache

from flask import redirect, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, Select, or_, select
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from portal.access import staff
from portal.admin.routes import bp
from portal.applications.models import ApplicationStatus, CofOApplication
from portal.auth.models import Role, User
from portal.certificates.models import Certificate
from portal.extensions import db
from portal.forms import PortalForm
from portal.permits.models import Permit, PermitStatus, printed_address
from portal.routing import url_template
from portal.search import (
    bound_prefix,
    normalise,
    number_spellings,
    prefix_values,
    text_search_ids,
)

PER_KIND = 10
MIN_LENGTH = 2
MAX_LENGTH = 100


class SearchForm(PortalForm):
    """A search: read from the query string, nothing to protect with a CSRF token."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        description=_l(
            "A permit number or part of one, an address or a street, the start of a "
            "confirmation or certificate number, a name or an email address."
        ),
        filters=[lambda value: " ".join(value.split()) if isinstance(value, str) else value],
        validators=[
            InputRequired(message=_l("Enter at least 2 characters to search.")),
            Length(
                min=MIN_LENGTH,
                max=MAX_LENGTH,
                message=_l("Enter between 2 and 100 characters to search."),
            ),
        ],
    )


@dataclass
class Found:
    """Up to PER_KIND records of one kind; ``more`` when others match too."""

    items: list = field(default_factory=list)
    more: bool = False


@dataclass
class SearchResults:
    permits: Found
    applications: Found
    certificates: Found
    people: Found

    @property
    def empty(self) -> bool:
        return not (
            self.permits.items
            or self.applications.items
            or self.certificates.items
            or self.people.items
        )


# ---- the rows shown: columns, never ORM entities; labels and links made once per page -----


@dataclass(frozen=True, slots=True)
class PermitRow:
    id: int
    permit_num: str
    url: str
    address: str
    status_label: str


@dataclass(frozen=True, slots=True)
class ApplicationRow:
    id: int
    confirmation_number: str
    url: str
    permit_num: str
    address: str
    status_label: str


@dataclass(frozen=True, slots=True)
class CertificateRow:
    id: int
    number: str
    url: str
    permit_num: str
    address: str
    revoked: bool


@dataclass(frozen=True, slots=True)
class PersonRow:
    id: int
    name: str
    email: str
    url: str
    role_label: str


_ADDRESS = (
    Permit.original_address1,
    Permit.original_address2,
    Permit.original_city,
    Permit.original_state,
    Permit.original_zip,
)
_PERMIT_COLUMNS = (Permit.id, Permit.permit_num, Permit.status_current, *_ADDRESS)
_APPLICATION_COLUMNS = (
    CofOApplication.id,
    CofOApplication.confirmation_number,
    CofOApplication.permit_id,
    CofOApplication.status,
    Permit.permit_num,
    *_ADDRESS,
)
_CERTIFICATE_COLUMNS = (
    Certificate.id,
    Certificate.number,
    Certificate.permit_id,
    Certificate.revoked_at,
    Permit.permit_num,
    *_ADDRESS,
)
_PERSON_COLUMNS = (User.id, User.name, User.email, User.role)


def _first(query, order) -> list[Row]:
    return list(db.session.execute(query.order_by(*order).limit(PER_KIND + 1)))


# Each prefix lookup is a statement built once per shape and run with the typed text as
# parameters: building it again on every search cost more than running it.
_NUMBERED = {
    "permits": (_PERMIT_COLUMNS, Permit.permit_num, None),
    "applications": (
        _APPLICATION_COLUMNS,
        CofOApplication.confirmation_number,
        CofOApplication.permit,
    ),
    "certificates": (_CERTIFICATE_COLUMNS, Certificate.number, Certificate.permit),
}
_KEYED = {
    "address": (_PERMIT_COLUMNS, Permit.address_key, Permit.id),
    "name": (_PERSON_COLUMNS, User.name_key, User.id),
    "email": (_PERSON_COLUMNS, User.email, None),
}


@cache
def _by_number(kind: str, spellings: int) -> Select:
    """Records of a kind whose number starts with one of ``spellings`` typed forms."""
    columns, number, permit = _NUMBERED[kind]
    query = select(*columns) if permit is None else select(*columns).join(permit)
    starts = [bound_prefix(number, f"number{index}") for index in range(spellings)]
    return query.where(or_(*starts)).order_by(number).limit(PER_KIND + 1)


@cache
def _by_key(kind: str) -> Select:
    columns, key, then = _KEYED[kind]
    order = [key] if then is None else [key, then]
    return select(*columns).where(bound_prefix(key, "key")).order_by(*order).limit(PER_KIND + 1)


def _numbered(kind: str, text: str) -> list[Row]:
    spellings = number_spellings(text)
    if not spellings:
        return []
    values: dict[str, str] = {}
    for index, spelling in enumerate(spellings):
        values.update(prefix_values(f"number{index}", spelling))
    return list(db.session.execute(_by_number(kind, len(spellings)), values))


def _keyed(kind: str, key: str) -> list[Row]:
    if not key:
        return []
    return list(db.session.execute(_by_key(kind), prefix_values("key", key)))


def _merged(*found_lists: list[Row]) -> Found:
    """Rows from several lookups of one kind, each once, in the order found."""
    seen, items = set(), []
    more = any(len(found) > PER_KIND for found in found_lists)
    for found in found_lists:
        for item in found[:PER_KIND]:
            if item.id not in seen:
                seen.add(item.id)
                items.append(item)
    return Found(items[:PER_KIND], more or len(items) > PER_KIND)


def _text_found(columns, model, kind: str, text: str, *, in_numbers: bool = True) -> list[Row]:
    ids = text_search_ids(kind, text, PER_KIND + 1, in_numbers=in_numbers)
    if ids is None:
        return []
    return _first(select(*columns).where(model.id.in_(ids)), [model.id])


def _shown(results: SearchResults) -> SearchResults:
    """The rows as the page shows them."""
    record = url_template("admin.permit_record", "permit_id")
    application = url_template("admin.permit_record", "permit_id", _anchor="application")
    certificate = url_template("admin.permit_record", "permit_id", _anchor="certificates")
    person = url_template("admin.person", "user_id")
    permit_statuses = PermitStatus.labels()
    application_statuses = ApplicationStatus.labels()
    roles = Role.labels()
    results.permits.items = [
        PermitRow(
            id=row.id,
            permit_num=row.permit_num,
            url=record.format(permit_id=row.id),
            address=printed_address(row),
            status_label=permit_statuses[row.status_current],
        )
        for row in results.permits.items
    ]
    results.applications.items = [
        ApplicationRow(
            id=row.id,
            confirmation_number=row.confirmation_number,
            url=application.format(permit_id=row.permit_id),
            permit_num=row.permit_num,
            address=printed_address(row),
            status_label=application_statuses[row.status],
        )
        for row in results.applications.items
    ]
    results.certificates.items = [
        CertificateRow(
            id=row.id,
            number=row.number,
            url=certificate.format(permit_id=row.permit_id),
            permit_num=row.permit_num,
            address=printed_address(row),
            revoked=row.revoked_at is not None,
        )
        for row in results.certificates.items
    ]
    results.people.items = [
        PersonRow(
            id=row.id,
            name=row.name,
            email=row.email,
            url=person.format(user_id=row.id),
            role_label=roles[row.role],
        )
        for row in results.people.items
    ]
    return results


def find(text: str) -> SearchResults:
    key = normalise(text)
    by_number = _numbered("permits", text)
    return _shown(
        SearchResults(
            permits=_merged(
                by_number,
                _keyed("address", key),
                _text_found(_PERMIT_COLUMNS, Permit, "permits", text, in_numbers=not by_number),
            ),
            applications=_merged(_numbered("applications", text)),
            certificates=_merged(_numbered("certificates", text)),
            people=_merged(
                _keyed("name", key),
                _keyed("email", text.strip().lower()),
                _text_found(_PERSON_COLUMNS, User, "people", text),
            ),
        )
    )


def exact_record_url(text: str, results: SearchResults) -> str | None:
    """Where to go when the search found one record and the text is its whole number."""
    kinds = (results.permits, results.applications, results.certificates, results.people)
    if sum(len(found.items) for found in kinds) != 1:
        return None
    typed = text.strip().upper()
    if results.permits.items and results.permits.items[0].permit_num.upper() == typed:
        return results.permits.items[0].url
    for found, number in (
        (results.applications, "confirmation_number"),
        (results.certificates, "number"),
    ):
        if found.items and getattr(found.items[0], number) == typed:
            return found.items[0].url
    return None


@bp.get("/search")
@staff
def search():
    form = SearchForm(request.args)
    results = None
    # Opening the page without a query shows the box, not an error.
    if "q" in request.args and form.validate():
        results = find(form.q.data)
        target = exact_record_url(form.q.data, results)
        if target is not None:
            return redirect(target)
    return render_template("admin/search.html", form=form, results=results)
