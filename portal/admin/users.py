"""Staff accounts: the list, and creating a staff or admin account (admins only)."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import admin
from portal.admin.routes import bp
from portal.auth import services
from portal.auth.forms import StaffAccountForm
from portal.extensions import db


@bp.get("/users")
@admin
def users():
    page = db.paginate(
        services.staff_accounts(),
        page=request.args.get("page", 1, type=int),
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
                created_by=current_user._get_current_object(),
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
