"""Accounts: register, verify the email address, sign in and out, reset and change the
password, edit the profile. Views load, call a service in auth.services, render or redirect."""

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from portal import languages
from portal.access import current_actor, public, signed_in, staff
from portal.auth import second_factor, services
from portal.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    KeepAliveForm,
    LanguageForm,
    ProfileForm,
    RegisterForm,
    RenewVerificationForm,
    ResetPasswordForm,
    SignInForm,
)
from portal.auth.session import after_password, begin, safe_next_url
from portal.errors import DomainError
from portal.extensions import limiter, submitted_email
from portal.forms import STALE_FORM_MESSAGE, ActionForm
from portal.security import restart_idle_clock
from portal.template_helpers import contact_link

bp = Blueprint("auth", __name__, url_prefix="/account")

# Limits on guessing passwords: only wrong credentials count, so a typo in the form or a
# successful sign-in never locks anyone out. The per-account limit holds across addresses.
ACCOUNT_FAILURES = "5 per 15 minutes"
ADDRESS_FAILURES = "20 per 15 minutes"


def _credentials_failed(response) -> bool:
    return bool(g.get("credentials_failed"))


def _signed_in_account() -> str:
    # The account's id, not its session token: signing out and in again rotates the token,
    # and must not start the count afresh.
    return f"user:{getattr(current_user, 'id', 'anonymous')}"


def _next_or_home(candidate: str | None) -> str:
    return safe_next_url(candidate) or url_for("main.index")


def _link_problem(error: DomainError, *, status: int, form=None, action=None):
    expired = isinstance(error, services.ExpiredLink)
    return render_template(
        "auth/link_problem.html",
        title=_("This link has expired") if expired else _("This link does not work"),
        message=error.message,
        form=form,
        action=action,
    ), status


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
@public
def register():
    form = RegisterForm()
    if request.method == "GET":
        form.next.data = safe_next_url(request.args.get("next")) or ""
        # An invitation's sign-up link names the invited address: it is filled in (and can
        # still be changed), so the account matches the invitation.
        form.email.data = (request.args.get("email") or "").strip()[:254]
        if current_user.is_authenticated:
            return redirect(_next_or_home(form.next.data))
    if form.validate_on_submit():
        try:
            user = services.register(
                name=form.name.data,
                email=form.email.data,
                phone=form.phone.data,
                password=form.password.data,
            )
        except services.EmailTaken as error:
            form.email.errors.append(error.message)
        except services.UnacceptablePassword as error:
            form.password.errors.append(error.message)
        else:
            begin(user)
            flash(
                _(
                    "Your account is ready. We sent a link to %(email)s: open it to confirm "
                    "your email address.",
                    email=user.email,
                ),
                "success",
            )
            return redirect(_next_or_home(form.next.data))
    return render_template("auth/register.html", form=form)


@bp.get("/verify/<token>")
@public
def verify_email(token: str):
    try:
        _user, newly = services.verify_email(token)
    except services.ExpiredLink as error:
        return _link_problem(error, status=410, form=RenewVerificationForm(token=token))
    except services.InvalidLink as error:
        return _link_problem(error, status=400)
    return render_template("auth/verified.html", newly=newly)


@bp.post("/verify/renew")
@limiter.limit("5 per 15 minutes", methods=["POST"])
@public
def renew_verification():
    form = RenewVerificationForm()
    if not form.validate_on_submit():
        return _link_problem(services.ExpiredLink(), status=400, form=form)
    try:
        services.renew_verification(form.token.data)
    except services.InvalidLink as error:
        return _link_problem(error, status=400, action=(url_for("auth.sign_in"), _("Sign in")))
    flash(_("We sent a new link. Open it to confirm your email address."), "success")
    return redirect(url_for("main.index"))


