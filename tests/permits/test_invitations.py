"""The owner invites contractors and agents; the invitee accepts through a signed link."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.permits.models import Invitation, PartyRole, PermitParty
from portal.timeline import TimelineEntry
from portal.tokens import make_token
from tests.factories import PASSWORD, add_party, make_permit, make_user, sign_in_as
from tests.support.mail import outbox
from tests.support.pages import check_page
from tests.support.race import race


@pytest.fixture
def owned(client):
    owner = make_user(name="Olivia Owner")
    permit = make_permit()
    add_party(permit, owner)
    return permit, owner


def invite(client, permit, **fields):
    data = {
        "email": "Carl@Example.com",
        "role": "contractor",
        "trade": "electrical",
        "license_number": "EC-5521",
        **fields,
    }
    return client.post(f"/permits/{permit.id}/invitations/new", data=data)


def link_in(message) -> str:
    return re.search(r"http\S+/permits/invitations/(\S+)", message.body_text).group(0)


def path_of(link: str) -> str:
    return link[link.index("/permits/") :]


def parties(permit):
    return {
        (p.user_id, p.role)
        for p in db.session.scalars(select(PermitParty).where(PermitParty.permit_id == permit.id))
    }


def test_owner_sends_an_invitation_by_email(client, owned):
    permit, owner = owned
    sign_in_as(client, owner)
    page = client.get(f"/permits/{permit.id}/invitations/new")
    assert page.status_code == 200
    check_page(page.data)

    response = invite(client, permit)

    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.email, invitation.role, invitation.trade, invitation.license_number) == (
        "carl@example.com",
        PartyRole.CONTRACTOR,
        "electrical",
        "EC-5521",
    )
    [message] = outbox("carl@example.com")
    assert permit.permit_num in message.subject
    assert link_in(message).startswith("http://127.0.0.1:5000/permits/invitations/")
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.event == "party.invited"))
    assert entry.text == "carl@example.com invited as Contractor"
    permit_page = client.get(f"/permits/{permit.id}")
    check_page(permit_page.data)
    assert b"carl@example.com" in permit_page.data


def test_the_invitation_s_sign_up_fills_in_the_invited_address(app, client, owned):
    permit, owner = owned
    sign_in_as(client, owner)
    invite(client, permit)
    [message] = outbox("carl@example.com")
    stranger = app.test_client()
    landing = stranger.get(path_of(link_in(message)))
    check_page(landing.data)
    sign_up = re.search(rb'href="(/account/register[^"]+)"', landing.data).group(1).decode()
    form = stranger.get(sign_up.replace("&amp;", "&"))
    check_page(form.data)
    assert b'value="carl@example.com"' in form.data


def test_invite_form_errors_keep_what_was_typed(client, owned):
    permit, owner = owned
    sign_in_as(client, owner)
    response = invite(client, permit, email="not-an-address", role="")
    assert response.status_code == 200
    check_page(response.data)
    assert b"Enter an email address in the correct format" in response.data
    assert b"Choose their role" in response.data
    assert b'value="not-an-address"' in response.data
    assert db.session.scalar(select(Invitation)) is None


def test_only_the_owner_may_invite(client, owned):
    permit, _owner = owned
    contractor = make_user()
    add_party(permit, contractor, PartyRole.CONTRACTOR)
    sign_in_as(client, contractor)
    assert client.get(f"/permits/{permit.id}/invitations/new").status_code == 404
    assert invite(client, permit).status_code == 404
    assert db.session.scalar(select(Invitation)) is None


def test_the_owner_cannot_invite_someone_as_owner(client, owned):
    permit, owner = owned
    sign_in_as(client, owner)
    response = invite(client, permit, role="owner")
    check_page(response.data)
    assert db.session.scalar(select(Invitation)) is None


def test_inviting_someone_already_on_the_permit_is_refused(client, owned):
    permit, owner = owned
    agent = make_user(email="agent@example.com")
    add_party(permit, agent, PartyRole.AGENT)
    sign_in_as(client, owner)
    response = invite(client, permit, email="AGENT@example.com", role="agent")
    check_page(response.data)
    assert b"already on this permit" in response.data
    assert db.session.scalar(select(Invitation)) is None


def test_invitee_signs_in_then_accepts(client, owned, make_client):
    permit, owner = owned
    sign_in_as(client, owner)
    invite(client, permit)
    link = path_of(link_in(outbox("carl@example.com")[0]))
    client = make_client()

    anonymous = client.get(link)
    assert anonymous.status_code == 200
    check_page(anonymous.data)
    assert f'href="/account/sign-in?next={link}"'.encode() in anonymous.data
    assert f'href="/account/register?next={link}&amp;email=carl@example.com"'.encode() in (
        anonymous.data
    )

    carl = make_user(email="carl@example.com", name="Carl Contractor")
    signed_in = client.post(
        "/account/sign-in",
        data={"email": carl.email, "password": PASSWORD, "next": link},
    )
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == link
    page = client.get(link)
    assert page.status_code == 200
    check_page(page.data)
    assert b"Accept invitation" in page.data
    assert b"Olivia Owner" in page.data

    accepted = client.post(link, data={})

    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith(f"/permits/{permit.id}")
    party = db.session.scalar(select(PermitParty).where(PermitParty.user_id == carl.id))
    assert (party.role, party.trade, party.license_number) == (
        PartyRole.CONTRACTOR,
        "electrical",
        "EC-5521",
    )
    assert db.session.scalar(select(Invitation)).accepted_by_id == carl.id
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.event == "party.added"))
    assert entry.text == "Carl Contractor added as Contractor"
    assert [m.subject for m in outbox(owner.email)][-1] == (
        "Carl Contractor accepted your invitation"
    )
    # The link is single-use.
    used = client.get(link)
    assert used.status_code == 410
    check_page(used.data)
    assert b"already been accepted" in used.data


def test_an_account_already_on_the_permit_is_told_so(client, owned):
    permit, owner = owned
    sign_in_as(client, owner)
    invite(client, permit, email="agent@example.com", role="agent")
    link = path_of(link_in(outbox("agent@example.com")[0]))
    agent = make_user(email="someone-else@example.com")
    add_party(permit, agent, PartyRole.CONTRACTOR)
    sign_in_as(client, agent)

    page = client.get(link)
    check_page(page.data)
    assert b"already on this permit" in page.data
    assert b"Accept invitation" not in page.data

    response = client.post(link, data={})
    check_page(response.data)
    assert b"already on this permit" in response.data
    assert parties(permit) == {(owner.id, PartyRole.OWNER), (agent.id, PartyRole.CONTRACTOR)}


def test_an_expired_link_is_refused(client, owned, app):
    permit, owner = owned
    sign_in_as(client, owner)
    invite(client, permit)
    link = path_of(link_in(outbox("carl@example.com")[0]))
    sign_in_as(client, make_user())
    app.config["INVITATION_MAX_AGE"] = timedelta(seconds=-1)
    try:
        response = client.get(link)
        refused = client.post(link, data={})
    finally:
        app.config["INVITATION_MAX_AGE"] = timedelta(days=14)
    assert response.status_code == 410
    check_page(response.data)
    assert b"This invitation has expired" in response.data
    assert refused.status_code == 410
    assert len(parties(permit)) == 1


def test_a_forged_link_is_refused(client, owned, app):
    permit, _owner = owned
    sign_in_as(client, make_user())
    with app.app_context():
        # Signed with another purpose's salt: the invitation salt rejects it.
        forged = make_token("password-reset", {"invitation": 1})
    for token in (forged, "not-a-token"):
        response = client.get(f"/permits/invitations/{token}")
        assert response.status_code == 410
        check_page(response.data)
        assert b"This invitation link is not valid" in response.data
        assert client.post(f"/permits/invitations/{token}", data={}).status_code == 410
    assert len(parties(permit)) == 1


def test_the_owner_revokes_an_invitation_and_its_link_stops_working(client, owned):
    permit, owner = owned
    sign_in_as(client, owner)
    invite(client, permit)
    invitation = db.session.scalar(select(Invitation))
    link = path_of(link_in(outbox("carl@example.com")[0]))

    response = client.post(f"/permits/{permit.id}/invitations/{invitation.id}/revoke", data={})

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).revoked_at is not None
    page = client.get(f"/permits/{permit.id}")
    check_page(page.data)
    assert b"No invitations are waiting" in page.data
    sign_in_as(client, make_user(email="carl@example.com"))
    refused = client.get(link)
    assert refused.status_code == 410
    assert b"withdrew this invitation" in refused.data
    assert client.post(link, data={}).status_code == 410
    assert len(parties(permit)) == 1


def test_revoking_needs_a_valid_form(client, owned):
    permit, owner = owned
    sign_in_as(client, owner)
    invite(client, permit)
    invitation = db.session.scalar(select(Invitation))
    client.post(f"/permits/{permit.id}/invitations/{invitation.id}/revoke", data={"csrf_token": ""})
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).revoked_at is None


def test_a_second_open_invitation_to_the_same_address_is_refused(client, owned):
    permit, owner = owned
    sign_in_as(client, owner)
    invite(client, permit)
    response = invite(client, permit, email="carl@example.com")
    check_page(response.data)
    assert b"already has an open invitation" in response.data
    assert len(db.session.scalars(select(Invitation)).all()) == 1


def test_six_accounts_accepting_one_link_at_once_one_joins(app, client, owned):
    permit, owner = owned
    sign_in_as(client, owner)
    invite(client, permit)
    link = path_of(link_in(outbox("carl@example.com")[0]))
    clients = []
    for _ in range(6):
        invitee = app.test_client()
        sign_in_as(invitee, make_user())
        clients.append(invitee)

    def accept(invitee):
        def job(barrier):
            barrier.wait()
            response = invitee.post(link, data={})
            if response.status_code == 410 and b"already been accepted" in response.data:
                return "already used"
            return str(response.status_code)

        return job

    outcomes = race(app, [accept(invitee) for invitee in clients])
    assert sorted(outcomes) == ["302"] + ["already used"] * 5
    db.session.expire_all()
    assert len(parties(permit)) == 2
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.accepted_by_id, invitation.role) == (
        next(user_id for user_id, role in parties(permit) if role == PartyRole.CONTRACTOR),
        PartyRole.CONTRACTOR,
    )
    accepted = select(AuditEvent).where(AuditEvent.action == "invitation.accepted")
    assert len(db.session.scalars(accepted).all()) == 1
