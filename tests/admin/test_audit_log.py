"""The audit log: admins read it filtered by person, record, action and date, page by page;
nothing changes or removes an entry once written."""

from datetime import UTC, datetime

import pytest
from flask import current_app
from sqlalchemy import delete, select, update

from portal import audit
from portal.audit import AuditEvent, AuditLogIsAppendOnly
from portal.auth import second_factor, services
from portal.auth.models import Role
from portal.extensions import db
from tests.factories import enrol_second_factor, make_user, sign_in_as
from tests.support.pages import check_page


@pytest.fixture
def admin_user():
    return make_user(email="ada@example.com", role=Role.ADMIN, name="Ada Admin")


@pytest.fixture
def admin_client(client, admin_user):
    sign_in_as(client, admin_user)
    return client


def _entry(action: str, record=None, actor=None, when: datetime | None = None) -> AuditEvent:
    event = audit.record(action, record, actor=actor)
    if when is not None:
        event.created_at = when
    db.session.commit()
    return event


def _actions(response) -> list[str]:
    check_page(response.data)
    html = response.get_data(as_text=True)
    return [part.split("</code>")[0] for part in html.split("<code>")[1:]]


def test_the_log_lists_entries_newest_first_with_who_did_them(admin_client, admin_user):
    staff = make_user(email="sam@example.com", role=Role.STAFF, name="Sam Staff")
    _entry("account.first", staff, actor=admin_user)
    _entry("account.second", staff, actor=staff)
    response = admin_client.get("/staff/audit")
    assert response.status_code == 200
    assert _actions(response) == ["account.second", "account.first"]
    assert "Sam Staff" in response.text
    assert f"User {staff.id}" in response.text


def test_filters_by_person_action_record_and_date(admin_client, admin_user):
    staff = make_user(email="sam@example.com", role=Role.STAFF)
    other = make_user(email="olive@example.com")
    long_ago = datetime(2024, 3, 5, 18, 0, tzinfo=UTC)  # 5 March, 12:00 in Chicago
    _entry("account.deactivated", staff, actor=admin_user, when=long_ago)
    _entry("account.reactivated", staff, actor=admin_user)
    _entry("permit.claimed", other, actor=other)
    _entry("account.role_changed", other, actor=staff)

    by_person = admin_client.get("/staff/audit?person=SAM@example.com")
    assert _actions(by_person) == ["account.role_changed"]
    by_action = admin_client.get("/staff/audit?action=account.")
    assert _actions(by_action) == [
        "account.role_changed",
        "account.reactivated",
        "account.deactivated",
    ]
    exact = admin_client.get("/staff/audit?action=account.deactivated")
    assert _actions(exact) == ["account.deactivated"]
    by_record = admin_client.get(f"/staff/audit?record_type=User&record_id={staff.id}")
    assert _actions(by_record) == ["account.reactivated", "account.deactivated"]
    by_date = admin_client.get("/staff/audit?date_from=2024-03-05&date_to=2024-03-05")
    assert _actions(by_date) == ["account.deactivated"]
    the_day_after = admin_client.get("/staff/audit?date_from=2024-03-06&date_to=2024-03-06")
    assert _actions(the_day_after) == []
    assert "No entries match these filters." in the_day_after.text
    combined = admin_client.get(
        f"/staff/audit?person=ada@example.com&record_type=User&record_id={staff.id}"
        "&date_from=2024-01-01"
    )
    assert _actions(combined) == ["account.reactivated", "account.deactivated"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=2026-13-45", "Enter a real date, like 2026-03-01."),
        ("date_to=yesterday", "Enter a real date, like 2026-03-01."),
        ("date_from=9999-12-31", "Enter a date between the years 2000 and 2100."),
        ("date_from=2026-03-02&date_to=2026-03-01", "must be on or after the"),
        ("person=nobody@example.com", "No account has this email address."),
        ("record_id=abc", "Enter a whole number, like 12"),
        ("record_id=-4", "Enter a whole number, like 42."),
        # Beyond what an id column holds: PostgreSQL refused the query (a 500).
        (f"record_id={2**31}", "Enter a whole number, like 42."),
        ("record_type=Nonsense", "Not a valid choice."),
    ],
)
def test_nonsense_filters_are_explained_not_a_500(admin_client, query, message):
    _entry("account.something")
    response = admin_client.get(f"/staff/audit?{query}")
    assert response.status_code == 200
    check_page(response.data)
    assert "<title>Error: Audit log" in response.text
    assert message in response.text
    assert "Correct the filters above to see entries." in response.text