@bp.post("/verify/resend")
@limiter.limit("5 per 15 minutes", key_func=_signed_in_account, methods=["POST"])
@signed_in
def resend_verification():
    form = ActionForm()
    if not form.validate_on_submit():
        flash(STALE_FORM_MESSAGE, "error")
        return redirect(url_for("auth.profile"))
    try:
        services.send_verification(current_actor())
    except DomainError as error:
        flash(error.message, "info")
    else:
        flash(_("We sent a new link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    ACCOUNT_FAILURES,
    key_func=submitted_email,
    methods=["POST"],
    deduct_when=_credentials_failed,
)
@limiter.limit(ADDRESS_FAILURES, methods=["POST"], deduct_when=_credentials_failed)
@public
def sign_in():
    form = SignInForm()
    if request.method == "GET":
        form.next.data = safe_next_url(request.args.get("next")) or ""
        if current_user.is_authenticated:
            return redirect(_next_or_home(form.next.data))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.BadCredentials as error:
            g.credentials_failed = True
            form.email.errors.append(error.message)
        except services.AccountDeactivated as error:
            form.email.errors.append(contact_link(error.message))
        else:
            return redirect(after_password(user, _next_or_home(form.next.data)))
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
@public
def sign_out():
    # Public so that a click on "Sign out" after the session already ended lands softly.
    if not current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = ActionForm()
    if not form.validate_on_submit():
        return render_template("auth/sign_out.html", form=form)
    services.sign_out(current_actor())
    logout_user()
    language = session.get(languages.SESSION_KEY)
    session.clear()
    # Signing out ends the account's session, not the language this browser reads in.
    if language:
        session[languages.SESSION_KEY] = language
    flash(_("You have signed out."), "success")
    return redirect(url_for("main.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", key_func=submitted_email, methods=["POST"])
@limiter.limit("20 per hour", methods=["POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return redirect(url_for("auth.reset_link_sent"))
    return render_template("auth/forgot_password.html", form=form)


@bp.get("/password/forgot/sent")
@public
def reset_link_sent():
    return render_template("auth/reset_link_sent.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    new_link = (url_for("auth.forgot_password"), _("Ask for a new link"))
    try:
        user = services.user_for_reset_token(token)
    except services.ExpiredLink as error:
        return _link_problem(error, status=410, action=new_link)
    except services.InvalidLink as error:
        return _link_problem(error, status=400, action=new_link)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except services.UnacceptablePassword as error:
            form.password.errors.append(error.message)
        except (services.ExpiredLink, services.InvalidLink) as error:
            return _link_problem(error, status=400, action=new_link)
        else:
            target = after_password(user, url_for("main.index"))
            if user.is_staff:
                flash(_("Your new password is set. Now for your second factor."), "success")
            else:
                flash(_("Your new password is set and you are signed in."), "success")
            return redirect(target)
    return render_template("auth/reset_password.html", form=form, user=user, token=token)


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(
    ACCOUNT_FAILURES,
    key_func=_signed_in_account,
    methods=["POST"],
    deduct_when=_credentials_failed,
)
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_actor()
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except services.WrongCurrentPassword as error:
            g.credentials_failed = True
            form.current_password.errors.append(error.message)
        except services.UnacceptablePassword as error:
            form.password.errors.append(error.message)
        else:
            # The new session token ended every session, this one too: start it again
            # (this session passed the second factor to get here).
            begin(user, second_factor_done=True)
            flash(
                _("Your password is changed. Every other session of your account has ended."),
                "success",
            )
            return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form)


@bp.post("/sessions/end-others")
@signed_in
def sign_out_other_sessions():
    form = ActionForm()
    if not form.validate_on_submit():
        flash(STALE_FORM_MESSAGE, "error")
        return redirect(url_for("auth.profile"))
    user = current_actor()
    services.sign_out_other_sessions(user)
    # The new token ended this session too: start it again (it had passed any second factor).
    begin(user, second_factor_done=True)
    flash(_("You are signed out on every other device. You are still signed in here."), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/profile", methods=["GET", "POST"])
@signed_in
def profile():
    user = current_actor()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        services.update_profile(user, name=form.name.data, phone=form.phone.data)
        flash(_("Your details are saved."), "success")
        return redirect(url_for("auth.profile"))
    codes_left = second_factor.unused_recovery_codes(user) if user.has_second_factor else None
    return render_template(
        "auth/profile.html", form=form, user=user, recovery_codes_left=codes_left
    )


# The second-factor views and the auth command group register on bp.
from portal.auth import cli, second_factor_views  # noqa: E402, F401


@bp.post("/keep-alive")
@staff
def keep_alive():
    """The idle warning's "Stay signed in". The page's script sends it in the background and
    gets 204; without the script the form posts and the browser comes back to its page."""
    form = KeepAliveForm()
    back = safe_next_url(form.next.data) or url_for("auth.profile")
    if not form.validate_on_submit():
        flash(STALE_FORM_MESSAGE, "error")
        return redirect(back)
    restart_idle_clock()
    if request.headers.get("X-Requested-With") == "fetch":
        return "", 204
    flash(_("You are still signed in."), "success")
    return redirect(back)


@bp.post("/language")
@public
def language():
    """The header's switcher (a form, so it works without JavaScript): this browser's
    language for the session, and a signed-in person's account preference."""
    form = LanguageForm()
    back = safe_next_url(form.next.data) or url_for("main.index")
    if not form.validate_on_submit():
        flash(STALE_FORM_MESSAGE, "error")
        return redirect(back)
    chosen = languages.supported(form.locale.data)
    if chosen is None:
        flash(_("Choose English or Spanish."), "error")
        return redirect(back)
    session[languages.SESSION_KEY] = chosen
    if current_user.is_authenticated:
        services.choose_language(current_actor(), chosen)
    return redirect(back)
