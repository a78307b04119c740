"""The second step of a staff sign-in: enrol an authenticator app the first time, enter
its code every time, or use a recovery code; and new recovery codes from the profile.

The sign-in steps are public routes: until the second factor is done nobody is signed
in (see portal/auth/session.py), and they act only on the pending sign-in this browser
started with the right password.
"""

from flask import flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address

from portal.access import current_actor, public, staff
from portal.auth import second_factor
from portal.auth.forms import RecoveryCodeForm, SecondFactorCodeForm
from portal.auth.routes import bp
from portal.auth.session import PENDING_KEY, complete_second_factor, pending_user
from portal.errors import DomainError
from portal.extensions import limiter
from portal.forms import STALE_FORM_MESSAGE, ActionForm

# Only wrong codes count, per account whichever address they come from, and per address.
# Five guesses in 15 minutes against a million codes (three of them valid at a time) gives
# an attacker who has the password a 1-in-70,000 chance a day.
ACCOUNT_FAILURES = "5 per 15 minutes"
ADDRESS_FAILURES = "20 per 15 minutes"
CODE_ERRORS = (
    second_factor.WrongCode,
    second_factor.ReusedCode,
    second_factor.WrongRecoveryCode,
)


def _code_failed(response) -> bool:
    return bool(g.get("code_failed"))


def _pending_account() -> str:
    pending = session.get(PENDING_KEY)
    token = pending.get("token") if isinstance(pending, dict) else None
    if not token:
        return "second-factor:address:" + (get_remote_address() or "")
    user = pending_user()
    return f"second-factor:user:{user.id}" if user else "second-factor:token:" + token


def _code_limits(view):
    view = limiter.shared_limit(
        ADDRESS_FAILURES,
        scope="second-factor-address",
        methods=["POST"],
        deduct_when=_code_failed,
    )(view)
    return limiter.shared_limit(
        ACCOUNT_FAILURES,
        scope="second-factor-account",
        key_func=_pending_account,
        methods=["POST"],
        deduct_when=_code_failed,
    )(view)


def _no_pending_sign_in():
    return render_template(
        "auth/link_problem.html",
        title=_("There is no sign-in to finish"),
        message=_(
            "The security code is asked for straight after your password, within 10 "
            "minutes. Sign in again to get this step back."
        ),
        action=(url_for("auth.sign_in"), _("Sign in")),
    )


def _refused(form, error: DomainError) -> None:
    if isinstance(error, CODE_ERRORS):
        g.code_failed = True
    form.code.errors.append(error.message)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@_code_limits
@public
def second_factor_step():
    user = pending_user()
    if user is None:
        return _no_pending_sign_in()
    if not user.has_second_factor:
        return _enrol(user)
    form = SecondFactorCodeForm()
    if form.validate_on_submit():
        try:
            second_factor.sign_in_with_code(user, form.code.data)
        except DomainError as error:
            _refused(form, error)
        else:
            return redirect(complete_second_factor(user))
    return render_template("auth/second_factor.html", form=form, user=user)


def _enrol(user):
    form = SecondFactorCodeForm()
    try:
        secret = second_factor.secret_for_enrolment(user)
    except DomainError as error:
        return render_template(
            "auth/link_problem.html",
            title=_("There is a problem with your second factor"),
            message=error.message,
            action=(url_for("auth.sign_in"), _("Sign in")),
        )
    if form.validate_on_submit():
        try:
            codes = second_factor.confirm_enrolment(user, form.code.data)
        except DomainError as error:
            _refused(form, error)
        else:
            # Shown in the answer to this post, never stored in the clear, not even briefly
            # in the session cookie.
            return render_template(
                "auth/recovery_codes.html",
                codes=codes,
                next_url=complete_second_factor(user),
                first_time=True,
            )
    uri = second_factor.provisioning_uri(user, secret)
    return render_template(
        "auth/enrol.html",
        form=form,
        user=user,
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        uri=uri,
        qr=second_factor.qr_svg(uri),
    )


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
@_code_limits
@public
def recovery_code():
    user = pending_user()
    if user is None:
        return _no_pending_sign_in()
    if not user.has_second_factor:
        return redirect(url_for("auth.second_factor_step"))
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        try:
            left = second_factor.sign_in_with_recovery_code(user, form.code.data)
        except DomainError as error:
            _refused(form, error)
        else:
            flash(
                ngettext(
                    "You signed in with a recovery code. You have %(num)s left: make new "
                    "ones from your account page if you no longer have your app.",
                    "You signed in with a recovery code. You have %(num)s left: make new "
                    "ones from your account page if you no longer have your app.",
                    left,
                ),
                "warning" if left < 3 else "info",
            )
            return redirect(complete_second_factor(user))
    return render_template("auth/recovery_code.html", form=form, user=user)


@bp.post("/second-factor/recovery-codes")
@staff
def new_recovery_codes():
    form = ActionForm()
    if not form.validate_on_submit():
        flash(STALE_FORM_MESSAGE, "error")
        return redirect(url_for("auth.profile"))
    try:
        codes = second_factor.new_recovery_codes(current_actor())
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("auth.profile"))
    return render_template(
        "auth/recovery_codes.html",
        codes=codes,
        next_url=url_for("auth.profile"),
        first_time=False,
    )
