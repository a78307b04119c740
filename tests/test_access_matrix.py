"""The access matrix: every route, requested as every kind of actor, behaves as its rule says.

tests/test_access.py checks that each route declares a rule; this file checks that the
rule holds. Each route's expected outcome comes from its declared rule (view.access_rule)
and, for permit routes, from PERMIT_RULES below, which says which parties the department
means to let in. A route this file cannot fill or does not know fails the test.
"""

from urllib.parse import urlsplit

import pytest
from werkzeug.routing import Map, Rule

from portal.access import ACCESS_ATTR
from portal.applications.models import ApplicationStatus
from portal.audit import AuditEvent
from portal.extensions import db
from tests.factories import sign_in_as
from tests.factories.world import ACTORS, PARTY_ACTORS, build_world
from tests.support.pages import check_page
from tests.support.post_forms import post_form
from tests.support.routes import FOREIGN_PARAMETERS, UnfillableRoute, build_url, routes
from tests.support.snapshot import changes, snapshot

STAFF_ACTORS = ("staff", "admin")
EVERY_PARTY = frozenset(PARTY_ACTORS)
EDITORS = frozenset({"owner", "agent"})
OWNER = frozenset({"owner"})
# world.inspection_request was made by the agent: the owner and agents answer for the
# permit, while a contractor may change only the requests they made themselves.
REQUEST_CHANGERS = frozenset({"owner", "agent"})

# For each permit_party route: the parties who may use it, and whether staff may.
PERMIT_RULES: dict[str, tuple[frozenset[str], bool]] = {
    "applications.add_me": (EDITORS, False),
    "applications.attestations": (EDITORS, False),
    "applications.building": (EDITORS, False),
    "applications.check_answers": (EDITORS, False),
    "applications.confirmation": (EVERY_PARTY, True),
    "applications.contacts": (EDITORS, False),
    "applications.documents": (EDITORS, False),
    "applications.download_document": (EVERY_PARTY, True),
    "applications.edit_contact": (EDITORS, False),
    "applications.overview": (EVERY_PARTY, True),
    "applications.remove_contact": (EDITORS, False),
    "applications.remove_document": (EDITORS, False),
    "applications.start": (EDITORS, False),
    "applications.submit": (EDITORS, False),
    # The owner and agents download the certificate and book its pickup; staff run the counter.
    "certificates.book": (EDITORS, False),
    "certificates.cancel_pickup": (EDITORS, False),
    "certificates.certificate": (EDITORS, True),
    "certificates.download": (EDITORS, True),
    "certificates.download_certificate": (EDITORS, True),
    "certificates.request_occupancy": (EDITORS, False),
    "certificates.request_extension": (EDITORS, False),
    "certificates.request_optional": (EDITORS, False),
    "certificates.reschedule": (EDITORS, False),
    "certificates.pickup_calendar": (EDITORS, True),
    "inspections.calendar_file": (EVERY_PARTY, True),
    "inspections.cancel": (REQUEST_CHANGERS, True),
    "inspections.checklist": (EVERY_PARTY, True),
    "inspections.detail": (EVERY_PARTY, True),
    "inspections.photo": (EVERY_PARTY, True),
    "inspections.request_inspection": (EVERY_PARTY, True),
    "inspections.reschedule": (REQUEST_CHANGERS, True),
    "payments.cancelled": (EVERY_PARTY, True),
    "payments.fees": (EVERY_PARTY, True),
    # Staff take payments at the counter, not online on the payer's behalf.
    "payments.pay": (EVERY_PARTY, False),
    "payments.payment": (EVERY_PARTY, True),
    "payments.receipt": (EVERY_PARTY, True),
    "payments.test_checkout": (EVERY_PARTY, False),
    "permits.invite": (OWNER, False),
    "permits.permit": (EVERY_PARTY, True),
    "permits.remove_party": (OWNER, True),
    "permits.revoke_invitation": (OWNER, True),
    "permits.timeline": (EVERY_PARTY, True),
}

