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

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from portal.access import staff
from portal.admin.routes import bp
from portal.applications.models import CofOApplication
from portal.auth.models import User
from portal.certificates.models import Certificate
from portal.extensions import db
from portal.forms import PortalForm
from portal.permits.models import Permit
from portal.search import normalise, number_prefixes, prefix, text_search_ids

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


def _first(query, order) -> list:
    return list(db.session.scalars(query.order_by(*order).limit(PER_KIND + 1)).unique())


def _merged(*found_lists: list) -> Found:
    """Rows from several prefix lookups of one kind, each once, in the order found."""
    seen, items = set(), []
    more = any(len(found) > PER_KIND for found in found_lists)
    for found in found_lists:
        for item in found[:PER_KIND]:
            if item.id not in seen:
                seen.add(item.id)
                items.append(item)
    return Found(items[:PER_KIND], more or len(items) > PER_KIND)


def _text_found(model, kind: str, text: str, *, in_numbers: bool = True) -> list:
    ids = text_search_ids(kind, text, PER_KIND + 1, in_numbers=in_numbers)
    if ids is None:
        return []
    return _first(select(model).where(model.id.in_(ids)), [model.id])


def find(text: str) -> SearchResults:
    key = normalise(text)
    email = text.strip().lower()
    by_number = _first(
        select(Permit).where(number_prefixes(Permit.permit_num, text)), [Permit.permit_num]
    )
    by_address = (
        _first(
            select(Permit).where(prefix(Permit.address_key, key)),
            [Permit.address_key, Permit.id],
        )
        if key
        else []
    )
    applications = _first(
        select(CofOApplication).where(number_prefixes(CofOApplication.confirmation_number, text)),
        [CofOApplication.confirmation_number],
    )
    certificates = _first(
        select(Certificate).where(number_prefixes(Certificate.number, text)),
        [Certificate.number],
    )
    by_name = (
        _first(select(User).where(prefix(User.name_key, key)), [User.name_key, User.id])
        if key
        else []
    )
    by_email = _first(select(User).where(prefix(User.email, email)), [User.email])
    return SearchResults(
        permits=_merged(
            by_number,
            by_address,
            _text_found(Permit, "permits", text, in_numbers=not by_number),
        ),
        applications=_merged(applications),
        certificates=_merged(certificates),
        people=_merged(by_name, by_email, _text_found(User, "people", text)),
    )


def exact_record_url(text: str, results: SearchResults) -> str | None:
    """Where to go when the search found one record and the text is its whole number."""
    found = [
        *results.permits.items,
        *results.applications.items,
        *results.certificates.items,
        *results.people.items,
    ]
    if len(found) != 1:
        return None
    typed = text.strip().upper()
    [record] = found
    if isinstance(record, Permit) and record.permit_num.upper() == typed:
        return url_for("admin.permit_record", permit_id=record.id)
    if isinstance(record, CofOApplication) and record.confirmation_number == typed:
        return url_for("admin.permit_record", permit_id=record.permit_id, _anchor="application")
    if isinstance(record, Certificate) and record.number == typed:
        return url_for("admin.permit_record", permit_id=record.permit_id, _anchor="certificates")
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
