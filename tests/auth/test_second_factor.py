"""Staff sign in in two steps: the password, then a TOTP code from an authenticator app
(set up at the first sign-in) or a one-time recovery code. Codes work once, wrong codes
are rate-limited per account, and nobody is signed in between the two steps."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from portal.auth import second_factor
from portal.auth.models import RecoveryCode, Role, User
from portal.auth.session import PENDING_KEY
from portal.extensions import db
from portal.forms import STALE_FORM_MESSAGE
from portal.models import utcnow
from tests.factories import (
    PASSWORD,
    enrol_second_factor,
    make_user,
    next_totp_code,
    sign_in_as,
)
from tests.support.audit import audit_actions
from tests.support.pages import check_page

CODE_PAGE = "/account/sign-in/code"
RECOVERY_PAGE = "/account/sign-in/recovery-code"


@pytest.fixture
def staff():
    return make_user(email="sam.staff@example.com", role=Role.STAFF, name="Sam Staff")


def _password_step(client, user: User, **extra):
    response = client.post(
        "/account/sign-in", data={"email": user.email, "password": PASSWORD, **extra}
    )
    assert response.status_code == 302
    return response


def _signed_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


def _secret_on_page(html: str) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html)
    assert match, "no setup key on the page"
    return match.group(1).replace(" ", "")


def _code(secret: str, step_offset: int = 0) -> str:
    totp = pyotp.TOTP(secret, interval=second_factor.STEP_SECONDS)
    return totp.generate_otp(second_factor.current_step() + step_offset)


def _wrong_code(secret: str) -> str:
    valid = {_code(secret, offset) for offset in (-2, -1, 0, 1, 2)}
    return next(c for c in ("111111", "222222", "333333", "444444", "555555") if c not in valid)


def test_the_password_alone_signs_no_staff_member_in(client, staff):
    enrol_second_factor(staff)
    response = _password_step(client, staff)
    assert response.headers["Location"] == CODE_PAGE
    # Half signed in is not signed in: no staff page, not even the profile.
    assert client.get("/staff/").status_code == 302
    assert not _signed_in(client)
    assert "account.password_accepted" in audit_actions()
    assert "account.signed_in" not in audit_actions()
    page = client.get(CODE_PAGE)
    assert page.status_code == 200
    check_page(page.data)
    assert b"Enter your security code" in page.data


def test_an_applicant_still_signs_in_with_the_password_alone(client):
    owner = make_user(email="owner@example.com")
    response = _password_step(client, owner)
    assert response.headers["Location"] == "/"
    assert _signed_in(client)


def test_first_sign_in_enrols_an_authenticator_app_and_shows_recovery_codes_once(
    app, client, staff
):
    _password_step(client, staff)
    page = client.get(CODE_PAGE)
    assert page.status_code == 200
    check_page(page.data)
    html = page.get_data(as_text=True)
    assert "Set up your second factor" in html
    assert "<svg" in html  # the QR code, drawn on the server
    secret = _secret_on_page(html)
    assert f"otpauth://totp/Occupancy%20Portal:{staff.email.replace('@', '%40')}" in html
    # Reloading keeps the same key, so a QR code already scanned still works.
    assert _secret_on_page(client.get(CODE_PAGE).get_data(as_text=True)) == secret

    wrong = client.post(CODE_PAGE, data={"code": _wrong_code(secret)})
    assert wrong.status_code == 200
    check_page(wrong.data)
    assert "That code is not right" in wrong.text
    assert not _signed_in(client)

    done = client.post(CODE_PAGE, data={"code": _code(secret)})
    assert done.status_code == 200
    check_page(done.data)
    codes = re.findall(r"<li class=\"margin-bottom-1\">([a-z2-9]{5}-[a-z2-9]{5})</li>", done.text)
    assert len(set(codes)) == 10
    assert "This is the only time these codes are shown" in done.text
    assert _signed_in(client)
    assert client.get("/staff/").status_code == 200

    db.session.refresh(staff)
    assert staff.has_second_factor
    assert staff.last_sign_in_at is not None
    # At rest: the secret is encrypted and only keyed hashes of the codes are kept.
    assert secret not in staff.totp_secret_encrypted
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not set(stored) & {*codes, *(c.replace("-", "") for c in codes)}
    assert {"account.second_factor_enrolled", "account.signed_in"} <= set(audit_actions())
    # Never shown again: not on the profile, not on the code page.
    profile = client.get("/account/profile")
    check_page(profile.data)
    assert b"You have 10 unused recovery codes." in profile.data
    assert not any(code in profile.text for code in codes)


def test_signing_in_with_a_code_goes_where_the_person_was_going(client, staff):
    enrol_second_factor(staff)
    _password_step(client, staff, next="/staff/")
    code = next_totp_code(staff)
    response = client.post(CODE_PAGE, data={"code": f" {code[:3]} {code[3:]} "})
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert audit_actions()[-1] == "account.signed_in"


def test_a_code_cannot_be_used_twice(app, client, staff):
    enrol_second_factor(staff)
    code = next_totp_code(staff)
    _password_step(client, staff)
    assert client.post(CODE_PAGE, data={"code": code}).status_code == 302

    # Someone who watched the code being typed, with the password, a moment later:
    thief = app.test_client()
    _password_step(thief, staff)
    replay = thief.post(CODE_PAGE, data={"code": code})
    assert replay.status_code == 200
    check_page(replay.data)
    assert "That code has already been used" in replay.text
    assert not _signed_in(thief)
    # An earlier code is refused too, once a later one was accepted.
    db.session.refresh(staff)
    earlier = pyotp.TOTP(second_factor.secret_of(staff)).generate_otp(staff.totp_last_step - 1)
    assert "already been used" in thief.post(CODE_PAGE, data={"code": earlier}).text
    assert audit_actions().count("account.second_factor_failed") == 2


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the 6-digit code from your authenticator app."),
        ("12ab56", "Enter the code as 6 digits, like 123456."),
        ("1234567", "Enter the code as 6 digits, like 123456."),
    ],
)
def test_a_code_that_is_not_six_digits_is_explained(client, staff, typed, message):
    enrol_second_factor(staff)
    _password_step(client, staff)
    response = client.post(CODE_PAGE, data={"code": typed})
    assert response.status_code == 200
    check_page(response.data)
    assert message in response.text
    assert response.text.count("<title>Error: ") == 1


def test_a_wrong_code_is_refused_and_recorded(client, staff):
    wrong = _wrong_code(enrol_second_factor(staff))
    _password_step(client, staff)
    response = client.post(CODE_PAGE, data={"code": wrong})
    assert "That code is not right" in response.text
    assert not _signed_in(client)
    assert audit_actions()[-1] == "account.second_factor_failed"


def test_wrong_codes_are_rate_limited_per_account(app, client, staff):
    wrong = _wrong_code(enrol_second_factor(staff))
    _password_step(client, staff)
    # A stale form is not a guess and does not count.
    stale = client.post(CODE_PAGE, data={"code": wrong, "csrf_token": ""})
    assert str(STALE_FORM_MESSAGE) in stale.text
    for _attempt in range(5):
        assert client.post(CODE_PAGE, data={"code": wrong}).status_code == 200
    blocked = client.post(CODE_PAGE, data={"code": next_totp_code(staff)})
    assert blocked.status_code == 429
    check_page(blocked.data)
    assert b"Too many attempts" in blocked.data
    assert not _signed_in(client)
    # The limit holds for the account from another browser too, recovery codes included...
    other = app.test_client()
    _password_step(other, staff)
    assert other.post(CODE_PAGE, data={"code": next_totp_code(staff)}).status_code == 429
    assert other.post(RECOVERY_PAGE, data={"code": "abcde-fghjk"}).status_code == 429
    # ...but not for another account.
    colleague = make_user(email="colleague@example.com", role=Role.STAFF)
    enrol_second_factor(colleague)
    third = app.test_client()
    _password_step(third, colleague)
    assert third.post(CODE_PAGE, data={"code": next_totp_code(colleague)}).status_code == 302


def test_each_recovery_code_signs_in_once(app, client, staff):
    enrol_second_factor(staff)
    codes = second_factor.new_recovery_codes(staff)
    _password_step(client, staff)
    page = client.get(RECOVERY_PAGE)
    check_page(page.data)
    # Typed in capitals, without the hyphen: still the same code.
    response = client.post(RECOVERY_PAGE, data={"code": codes[0].upper().replace("-", " ")})
    assert response.status_code == 302
    landing = client.get(response.headers["Location"], follow_redirects=True)
    assert b"You have 9 left" in landing.data
    assert _signed_in(client)

    again = app.test_client()
    _password_step(again, staff)
    reused = again.post(RECOVERY_PAGE, data={"code": codes[0]})
    assert reused.status_code == 200
    check_page(reused.data)
    assert "each one works once" in reused.text
    assert not _signed_in(again)
    assert again.post(RECOVERY_PAGE, data={"code": codes[1]}).status_code == 302
    assert second_factor.unused_recovery_codes(staff) == 8


def test_new_recovery_codes_replace_the_old_ones(app, client, staff):
    enrol_second_factor(staff)
    old = second_factor.new_recovery_codes(staff)
    sign_in_as(client, staff)
    response = client.post("/account/second-factor/recovery-codes", data={})
    assert response.status_code == 200
    check_page(response.data)
    assert "Your old ones no longer work" in response.text
    new = re.findall(r"([a-z2-9]{5}-[a-z2-9]{5})</li>", response.text)
    assert len(new) == 10

    other = app.test_client()
    _password_step(other, staff)
    assert other.post(RECOVERY_PAGE, data={"code": old[0]}).status_code == 200
    assert other.post(RECOVERY_PAGE, data={"code": new[0]}).status_code == 302
    assert "account.recovery_codes_replaced" in audit_actions()


def test_applicants_have_no_recovery_codes_to_make(client):
    sign_in_as(client, make_user())
    assert client.post("/account/second-factor/recovery-codes", data={}).status_code == 404


def test_without_a_pending_sign_in_the_steps_say_to_sign_in(client, staff):
    enrol_second_factor(staff)
    for path in (CODE_PAGE, RECOVERY_PAGE):
        page = client.get(path)
        assert page.status_code == 200
        check_page(page.data)
        assert b"There is no sign-in to finish" in page.data
        posted = client.post(path, data={"code": next_totp_code(staff)})
        assert b"There is no sign-in to finish" in posted.data
    assert not _signed_in(client)
    assert audit_actions() == []


def test_a_pending_sign_in_expires_after_ten_minutes(client, staff):
    enrol_second_factor(staff)
    _password_step(client, staff)
    with client.session_transaction() as session:
        pending = session[PENDING_KEY]
        pending["at"] = (utcnow() - timedelta(minutes=11)).isoformat()
        session[PENDING_KEY] = pending
    response = client.post(CODE_PAGE, data={"code": next_totp_code(staff)})
    assert b"There is no sign-in to finish" in response.data
    assert not _signed_in(client)


def test_a_staff_session_without_the_second_factor_is_not_signed_in(client, staff):
    """A login cookie for a staff account whose session never passed the second step
    (a bug elsewhere, a cookie from before this feature) signs nobody in."""
    sign_in_as(client, staff)
    with client.session_transaction() as session:
        del session["second_factor"]
    assert client.get("/staff/").status_code == 302
    assert client.get("/account/profile").status_code == 302


def test_changing_the_password_keeps_a_staff_member_signed_in(client, staff):
    sign_in_as(client, staff)
    new = "a different long passphrase"
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": new, "confirm": new},
    )
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_a_secret_that_cannot_be_decrypted_is_a_clear_message(app, client, staff):
    enrol_second_factor(staff)
    # Encrypted under another SECRET_KEY, as after a key change.
    staff.totp_secret_encrypted = second_factor._fernet().encrypt(b"X").decode()[:-4] + "AAAA"
    db.session.commit()
    _password_step(client, staff)
    response = client.post(CODE_PAGE, data={"code": "123456"})
    assert response.status_code == 200
    check_page(response.data)
    assert "Ask an administrator to reset it" in response.text