# Application pages that send the applicant back once the application is no longer editable.
EDITING_PAGES = {
    "applications.attestations",
    "applications.building",
    "applications.contacts",
    "applications.documents",
    "applications.edit_contact",
}
# Non-HTML answers, checked by content type instead of the page checker.
NOT_HTML = {
    "applications.download_document": "application/pdf",
    "certificates.download": "application/pdf",
    "certificates.download_certificate": "application/pdf",
    "certificates.request_document": "application/pdf",
    "certificates.staff_download": "application/pdf",
    "inspections.calendar_file": "text/calendar",
    "certificates.pickup_calendar": "text/calendar",
    "inspections.photo": "image/png",
    "main.healthz": "application/json",
    "payments.receipt": "application/pdf",
    "permits.export_download": "text/csv",
    "settings.seal_image": "image/svg+xml",  # the placeholder, as no admin uploaded a seal
}


def rule_of(app, endpoint: str) -> str:
    rule = getattr(app.view_functions[endpoint], ACCESS_ATTR, None)
    assert rule is not None, f"{endpoint} declares no access rule"
    return rule


def allowed(app, endpoint: str, actor: str) -> bool:
    """Whether the actor may use the route, by its declared rule."""
    rule = rule_of(app, endpoint)
    if rule == "public":
        return True
    if actor == "anonymous":
        return False
    if rule == "signed_in":
        return True
    if rule == "staff":
        return actor in STAFF_ACTORS
    if rule == "admin":
        return actor == "admin"
    if rule == "permit_party":
        assert endpoint in PERMIT_RULES, (
            f"{endpoint} is a permit_party route: say in PERMIT_RULES who may use it"
        )
        parties, staff_allowed = PERMIT_RULES[endpoint]
        return actor in parties or (actor in STAFF_ACTORS and staff_allowed)
    raise AssertionError(f"{endpoint} has an access rule the matrix does not know: {rule!r}")


def normal_redirect(endpoint: str, actor: str, world) -> str | None:
    """Where a permitted GET sends this actor instead of answering 200, or None."""
    signed_in = actor != "anonymous"
    is_staff = actor in STAFF_ACTORS
    permit_id = world.permit.id
    if endpoint == "main.index" and signed_in:
        return "/staff/" if is_staff else "/permits/"
    if endpoint in ("auth.sign_in", "auth.register") and signed_in:
        return "/"
    if endpoint == "permits.home" and is_staff:
        return "/staff/"
    # The old export download links lead to the exports page, where an export is made.
    if endpoint in ("permits.export_csv", "inspections.export_csv") and is_staff:
        return "/staff/exports"
    if not world.application.is_editable:
        if endpoint in EDITING_PAGES:
            return f"/permits/{permit_id}/application"
        if endpoint == "applications.check_answers":
            return f"/permits/{permit_id}/application/confirmation"
    return None


def location_path(response) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def check_refused(response, actor: str) -> str | None:
    """A refusal: sign-in for the anonymous, a 404 page for everyone else."""
    if actor == "anonymous":
        if response.status_code != 302 or location_path(response) != "/account/sign-in":
            got = f"{response.status_code} {location_path(response)}"
            return f"expected a redirect to sign in, got {got}"
        return None
    if response.status_code != 404:
        return f"expected 404, got {response.status_code} {location_path(response)}"
    check_page(response.data)
    return None


def check_permitted(response, endpoint: str, actor: str, world) -> str | None:
    redirect = normal_redirect(endpoint, actor, world)
    if redirect is not None:
        if response.status_code != 302 or location_path(response) != redirect:
            return (
                f"expected its redirect to {redirect}, "
                f"got {response.status_code} {location_path(response)}"
            )
        return None
    if response.status_code != 200:
        return f"expected 200, got {response.status_code} {location_path(response)}"
    expected_type = NOT_HTML.get(endpoint, "text/html")
    if response.mimetype != expected_type:
        return f"expected {expected_type} (see NOT_HTML), got {response.mimetype}"
    if expected_type == "text/html":
        check_page(response.data)
    return None


def client_for(app, world, actor: str):
    client = app.test_client()
    user = world.user(actor)
    if user is not None:
        sign_in_as(client, user)
    return client


def audit_count() -> int:
    db.session.rollback()
    return db.session.query(AuditEvent).count()


@pytest.fixture(params=[ApplicationStatus.SUBMITTED, ApplicationStatus.INFORMATION_REQUESTED])
def world(request, app):
    # Submitted: the applicant's pages are read-only. Information requested: they are open.
    return build_world(request.param)


