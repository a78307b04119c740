"""Account forms. Emails are normalised to lower case as they are read."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, RadioField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from portal.auth import passwords
from portal.auth.models import Role
from portal.forms import PortalForm


def _normalise_email(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else value


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _acceptable_password(form, field) -> None:
    message = passwords.problem(field.data or "")
    if message:
        raise ValidationError(message)


def _email_field(label=None) -> EmailField:
    return EmailField(
        label or _l("Email address"),
        filters=[_normalise_email],
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254, message=_l("Enter an email address of at most 254 characters.")),
            Email(_l("Enter an email address in the correct format, like name@example.com.")),
        ],
    )


def _name_field() -> StringField:
    return StringField(
        _l("Full name"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter your full name.")),
            Length(max=200, message=_l("Enter a name of at most 200 characters.")),
        ],
    )


def _phone_field() -> TelField:
    return TelField(
        _l("Phone number"),
        description=_l("Inspectors and staff call this number about your permits."),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter a phone number.")),
            Length(max=40, message=_l("Enter a phone number of at most 40 characters.")),
            Regexp(
                r"^\+?[0-9 ().\-]{7,}( *(x|ext\.?) *[0-9]+)?$",
                message=_l("Enter a phone number, like 312-555-0100."),
            ),
        ],
    )


def _new_password_fields(label=None, confirm_label=None):
    password = PasswordField(
        label or _l("Password"),
        description=_l(
            "At least 12 characters. Any characters are fine: a few unrelated words "
            "make a strong password that is easy to remember."
        ),
        validators=[DataRequired(_l("Enter a password.")), _acceptable_password],
    )
    confirm = PasswordField(
        confirm_label or _l("Confirm password"),
        validators=[
            DataRequired(_l("Enter the password again.")),
            EqualTo("password", message=_l("The passwords do not match. Enter them again.")),
        ],
    )
    return password, confirm


class RegisterForm(PortalForm):
    name = _name_field()
    email = _email_field()
    phone = _phone_field()
    password, confirm = _new_password_fields()
    next = HiddenField()


class SignInForm(PortalForm):
    email = _email_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    next = HiddenField()


class ForgotPasswordForm(PortalForm):
    email = _email_field()


class ResetPasswordForm(PortalForm):
    password, confirm = _new_password_fields(_l("New password"), _l("Confirm new password"))


class ChangePasswordForm(PortalForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
    )
    password, confirm = _new_password_fields(_l("New password"), _l("Confirm new password"))


class ProfileForm(PortalForm):
    name = _name_field()
    phone = _phone_field()


class LanguageForm(PortalForm):
    """The header's language switcher: the language, and the page to go back to."""

    locale = HiddenField(validators=[DataRequired()])
    next = HiddenField()


class RenewVerificationForm(PortalForm):
    """The "send a new link" button under an expired verification link carries that link."""

    token = HiddenField(validators=[DataRequired()])


STAFF_ROLE_CHOICES = [
    SelectChoice(Role.STAFF.value, _l("Staff: reviews applications, inspections, fees")),
    SelectChoice(Role.ADMIN.value, _l("Administrator: also manages staff accounts and settings")),
]


class StaffAccountForm(PortalForm):
    name = StringField(
        _l("Full name"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter the person's full name.")),
            Length(max=200, message=_l("Enter a name of at most 200 characters.")),
        ],
    )
    email = _email_field(_l("Work email address"))
    role = RadioField(
        _l("Role"), choices=STAFF_ROLE_CHOICES, validators=[DataRequired(_l("Choose a role."))]
    )


def _digits_only(value: str | None) -> str | None:
    # People type codes with the space their app shows ("123 456").
    return "".join(value.split()) if isinstance(value, str) else value


class SecondFactorCodeForm(PortalForm):
    code = StringField(
        _l("Security code"),
        description=_l("The 6-digit code your authenticator app shows now."),
        filters=[_digits_only],
        validators=[
            DataRequired(_l("Enter the 6-digit code from your authenticator app.")),
            Regexp(r"^[0-9]{6}$", message=_l("Enter the code as 6 digits, like 123456.")),
        ],
    )


class RecoveryCodeForm(PortalForm):
    code = StringField(
        _l("Recovery code"),
        description=_l("One of the codes you saved when you set up your second factor."),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter one of your recovery codes.")),
            Length(max=40, message=_l("Enter a recovery code, like abcde-23456.")),
        ],
    )


class RoleForm(PortalForm):
    role = RadioField(
        _l("Role"),
        choices=STAFF_ROLE_CHOICES,
        validators=[DataRequired(_l("Choose a role."))],
    )


class KeepAliveForm(PortalForm):
    """The idle warning's "Stay signed in": the page it was on, to come back to."""

    next = HiddenField()
