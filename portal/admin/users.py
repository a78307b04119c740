"""Staff accounts (admins only): the list, inviting a staff member, and each account's page
where an admin changes the role, deactivates or reactivates the account, or resets its
second factor. Every change goes through portal.auth.services or portal.auth.second_factor."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import admin, current_actor
from portal.admin.routes import bp
from portal.auth import second_factor, services
from portal.auth.forms import RoleForm, StaffAccountForm
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import STALE_FORM_MESSAGE, ActionForm
from portal.queues import page_number


def _staff_account(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff:
        abort(404)
    return user


@bp.get("/users")
@admin
def users():
    page = db.paginate(
        services.staff_accounts(),
        page=page_number(),
        per_page=current_app.config["PAGE_SIZE"],
    )
    return render_template("admin/users.html", page=page)


@bp.route("/users/new", methods=["GET", "POST"])
@admin
def new_user():
    form = StaffAccountForm()
    if form.validate_on_submit():
        try:
            user = services.create_staff_account(
                name=form.name.data,
                email=form.email.data,
                role=form.role.data,
                created_by=current_actor(),
            )
        except services.EmailTaken as error:
            form.email.errors.append(error.message)
        else:
            flash(
                _(
                    "Account created for %(name)s. We emailed %(email)s a link to set a password.",
                    name=user.name,
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for("admin.users"))
    return render_template("admin/users_new.html", form=form)


def _user_page(user: User, role_form: RoleForm | None = None, status: int = 200):
    if role_form is None:
        role_form = RoleForm(formdata=None, role=user.role.value)
    return render_template(
        "admin/user.html", user=user, form=role_form, is_me=user.id == current_user.id
    ), status


@bp.get("/users/<int:user_id>")
@admin
def user(user_id: int):
    return _user_page(_staff_account(user_id))


@bp.post("/users/<int:user_id>/role")
@admin
def change_role(user_id: int):
    account = _staff_account(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _user_page(account, form)
    try:
        services.change_role(account, form.role.data, current_actor())
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(
            _("%(name)s is now: %(role)s.", name=account.name, role=account.role.label),
            "success",
        )
    return redirect(url_for("admin.user", user_id=account.id))


def _act(user_id: int, action, done: str):
    """A button on the account page: validate its form, call the service, say what happened."""
    account = _staff_account(user_id)
    if not ActionForm().validate_on_submit():
        flash(STALE_FORM_MESSAGE, "error")
        return redirect(url_for("admin.user", user_id=account.id))
    try:
        action(account, current_actor())
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(done % {"name": account.name}, "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.post("/users/<int:user_id>/deactivate")
@admin
def deactivate_user(user_id: int):
    return _act(
        user_id,
        services.deactivate,
        _("%(name)s's account is deactivated and every session of it has ended."),
    )


@bp.post("/users/<int:user_id>/reactivate")
@admin
def reactivate_user(user_id: int):
    return _act(
        user_id,
        services.reactivate,
        _("%(name)s's account is active again."),
    )


@bp.post("/users/<int:user_id>/reset-second-factor")
@admin
def reset_second_factor(user_id: int):
    return _act(
        user_id,
        second_factor.reset,
        _(
            "%(name)s's second factor is reset and their sessions have ended. They set it "
            "up again at their next sign-in."
        ),
    )