@pytest.mark.parametrize("actor", ACTORS)
def test_every_get_route_answers_each_actor_as_its_rule_says(app, world, actor):
    client = client_for(app, world, actor)
    problems = []
    for rule in routes(app, "GET"):
        try:
            url = build_url(rule, world)
            response = client.get(url)
            if allowed(app, rule.endpoint, actor):
                problem = check_permitted(response, rule.endpoint, actor, world)
            else:
                problem = check_refused(response, actor)
        except AssertionError as error:
            problem = str(error)
        if problem:
            problems.append(f"GET {rule.rule} ({rule.endpoint}) as {actor}: {problem}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("actor", ACTORS)
def test_post_routes_refuse_actors_their_rule_excludes_and_change_nothing(app, world, actor):
    client = client_for(app, world, actor)
    problems = []
    tried = 0
    # What the last post left: nothing writes between two posts (building a URL and a
    # form reads the world), so it is the next post's "before" (one snapshot a post).
    after = None
    for rule in routes(app, "POST"):
        where = f"POST {rule.rule} ({rule.endpoint}) as {actor}"
        try:
            if allowed(app, rule.endpoint, actor):
                continue
            url = build_url(rule, world)
            data = post_form(rule.endpoint, world, client)
            before = snapshot() if after is None else after
            after = None
            audits = audit_count()
            response = client.post(url, data=data)
            tried += 1
            problem = check_refused(response, actor)
        except AssertionError as error:
            problems.append(f"{where}: {error}")
            continue
        if problem:
            problems.append(f"{where}: {problem}")
        if audit_count() != audits:
            problems.append(f"{where} wrote to the audit log")
        after = snapshot()
        diff = changes(before, after)
        if diff:
            problems.append(f"{where} changed {diff}")
    assert not problems, "\n".join(problems)
    # Every actor is refused somewhere; a matrix that tried nothing would prove nothing.
    assert tried > 0


def refused_as_not_here(client, response, world) -> bool:
    """A 404, or (for the buttons on the permit page) back to the permit with an error."""
    if response.status_code == 404:
        return True
    if response.status_code != 302 or location_path(response) != f"/permits/{world.permit.id}":
        return False
    page = client.get(response.headers["Location"])
    check_page(page.data)
    return b'role="alert"' in page.data


def test_ids_of_another_permits_records_are_refused_through_ones_own_permit(app, world):
    """An owner who puts another permit's document, contact, party, invitation, inspection
    or photo id in a URL of their own permit is refused (a 404, or an error message) and
    changes nothing."""
    owner = client_for(app, world, "owner")
    tried = []
    problems = []
    # As in the test above: what one request left is the next one's "before".
    after = None
    for method in ("GET", "POST"):
        for rule in routes(app, method):
            foreign = {
                n: FOREIGN_PARAMETERS[n](world) for n in rule.arguments if n in FOREIGN_PARAMETERS
            }
            if not foreign or not allowed(app, rule.endpoint, "owner"):
                continue
            url = build_url(rule, world, foreign)
            before = snapshot() if after is None else after
            if method == "GET":
                response = owner.get(url)
            else:
                response = owner.post(url, data=post_form(rule.endpoint, world, owner))
            tried.append(rule.endpoint)
            if not refused_as_not_here(owner, response, world):
                problems.append(f"{method} {url} ({rule.endpoint}): {response.status_code}")
            after = snapshot()
            diff = changes(before, after)
            if diff:
                problems.append(f"{method} {url} ({rule.endpoint}) changed {diff}")
    assert not problems, "\n".join(problems)
    assert {
        "applications.download_document",
        "permits.remove_party",
        "inspections.detail",
        "inspections.cancel",
        "inspections.reschedule",
        "inspections.photo",
    } <= set(tried)


def test_a_route_with_an_unknown_url_parameter_fails_the_matrix(app, world):
    """No silent skipping: a route the world cannot fill is an error, not a pass."""
    rule = Rule("/permits/<int:permit_id>/widgets/<int:widget_id>", endpoint="permits.widget")
    rule.bind(Map())
    with pytest.raises(UnfillableRoute, match="widget_id"):
        build_url(rule, world)
    token_rule = Rule("/links/<token>", endpoint="links.follow")
    token_rule.bind(Map())
    with pytest.raises(UnfillableRoute, match="TOKENS"):
        build_url(token_rule, world)


def test_the_permit_rules_table_names_only_real_permit_routes(app):
    declared = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, ACCESS_ATTR, None) == "permit_party"
    }
    assert set(PERMIT_RULES) == declared
