"""Claiming a permit with its number and access code."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.audit import AuditEvent
from portal.errors import DomainError
from portal.extensions import db
from portal.permits import services
from portal.permits.models import PartyRole, PermitParty
from portal.timeline import TimelineEntry
from tests.factories import add_party, make_permit, make_user, sign_in_as
from tests.support.mail import outbox
from tests.support.pages import check_page

WRONG_PAIR = b"The permit number and access code do not match our records."


def parties(permit) -> list[tuple[int, PartyRole]]:
    return [
        (p.user_id, p.role)
        for p in db.session.scalars(select(PermitParty).where(PermitParty.permit_id == permit.id))
    ]


def claim(client, number, code):
    return client.post("/permits/claim", data={"permit_number": number, "access_code": code})


def test_claim_page_passes_the_checker(client):
    sign_in_as(client, make_user())
    response = client.get("/permits/claim")
    assert response.status_code == 200
    check_page(response.data)
    assert b'name="access_code"' in response.data


def test_owner_claims_with_number_and_code_case_insensitively(client):
    user = make_user(name="Olivia Owner")
    permit = make_permit(access_code="K7PM4R2X")
    sign_in_as(client, user)

    response = claim(client, f"  {permit.permit_num} ", "k7pm 4r2x")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/permits/{permit.id}")
    assert parties(permit) == [(user.id, PartyRole.OWNER)]
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.permit_id == permit.id))
    assert entry.event == "permit.claimed"
    assert entry.text == "Olivia Owner claimed the permit as owner"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "permit.claimed"))
    assert [m.subject for m in outbox(user.email)] == [f"You claimed permit {permit.permit_num}"]
    # "If you did not do this, contact the department" leads to the contact details.
    assert "/help#contact" in outbox(user.email)[0].body_text
    page = client.get(response.headers["Location"])
    check_page(page.data)
    assert b"You are now the owner" in page.data


@pytest.mark.parametrize("wrong", ["number", "code", "both"])
def test_a_wrong_pair_gets_one_message_that_does_not_say_which(client, wrong):
    permit = make_permit(access_code="RIGHTCODE")
    sign_in_as(client, make_user())
    number = "BP-NOPE" if wrong in ("number", "both") else permit.permit_num
    code = "WRONGCODE" if wrong in ("code", "both") else "RIGHTCODE"

    response = claim(client, number, code)

    assert response.status_code == 200
    check_page(response.data)
    assert WRONG_PAIR in response.data
    # What the user typed stays in the form.
    assert number.encode() in response.data
    assert parties(permit) == []


def test_a_permit_with_an_owner_cannot_be_claimed_by_another_account(client):
    permit = make_permit(access_code="RIGHTCODE")
    first = make_user()
    add_party(permit, first)
    sign_in_as(client, make_user())

    response = claim(client, permit.permit_num, "RIGHTCODE")

    check_page(response.data)
    assert b"already has an owner" in response.data
    assert b'transferred to your account. <a href="/help#contact">' in response.data
    assert parties(permit) == [(first.id, PartyRole.OWNER)]


def test_the_database_refuses_a_second_owner_when_two_claims_race(app, monkeypatch):
    permit = make_permit(access_code="RIGHTCODE")
    winner, loser = make_user(), make_user()
    # The loser's check ran before the winner's party was written: simulate by hiding it.
    add_party(permit, winner)
    monkeypatch.setattr("portal.permits.services._owner_of", lambda parties: None, raising=True)
    with app.test_request_context(), pytest.raises(DomainError, match="already has an owner"):
        services.claim_permit(loser, permit.permit_num, "RIGHTCODE")
    assert parties(permit) == [(winner.id, PartyRole.OWNER)]


def test_an_agent_holding_the_code_becomes_the_owner(client):
    permit = make_permit(access_code="RIGHTCODE")
    agent = make_user()
    add_party(permit, agent, PartyRole.AGENT)
    sign_in_as(client, agent)

    assert claim(client, permit.permit_num, "RIGHTCODE").status_code == 302
    assert parties(permit) == [(agent.id, PartyRole.OWNER)]


def test_an_unverified_account_is_asked_to_confirm_its_email_first(client):
    permit = make_permit(access_code="RIGHTCODE")
    sign_in_as(client, make_user(verified=False))

    page = client.get("/permits/claim")
    check_page(page.data)
    assert b"Confirm your email address first" in page.data
    assert b"/account/verify/resend" in page.data

    response = claim(client, permit.permit_num, "RIGHTCODE")
    check_page(response.data)
    assert parties(permit) == []


def test_the_service_also_refuses_unverified_accounts(app):
    permit = make_permit(access_code="RIGHTCODE")
    with app.test_request_context(), pytest.raises(DomainError, match="Confirm your email"):
        services.claim_permit(make_user(verified=False), permit.permit_num, "RIGHTCODE")


def test_failed_claims_are_rate_limited(client):
    permit = make_permit(access_code="RIGHTCODE")
    sign_in_as(client, make_user())
    for _ in range(10):
        assert claim(client, permit.permit_num, "GUESS0000").status_code == 200

    response = claim(client, permit.permit_num, "RIGHTCODE")

    assert response.status_code == 429
    check_page(response.data)
    assert parties(permit) == []


def test_successful_claims_do_not_use_up_the_limit(client):
    user = make_user()
    sign_in_as(client, user)
    for n in range(12):
        permit = make_permit(access_code=f"CODE{n:04d}X")
        assert claim(client, permit.permit_num, f"CODE{n:04d}X").status_code == 302


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/permits/claim")
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


def test_database_allows_one_owner_per_permit(app):
    permit = make_permit()
    add_party(permit, make_user())
    with pytest.raises(IntegrityError):
        add_party(permit, make_user())
    db.session.rollback()
