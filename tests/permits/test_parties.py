"""Removing parties (owner and staff) and staff adding parties."""

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth.models import Role
from portal.extensions import db
from portal.permits.models import PartyRole, PermitParty
from portal.timeline import TimelineEntry
from tests.factories import add_party, make_permit, make_user, sign_in_as
from tests.support.mail import outbox
from tests.support.pages import check_page


def roles(permit) -> dict[int, PartyRole]:
    return {
        p.user_id: p.role
        for p in db.session.scalars(select(PermitParty).where(PermitParty.permit_id == permit.id))
    }


def remove(client, permit, party, **data):
    return client.post(f"/permits/{permit.id}/parties/{party.id}/remove", data=data)


def test_owner_removes_a_contractor(client):
    permit = make_permit()
    owner = make_user()
    add_party(permit, owner)
    contractor = make_user(name="Carl Contractor")
    party = add_party(permit, contractor, PartyRole.CONTRACTOR)
    sign_in_as(client, owner)

    response = remove(client, permit, party)

    assert response.status_code == 302
    assert roles(permit) == {owner.id: PartyRole.OWNER}
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.event == "party.removed"))
    assert entry.text == "Carl Contractor removed as Contractor"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "party.removed"))
    assert (
        outbox(contractor.email)[0].subject == f"You were removed from permit {permit.permit_num}"
    )
    page = client.get(f"/permits/{permit.id}")
    check_page(page.data)
    assert b"Carl Contractor removed as Contractor" in page.data
    assert b"They no longer have access" in page.data
    # The removed contractor no longer sees the permit.
    sign_in_as(client, contractor)
    assert client.get(f"/permits/{permit.id}").status_code == 404


def test_owner_cannot_remove_themselves(client):
    permit = make_permit()
    owner = make_user()
    party = add_party(permit, owner)
    sign_in_as(client, owner)

    response = remove(client, permit, party)

    assert response.status_code == 302
    page = client.get(f"/permits/{permit.id}")
    check_page(page.data)
    assert b"The owner cannot be removed here" in page.data
    assert b'to transfer the permit. <a href="/help#contact">' in page.data
    assert roles(permit) == {owner.id: PartyRole.OWNER}


def test_a_contractor_cannot_remove_anyone(client):
    permit = make_permit()
    add_party(permit, make_user())
    contractor = make_user()
    add_party(permit, contractor, PartyRole.CONTRACTOR)
    agent_party = add_party(permit, make_user(), PartyRole.AGENT)
    sign_in_as(client, contractor)
    assert remove(client, permit, agent_party).status_code == 404
    assert len(roles(permit)) == 3


def test_a_party_id_from_another_permit_is_refused(client):
    permit, other = make_permit(), make_permit()
    owner = make_user()
    add_party(permit, owner)
    stranger = add_party(other, make_user(), PartyRole.CONTRACTOR)
    sign_in_as(client, owner)
    remove(client, permit, stranger)
    assert len(roles(other)) == 1


def test_a_stale_form_removes_nobody(client):
    permit = make_permit()
    owner = make_user()
    add_party(permit, owner)
    party = add_party(permit, make_user(), PartyRole.CONTRACTOR)
    sign_in_as(client, owner)
    remove(client, permit, party, csrf_token="")
    assert len(roles(permit)) == 2


def test_staff_remove_any_party_including_the_owner(client, staff_user):
    permit = make_permit()
    owner = make_user()
    party = add_party(permit, owner)
    sign_in_as(client, staff_user)

    assert remove(client, permit, party).status_code == 302
    assert roles(permit) == {}
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.event == "party.removed"))
    assert entry.actor_label == "The department"


def add(client, permit, **fields):
    data = {"email": "", "role": "contractor", "trade": "", "license_number": "", **fields}
    return client.post(f"/permits/{permit.id}/parties/new", data=data)


def test_staff_add_an_existing_account_as_a_party(client, staff_user):
    permit = make_permit()
    person = make_user(email="agent@example.com", name="Ada Agent")
    sign_in_as(client, staff_user)
    page = client.get(f"/permits/{permit.id}/parties/new")
    assert page.status_code == 200
    check_page(page.data)

    response = add(client, permit, email="AGENT@example.com", role="agent", license_number="A-1")

    assert response.status_code == 302
    assert roles(permit) == {person.id: PartyRole.AGENT}
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.event == "party.added"))
    assert entry.text == "Ada Agent added as Agent"
    assert entry.actor_label == "The department"
    assert outbox("agent@example.com")[0].subject == f"You were added to permit {permit.permit_num}"


def test_staff_add_refuses_unknown_accounts_staff_and_a_second_owner(client, staff_user):
    permit = make_permit()
    owner = make_user()
    add_party(permit, owner)
    other = make_user(email="other@example.com")
    make_user(email="colleague@example.com", role=Role.STAFF)
    sign_in_as(client, staff_user)

    for fields, message in [
        ({"email": "nobody@example.com"}, b"No account uses that email address"),
        ({"email": "colleague@example.com"}, b"Staff accounts see every permit"),
        ({"email": "other@example.com", "role": "owner"}, b"already has an owner"),
        ({"email": owner.email}, b"already on this permit"),
        ({"email": "not an email"}, b"correct format"),
    ]:
        response = add(client, permit, **fields)
        assert response.status_code == 200
        check_page(response.data)
        assert message in response.data
    assert roles(permit) == {owner.id: PartyRole.OWNER}
    assert other.id not in roles(permit)


def test_applicants_cannot_add_parties(client):
    permit = make_permit()
    owner = make_user()
    add_party(permit, owner)
    sign_in_as(client, owner)
    assert client.get(f"/permits/{permit.id}/parties/new").status_code == 404
    assert add(client, permit, email=make_user().email).status_code == 404
    assert len(roles(permit)) == 1


def test_staff_adding_to_a_missing_permit_is_a_404(client, staff_user):
    sign_in_as(client, staff_user)
    assert client.get("/permits/999999/parties/new").status_code == 404
