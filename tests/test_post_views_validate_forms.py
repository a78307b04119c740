"""Every POST view validates its form (and so its CSRF token) before it changes anything.

The app turns Flask-WTF's global CSRF check off (WTF_CSRF_CHECK_DEFAULT=False) so that a
stale form comes back with what was typed; each view's PortalForm.validate_on_submit()
checks the token instead. This test is what proves no view acts before validating: each
POST route, as a user allowed to use it, with fields that would make it act, is sent a
wrong, an empty and another session's token, and must change nothing; the same post with
the right token must change something, so the fields really were enough to act on.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from werkzeug.datastructures import FileStorage

from portal.applications.models import ApplicationStatus
from portal.extensions import db
from portal.forms import STALE_FORM_MESSAGE
from portal.models import utcnow
from portal.settings import seal
from tests.factories import sign_in_as
from tests.factories.world import (
    World,
    before_work_without_requests,
    bookable,
    build_world,
    inspections_passed,
    issuable,
    no_open_requests,
    pickup_started,
    work_not_begun,
)
from tests.support.files import real_png
from tests.support.jobs import a_failed_job
from tests.support.pages import check_page
from tests.support.post_forms import post_form
from tests.support.routes import build_url, routes
from tests.support.snapshot import changes, snapshot

# Routes that may take a POST without a form's CSRF token because something else proves the
# sender: Stripe's webhook, verified by its Stripe-Signature (tests/payments/test_fulfilment.py).
CSRF_EXEMPT: set[str] = {"payments.stripe_webhook"}

SESSION_ENDED = "Your session ended. Please try again."


def _editable(world: World) -> None:
    world.set_status(ApplicationStatus.INFORMATION_REQUESTED)


def _closed(world: World) -> None:
    world.set_status(ApplicationStatus.REJECTED)


def _scheduled(world: World) -> None:
    world.visit_day_came()


def _seal_uploaded(world: World) -> None:
    seal.replace(FileStorage(io.BytesIO(real_png()), "seal.png"), world.admin, "0")


def _staff_deactivated(world: World) -> None:
    world.staff.active = False
    db.session.commit()


@dataclass(frozen=True)
class Case:
    actor: str  # a World attribute, or "anonymous"
    prepare: Callable[[World], None] | None = None  # puts the world where the post would act
    # A prefixed form's field names the record it acts on, so it is built from the world.
    csrf_field: str | Callable[[World], str] = "csrf_token"
    # A post that changes only the browser's session (no row): the session key it sets,
    # and a value to set before, which the post must replace.
    session_key: str | None = None
    session_before: Callable[[], str] = str

    def csrf_name(self, world: World) -> str:
        return self.csrf_field(world) if callable(self.csrf_field) else self.csrf_field


# For each POST route, who may use it and the state in which the post would act.
CASES: dict[str, Case] = {
    "admin.change_role": Case("admin"),
    "admin.deactivate_user": Case("admin"),
    "admin.new_user": Case("admin"),
    "admin.reactivate_user": Case("admin", _staff_deactivated),
    "admin.reset_second_factor": Case("admin"),
    "admin.retry_job": Case("admin", a_failed_job),
    "applications.add_me": Case("owner", _editable),
    "applications.attestations": Case("owner", _editable),
    "applications.building": Case("owner", _editable),
    "applications.contacts": Case("owner", _editable),
    "applications.documents": Case("owner", _editable),
    "applications.edit_contact": Case("owner", _editable),
    "applications.remove_contact": Case("owner", _editable),
    "applications.remove_document": Case("owner", _editable),
    "applications.decide": Case("staff"),
    "applications.start_review": Case("staff", csrf_field="start-csrf_token"),
    "applications.start": Case("owner", _closed),
    "applications.submit": Case("owner", _editable),
    "auth.change_password": Case("owner"),
    "certificates.add_closed_day": Case("admin", csrf_field="closed-csrf_token"),
    "certificates.book": Case("owner", bookable),
    "certificates.cancel_pickup": Case("owner"),
    "certificates.hours": Case("admin", csrf_field="slot-csrf_token"),
    "certificates.inspections_complete": Case(
        "staff", inspections_passed, csrf_field="complete-csrf_token"
    ),
    "certificates.issue": Case("staff", issuable),
    "certificates.mark_no_show": Case("staff", pickup_started),
    "certificates.mark_picked_up": Case(
        "staff", csrf_field=lambda w: f"a{w.appointment.id}-csrf_token"
    ),
    "certificates.not_applicable": Case("staff", csrf_field="na-csrf_token"),
    "certificates.regenerate": Case("staff"),
    "certificates.remove_closed_day": Case("admin"),
    "certificates.remove_slot": Case("admin"),
    "certificates.reschedule": Case("owner"),
    "certificates.revoke": Case("staff", csrf_field="revoke-csrf_token"),
    "certificates.resend": Case("staff", csrf_field="resend-csrf_token"),
    "certificates.extend": Case("staff", csrf_field="extend-csrf_token"),
    "certificates.request_occupancy": Case("owner"),
    "certificates.request_extension": Case("owner", no_open_requests),
    "certificates.request_optional": Case("owner", before_work_without_requests),
    "certificates.refuse_request": Case("staff", csrf_field="refuse-csrf_token"),
    "certificates.approve_optional": Case("staff", work_not_begun, csrf_field="approve-csrf_token"),
    "certificates.extend_for_request": Case("staff", csrf_field="extend-csrf_token"),
    "auth.forgot_password": Case("anonymous"),
    "auth.keep_alive": Case(
        "staff",
        session_key="last_seen",
        session_before=lambda: (utcnow() - timedelta(minutes=10)).isoformat(),
    ),
    "auth.language": Case("owner"),
    "auth.new_recovery_codes": Case("staff"),
    "auth.recovery_code": Case("anonymous"),
    "auth.second_factor_step": Case("anonymous"),
    "auth.profile": Case("owner"),
    "auth.register": Case("anonymous"),
    "auth.renew_verification": Case("anonymous"),
    "auth.resend_verification": Case("newcomer"),
    "auth.reset_password": Case("anonymous"),
    "auth.sign_in": Case("anonymous"),
    "auth.sign_out": Case("owner"),
    "auth.sign_out_other_sessions": Case("owner"),
    "inspections.cancel": Case("owner"),
    "inspections.edit_type": Case("admin"),
    "inspections.remove_required": Case(
        "staff", csrf_field=lambda w: f"remove-{w.required.id}-csrf_token"
    ),
    "inspections.request_inspection": Case("contractor"),
    "inspections.required": Case("staff", csrf_field="add-csrf_token"),
    "inspections.reschedule": Case("owner"),
    "inspections.result": Case("staff", _scheduled),
    "inspections.schedule": Case("staff"),
    "inspections.withdraw_result": Case("staff"),
    "inspections.agency_result": Case("staff"),
    "settings.agency": Case("admin"),
    "payments.counter_payment": Case("staff"),
    "payments.pay": Case("owner"),
    "payments.refund": Case("staff"),
    "payments.test_checkout": Case("owner"),
    "payments.waive": Case("staff", csrf_field=lambda w: f"fee-{w.fee.id}-csrf_token"),
    "permits.accept_invitation": Case("stranger"),
    "permits.add_party": Case("staff"),
    "permits.claim": Case("stranger"),
    "permits.import_permits": Case("admin"),
    "permits.export_permits": Case("staff"),
    "permits.export_inspections": Case("staff"),
    "permits.invite": Case("owner"),
    "permits.remove_party": Case("owner"),
    "permits.revoke_invitation": Case("owner"),
    "settings.contact_details": Case("admin"),
    "settings.fees": Case("admin"),
    "settings.holidays": Case("admin"),
    "settings.index": Case("admin"),
    "settings.permit_types_page": Case("admin"),
    "settings.remove_holiday": Case("admin"),
    "settings.remove_schedule": Case("admin"),
    "settings.seal_page": Case("admin"),
    "settings.seal_placeholder": Case("admin", _seal_uploaded),
}


def signed_in_as(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def told_the_form_was_stale(client, response) -> bool:
    """The page the user lands on says the form was stale (as an error or a flash)."""
    if response.status_code in (301, 302, 303):
        response = client.get(response.headers["Location"])
    if response.mimetype == "text/html":
        check_page(response.data)
    html = response.get_data(as_text=True)
    return str(STALE_FORM_MESSAGE) in html or SESSION_ENDED in html


def bad_tokens(app, client) -> dict[str, str]:
    other = app.test_client()
    return {
        "wrong": "wrong",
        "empty": "",
        # Genuine, but made for another browser's session: what a forged cross-site post carries.
        "another session's": other.csrf_token(),
    }


def test_every_post_route_has_a_case(app):
    posting = {rule.endpoint for rule in routes(app, "POST")} - CSRF_EXEMPT
    assert set(CASES) == posting


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_post_without_a_valid_csrf_token_changes_nothing(app, endpoint):
    case = CASES[endpoint]
    world = build_world()
    if case.prepare:
        case.prepare(world)
    [rule] = [r for r in routes(app, "POST") if r.endpoint == endpoint]
    client = app.test_client()
    user = world.user(case.actor)
    if user is not None:
        sign_in_as(client, user)
    url = build_url(rule, world)
    who = signed_in_as(client)
    csrf_field = case.csrf_name(world)

    # Each refused post must leave the database as it found it, so what it left is the next
    # post's "before" (the stale-form page it shows only reads): one snapshot a post.
    before = snapshot()
    for name, token in bad_tokens(app, client).items():
        response = client.post(url, data={**post_form(endpoint, world, client), csrf_field: token})
        assert response.status_code < 500, f"{name} token: {response.status_code}"
        after = snapshot()
        assert changes(before, after) == {}, f"{name} token changed the database"
        assert signed_in_as(client) == who, f"{name} token changed who is signed in"
        assert told_the_form_was_stale(client, response), f"{name} token: no stale-form message"
        before = after

    # A fresh one: the valid post must change something of its own.
    before = snapshot()
    data = post_form(endpoint, world, client)
    if csrf_field != "csrf_token":
        data[csrf_field] = client.csrf_token()
    if case.session_key:
        with client.session_transaction() as session:
            session[case.session_key] = before_value = case.session_before()
    response = client.post(url, data=data)
    assert response.status_code < 500
    if case.session_key:
        with client.session_transaction() as session:
            assert session[case.session_key] != before_value, "the post did nothing"
    else:
        assert changes(before, snapshot()) != {}, "with a valid token the post did nothing"


def test_sign_out_needs_a_valid_token(app):
    """Sign-out is public (a late click lands softly), so its form is the only guard: a
    cross-site post must not sign anyone out."""
    world = build_world()
    client = app.test_client()
    sign_in_as(client, world.owner)

    response = client.post("/account/sign-out", data={"csrf_token": "wrong"})
    assert response.status_code == 200
    check_page(response.data)
    assert str(STALE_FORM_MESSAGE) in response.get_data(as_text=True)
    assert client.get("/account/profile").status_code == 200

    response = client.post("/account/sign-out", data={})
    assert response.status_code == 302
    assert client.get("/account/profile").status_code == 302