def test_pages_run_by_keyset_both_ways(app, admin_client, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    ids = [_entry(f"test.entry{n}").id for n in range(1, 6)]
    first = admin_client.get("/staff/audit")
    assert _actions(first) == ["test.entry5", "test.entry4"]
    assert f"before={ids[3]}" in first.text
    assert "Newer entries" not in first.text

    second = admin_client.get(f"/staff/audit?before={ids[3]}")
    assert _actions(second) == ["test.entry3", "test.entry2"]
    last = admin_client.get(f"/staff/audit?before={ids[1]}")
    assert _actions(last) == ["test.entry1"]
    assert "Older entries" not in last.text
    back = admin_client.get(f"/staff/audit?after={ids[0]}")
    assert _actions(back) == ["test.entry3", "test.entry2"]
    # Filters ride along on the page links.
    filtered = admin_client.get("/staff/audit?action=test.")
    assert "action=test." in filtered.text
    # Cursors that are not numbers are ignored rather than failing.
    assert _actions(admin_client.get("/staff/audit?before=abc&after=")) == [
        "test.entry5",
        "test.entry4",
    ]


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.STAFF])
def test_only_admins_read_the_log(app, role):
    client = app.test_client()
    sign_in_as(client, make_user(email="someone@example.com", role=role))
    response = client.get("/staff/audit")
    assert response.status_code == 404
    check_page(response.data)


def test_an_entry_cannot_be_changed_or_deleted_through_the_orm():
    event = _entry("account.something")
    event.action = "account.nothing"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    for statement in (
        update(AuditEvent).values(action="rewritten"),
        delete(AuditEvent),
        delete(AuditEvent).where(AuditEvent.id == event.id),
    ):
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.execute(statement)
        db.session.rollback()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.query(AuditEvent).delete()
    db.session.rollback()
    assert db.session.scalars(select(AuditEvent.action)).all() == ["account.something"]


def _rows() -> list[tuple]:
    db.session.expire_all()
    # In id order: without ORDER BY, PostgreSQL may return the rows in another order from one
    # read to the next, and the test compared the first rows (it failed once that way).
    table = AuditEvent.__table__
    return [tuple(row) for row in db.session.execute(select(table).order_by(table.c.id))]


def test_the_services_only_ever_add_entries(app, admin_user):
    """Every account service that writes to the log, run in turn: each leaves every
    earlier entry exactly as it was and only appends."""
    staff = make_user(email="sam@example.com", role=Role.STAFF)
    applicant = make_user(email="olive@example.com")
    steps = [
        lambda: services.authenticate(applicant.email, "a long test passphrase"),
        lambda: services.update_profile(applicant, name="Olive O.", phone="312-555-0101"),
        lambda: services.request_password_reset(applicant.email),
        lambda: services.change_role(staff, Role.ADMIN, admin_user),
        lambda: services.change_role(staff, Role.STAFF, admin_user),
        lambda: services.deactivate(staff, admin_user),
        lambda: services.reactivate(staff, admin_user),
        lambda: enrol_second_factor(staff),
        lambda: second_factor.new_recovery_codes(staff),
        lambda: second_factor.reset(staff, admin_user),
        lambda: second_factor.reset_from_command_line(staff.email),
        lambda: services.create_staff_account(
            name="Nova", email="nova@example.com", role="staff", created_by=admin_user
        ),
    ]
    with current_app.test_request_context():
        for step in steps:
            before = _rows()
            step()
            after = _rows()
            assert after[: len(before)] == before
    assert len(after) >= 10


def test_the_command_line_reset_is_for_a_locked_out_admin(app, admin_user):
    enrol_second_factor(admin_user)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["auth", "reset-second-factor", "ADA@example.com"])
    assert result.exit_code == 0, result.output
    assert "is reset" in result.output
    db.session.refresh(admin_user)
    assert not admin_user.has_second_factor
    unknown = runner.invoke(args=["auth", "reset-second-factor", "nobody@example.com"])
    assert unknown.exit_code != 0
    assert "No account has this email address." in unknown.output


def test_old_entries_show_in_the_department_time_zone(admin_client):
    _entry("test.entry", when=datetime(2024, 3, 5, 3, 30, tzinfo=UTC))
    response = admin_client.get("/staff/audit")
    assert "4 March 2024, 9:30" in response.text
