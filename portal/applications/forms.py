"""Forms for the requirement check, the application's sections and staff review."""

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.applications import services
from portal.applications.models import (
    ApplicationStatus,
    CertificateType,
    ContactRole,
    DocumentType,
)
from portal.forms import MultiCheckboxField, PortalForm, WholeNumberField

YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]

OCCUPANCY_GROUPS = [
    SelectChoice("A-1", _l("A-1 Assembly: theatres, concert halls")),
    SelectChoice("A-2", _l("A-2 Assembly: restaurants, bars, banquet halls")),
    SelectChoice("A-3", _l("A-3 Assembly: places of worship, libraries, gyms")),
    SelectChoice("A-4", _l("A-4 Assembly: indoor sports arenas")),
    SelectChoice("A-5", _l("A-5 Assembly: outdoor stadiums")),
    SelectChoice("B", _l("B Business: offices, clinics")),
    SelectChoice("E", _l("E Educational: schools, day care")),
    SelectChoice(
        "F-1", _l("F-1 Factory, moderate hazard: making furniture, clothing, cars or food")
    ),
    SelectChoice(
        "F-2", _l("F-2 Factory, low hazard: making glass, metal or brick products, bottling drinks")
    ),
    SelectChoice("H-1", _l("H-1 Hazardous: explosives and materials that can detonate")),
    SelectChoice("H-2", _l("H-2 Hazardous: flammable gases, dusts or liquids that burn fast")),
    SelectChoice("H-3", _l("H-3 Hazardous: materials that burn readily or feed a fire")),
    SelectChoice("H-4", _l("H-4 Hazardous: toxic or corrosive materials")),
    SelectChoice("H-5", _l("H-5 Hazardous: semiconductor and similar research or fabrication")),
    SelectChoice("I-1", _l("I-1 Institutional: assisted living")),
    SelectChoice("I-2", _l("I-2 Institutional: hospitals, nursing homes")),
    SelectChoice("I-3", _l("I-3 Institutional: jails, prisons and detention centers")),
    SelectChoice("I-4", _l("I-4 Institutional: adult and child day care")),
    SelectChoice("M", _l("M Mercantile: shops")),
    SelectChoice("R-1", _l("R-1 Residential: hotels")),
    SelectChoice("R-2", _l("R-2 Residential: apartments, dormitories")),
    SelectChoice("R-3", _l("R-3 Residential: one and two family")),
    SelectChoice("R-4", _l("R-4 Residential: care and assisted living, small")),
    SelectChoice(
        "S-1",
        _l("S-1 Storage, moderate hazard: warehouses of furniture, paper, tires, repair garages"),
    ),
    SelectChoice(
        "S-2",
        _l("S-2 Storage, low hazard: parking garages, storage of metal, glass or food in cans"),
    ),
    SelectChoice("U", _l("U Utility and miscellaneous: sheds, private garages, fences, towers")),
]
# The construction types of the building code, each with what it means in plain words.
CONSTRUCTION_TYPES = {
    "IA": _l("IA: noncombustible, the most fire-resistant (protected concrete or steel)"),
    "IB": _l("IB: noncombustible, fire-resistant (protected concrete or steel)"),
    "IIA": _l("IIA: noncombustible, partly protected (steel or concrete)"),
    "IIB": _l("IIB: noncombustible, unprotected (bare steel)"),
    "IIIA": _l("IIIA: masonry outside walls, wood inside, protected"),
    "IIIB": _l("IIIB: masonry outside walls, wood inside, unprotected"),
    "IV-A": _l("IV-A: mass timber, fully protected"),
    "IV-B": _l("IV-B: mass timber, partly protected"),
    "IV-C": _l("IV-C: mass timber, exposed"),
    "IV-HT": _l("IV-HT: heavy timber"),
    "VA": _l("VA: wood frame, protected (fire-rated)"),
    "VB": _l("VB: wood frame, unprotected"),
}


class Needed:
    """Marks a field the section needs before it counts as complete.

    Saving a draft never requires it: services.missing_* decide completeness, so the
    task list and "Save and continue" apply the same rule.
    """

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


def _count(label, hint=None):
    return WholeNumberField(
        label,
        validators=[Needed(), Optional(), NumberRange(min=0, max=10_000_000)],
        description=hint,
    )


def yes_no(value: bool | None) -> str | None:
    if value is None:
        return None
    return "yes" if value else "no"


def from_yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


class RequirementCheckForm(PortalForm):
    """Questions of the public check; answered by GET so a result can be bookmarked."""

    class Meta:
        csrf = False

    units = WholeNumberField(
        _l("How many dwelling or sleeping units does the work build or substantially alter?"),
        validators=[InputRequired(_l("Enter the number of units")), NumberRange(min=0)],
        description=_l(
            "Count only the units the work creates or reconfigures, not the building's other "
            "units: remodelling one unit of a 20-unit building is 1. Units are apartments and "
            "houses, and hotel, dormitory or care home rooms. Enter 0 if none."
        ),
    )
    non_residential_sq_ft = WholeNumberField(
        _l(
            "How much floor area used for anything other than homes does the work build or "
            "substantially alter, in square feet?"
        ),
        validators=[InputRequired(_l("Enter the floor area")), NumberRange(min=0)],
        description=_l("For example offices, shops, restaurants or storage. Enter 0 if none."),
    )
    change_of_occupancy = RadioField(
        _l("Will the building or space change to a different use?"),
        choices=YES_NO,
        validators=[InputRequired(_l("Select yes if the use is changing"))],
        description=_l(
            "For example a store becoming an apartment, or a warehouse becoming offices."
        ),
    )
    groups = MultiCheckboxField(
        _l("Will any part of the building be used for these?"),
        choices=[
            SelectChoice(
                "A", _l("Assembly: people gathering, such as a restaurant, theatre or church")
            ),
            SelectChoice("E", _l("Educational: a school or day care")),
            SelectChoice("I", _l("Institutional: a hospital, nursing home or jail")),
            SelectChoice(
                "H",
                _l(
                    "Hazardous: storing or using dangerous materials (regulated by the Chicago "
                    "Fire Department, Fire Prevention Bureau)"
                ),
            ),
            SelectChoice("none", _l("None of these")),
        ],
        validators=[InputRequired(_l("Select the uses, or 'None of these'"))],
        description=_l(
            "A day care in a home for 8 or fewer children who are not related to the operator "
            "is neither educational nor institutional: do not select either for it."
        ),
    )
    space_work = RadioField(
        _l("Does the work build or substantially rehabilitate the space used for these?"),
        choices=YES_NO,
        validators=[Optional()],
        description=_l(
            "Answer if you selected a use above. Painting or new flooring alone is not."
        ),
    )
    assembly_people = WholeNumberField(
        _l("If there is an assembly space: how many people can it hold at most?"),
        validators=[Optional(), NumberRange(min=0, max=10_000_000)],
    )

    def validate_groups(self, field):
        if "none" in field.data and len(field.data) > 1:
            raise ValidationError(_l("Select 'None of these' on its own, or only the uses"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        people = self.assembly_people
        # Checked here: the field's Optional() ends its own validation when it is empty.
        if "A" in (self.groups.data or []) and people.data is None and not people.errors:
            people.errors.append(_l("Enter how many people the assembly space can hold"))
            valid = False
        uses = [group for group in self.groups.data or [] if group != "none"]
        if uses and not self.space_work.data and not self.space_work.errors:
            self.space_work.errors = [
                *self.space_work.errors,
                _l("Select yes if the work builds or substantially rehabilitates that space"),
            ]
            valid = False
        return valid


class SectionForm(PortalForm):
    """A section of the application: "Save and continue" needs it complete, "later" does not."""

    @property
    def completing(self) -> bool:
        return request.form.get("save") != "later"

    def missing(self) -> dict[str, str]:
        """Field name -> message for what a complete section still needs; each section says."""
        return {}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.completing:
            for name, message in self.missing().items():
                if not self[name].errors:
                    self[name].errors.append(message)
                valid = False
        return valid


class BuildingForm(SectionForm):
    occupancy_groups = MultiCheckboxField(
        _l("Occupancy group or groups"), choices=OCCUPANCY_GROUPS, validators=[Needed()]
    )
    portion_of_building = StringField(
        _l("Portion of the building this certificate covers"),
        validators=[Needed(), Length(max=300)],
        description=_l("For example 'Entire building' or 'Floors 1 to 3'."),
    )
    occupancy_load = _count(
        _l("Proposed occupancy load (people)"),
        _l("The most people the covered portion is designed to hold."),
    )
    floor_area_sq_ft = _count(_l("Total floor area, in square feet"))
    non_residential_sq_ft = _count(
        _l("Of which used for anything other than homes, in square feet"),
        _l("Enter 0 if the whole area is residential."),
    )
    dwelling_units = _count(
        _l("Dwelling units"),
        _l(
            "The units the work builds or substantially alters (reconfigures), not the "
            "building's other units. Enter 0 if none."
        ),
    )
    sleeping_units = _count(
        _l("Sleeping units"),
        _l(
            "Hotel, dormitory or care home rooms the work builds or substantially alters. "
            "Enter 0 if none."
        ),
    )
    stories = _count(_l("Stories above grade"))
    construction_type = SelectField(
        _l("Construction type"),
        choices=[SelectChoice("", _l("Select a construction type"))]
        + [SelectChoice(code, label) for code, label in CONSTRUCTION_TYPES.items()],
        validators=[Needed(), Optional()],
    )
    sprinklered = RadioField(
        _l("Is the building fully sprinklered?"), choices=YES_NO, validators=[Needed(), Optional()]
    )
    change_of_occupancy = RadioField(
        _l("Is this a change of occupancy?"),
        choices=YES_NO,
        validators=[Needed(), Optional()],
        description=_l("The building or space changes to a different use."),
    )
    previous_use = StringField(
        _l("If the occupancy changes: the previous use"),
        validators=[Needed(), Length(max=300)],
    )
    certificate_type = RadioField(
        _l("Which certificate are you requesting?"),
        choices=[SelectChoice(t.value, t.label) for t in CertificateType],
        validators=[Needed(), Optional()],
    )
    partial_portion = StringField(
        _l("For a partial certificate: which portion"), validators=[Needed(), Length(max=300)]
    )
    temporary_reason = TextAreaField(
        _l("For a temporary certificate: why it is needed"),
        validators=[Needed(), Length(max=2000)],
    )

    @classmethod
    def for_application(cls, application) -> "BuildingForm":
        return cls(
            data={
                "occupancy_groups": list(application.occupancy_groups or []),
                "portion_of_building": application.portion_of_building,
                "occupancy_load": application.occupancy_load,
                "floor_area_sq_ft": application.floor_area_sq_ft,
                "non_residential_sq_ft": application.non_residential_sq_ft,
                "dwelling_units": application.dwelling_units,
                "sleeping_units": application.sleeping_units,
                "stories": application.stories,
                "construction_type": application.construction_type,
                "sprinklered": yes_no(application.sprinklered),
                "change_of_occupancy": yes_no(application.change_of_occupancy),
                "previous_use": application.previous_use,
                "certificate_type": (
                    application.certificate_type.value if application.certificate_type else None
                ),
                "partial_portion": application.partial_portion,
                "temporary_reason": application.temporary_reason,
            }
        )

    def missing(self) -> dict[str, str]:
        return services.missing_building(self.answers())

    def answers(self) -> dict:
        """The answers in the model's terms (booleans, enums), for services.save_building."""
        certificate = self.certificate_type.data
        return {
            "occupancy_groups": list(self.occupancy_groups.data or []),
            "portion_of_building": (self.portion_of_building.data or "").strip(),
            "occupancy_load": self.occupancy_load.data,
            "floor_area_sq_ft": self.floor_area_sq_ft.data,
            "non_residential_sq_ft": self.non_residential_sq_ft.data,
            "dwelling_units": self.dwelling_units.data,
            "sleeping_units": self.sleeping_units.data,
            "stories": self.stories.data,
            "construction_type": self.construction_type.data or "",
            "sprinklered": from_yes_no(self.sprinklered.data),
            "change_of_occupancy": from_yes_no(self.change_of_occupancy.data),
            "previous_use": (self.previous_use.data or "").strip(),
            "certificate_type": (
                CertificateType(certificate)
                if certificate in CertificateType._value2member_map_
                else None
            ),
            "partial_portion": (self.partial_portion.data or "").strip(),
            "temporary_reason": (self.temporary_reason.data or "").strip(),
        }


LICENSED_ROLES = {
    ContactRole.ARCHITECT.value,
    ContactRole.GENERAL_CONTRACTOR.value,
    ContactRole.TRADE_CONTRACTOR.value,
}


CONTACT_FIELDS = (
    "role",
    "name",
    "company",
    "email",
    "phone",
    "address",
    "trade",
    "license_number",
)


class ContactForm(PortalForm):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice("", _l("Select a role"))]
        + [SelectChoice(r.value, r.label) for r in ContactRole],
        validators=[InputRequired(_l("Select the contact's role"))],
    )
    name = StringField(
        _l("Full name"), validators=[InputRequired(_l("Enter the contact's name")), Length(max=200)]
    )
    company = StringField(_l("Company"), validators=[Optional(), Length(max=200)])
    email = EmailField(
        _l("Email address"),
        validators=[
            Optional(),
            Length(max=254),
            Email(_l("Enter an email address like name@example.com"), check_deliverability=False),
        ],
    )
    phone = TelField(_l("Phone number"), validators=[Optional(), Length(max=40)])
    address = StringField(_l("Mailing address"), validators=[Optional(), Length(max=300)])
    # No Optional() here: it would end validation before the role-dependent checks below.
    trade = StringField(
        _l("Trade"),
        validators=[Length(max=100)],
        description=_l("For a trade contractor, for example electrical or plumbing."),
    )
    license_number = StringField(
        _l("License number"),
        validators=[Length(max=60)],
        description=_l("Needed for architects, engineers and contractors."),
    )

    def validate_license_number(self, field):
        if self.role.data in LICENSED_ROLES and not (field.data or "").strip():
            raise ValidationError(_l("Enter the license number"))

    def validate_trade(self, field):
        if self.role.data == ContactRole.TRADE_CONTRACTOR.value and not (field.data or "").strip():
            raise ValidationError(_l("Enter the contractor's trade"))

    def is_blank(self) -> bool:
        """Nothing typed or chosen: "Save and continue" then moves on without a contact."""
        return not any((self[name].data or "").strip() for name in CONTACT_FIELDS)

    def answers(self) -> dict:
        return {
            "role": ContactRole(self.role.data),
            **{
                name: (getattr(self, name).data or "").strip()
                for name in ("name", "company", "email", "phone", "address", "trade")
            },
            "license_number": (self.license_number.data or "").strip(),
        }


class DocumentForm(PortalForm):
    document_type = SelectField(
        _l("Document type"),
        choices=[SelectChoice("", _l("Select a document type"))]
        + [SelectChoice(d.value, d.label) for d in DocumentType],
        validators=[InputRequired(_l("Select the document type"))],
    )
    # Several files of one type at once, e.g. the pages of a plan set scanned one by one.
    file = MultipleFileField(
        _l("Files"),
        validators=[InputRequired(_l("Select a file to upload"))],
    )
    # Checked below with a message that says why, not WTForms' generic "Not a valid choice".
    replaces = SelectField(
        _l("Is this a new version of a document already uploaded?"), validate_choice=False
    )

    def validate_replaces(self, field) -> None:
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("The document to replace is no longer on the application."))
        if field.data and len(self.file.data or []) > 1:
            raise ValidationError(_l("Choose one file to replace a document, not several."))

    def is_blank(self) -> bool:
        """No type and no file chosen: "Save and continue" then moves on without an upload."""
        return not (self.document_type.data or self.file.data or self.replaces.data)

    @classmethod
    def for_application(cls, application, **kwargs) -> "DocumentForm":
        """The replace choices are the application's current documents."""
        form = cls(**kwargs)
        form.replaces.choices = [SelectChoice("", _l("No, it is a new document"))] + [
            SelectChoice(
                str(d.id),
                _l(
                    "Yes, it replaces %(file)s (%(type)s)",
                    file=d.filename,
                    type=d.document_type.label,
                ),
            )
            for d in application.documents
        ]
        return form


ATTESTATIONS = services.ATTESTATION_FIELDS


class AttestationsForm(SectionForm):
    attest_owner_involved = BooleanField(
        _l("The building's owner has been involved in the project and knows of this application")
    )
    attest_professionals = BooleanField(
        _l("The architect or engineer of record and the contractors are licensed in Chicago")
    )
    attest_permits_finaled = BooleanField(
        _l("All related permits for this building are finaled, or will be before the certificate")
    )
    attest_true = BooleanField(
        _l("The information in this application is true and complete to the best of my knowledge")
    )

    def missing(self) -> dict[str, str]:
        return services.missing_attestations(self.answers())

    def answers(self) -> dict:
        return {name: bool(getattr(self, name).data) for name in ATTESTATIONS}


class VersionedActionForm(PortalForm):
    """A staff action on an application as the reviewer saw it (the stale-form guard)."""

    version = HiddenField(validators=[InputRequired()])


# The reviewer's decisions: the status each moves to, and whether it closes the application
# (those two ask for a confirmation before they are recorded).
DECISIONS = {
    "accept": (ApplicationStatus.ACCEPTED, _l("Accept the application"), False),
    "request-information": (
        ApplicationStatus.INFORMATION_REQUESTED,
        _l("Request more information from the applicant"),
        False,
    ),
    "reject": (ApplicationStatus.REJECTED, _l("Reject the application"), True),
    "not-applicable": (
        ApplicationStatus.NOT_APPLICABLE,
        _l("Not applicable: this project needs no certificate"),
        True,
    ),
}


class DecisionForm(VersionedActionForm):
    """The review page's one decision form: the decision, then the message or reason."""

    decision = RadioField(
        _l("Your decision"), validators=[InputRequired(_l("Select your decision"))]
    )
    # Checked below: needed for every decision but accepting (Needed drops "(optional)").
    message = TextAreaField(
        _l("Message to the applicant"),
        validators=[Needed(), Length(max=4000)],
        description=_l(
            "What the department needs, or the reason for a rejection or not applicable. The "
            "applicant reads it in the email and on the application. Not needed to accept."
        ),
    )
    # "yes" once the reviewer has seen the confirmation of a decision that closes the application.
    confirm = HiddenField()

    @classmethod
    def for_application(cls, application, **kwargs) -> "DecisionForm":
        """Every decision is a valid answer: one the application's state no longer allows
        (another reviewer decided first) is refused by the service, which says why."""
        form = cls(**kwargs)
        form.decision.choices = [
            SelectChoice(key, label) for key, (_status, label, _closes) in DECISIONS.items()
        ]
        if kwargs.get("formdata", True) is None:
            form.version.data = str(application.version)
        return form

    def offer_only(self, can) -> None:
        """Show only the decisions open to the application in its state (`can(status)`)."""
        self.decision.choices = [
            SelectChoice(key, label)
            for key, (status, label, _closes) in DECISIONS.items()
            if can(status)
        ]

    @property
    def closes(self) -> bool:
        return DECISIONS.get(self.decision.data or "", (None, None, False))[2]

    @property
    def confirmed(self) -> bool:
        return self.confirm.data == "yes"

    def validate_message(self, field):
        if self.decision.data != "accept" and not (field.data or "").strip():
            raise ValidationError(_l("Enter a message for the applicant"))


class SubmitForm(PortalForm):
    """Submit, or resubmit with a reply to the department's request for information."""

    reply = TextAreaField(
        _l("Your reply to the department (optional)"),
        validators=[Optional(), Length(max=4000)],
        description=_l(
            "Answer the department's request in your own words: what you changed or uploaded, "
            "or why something cannot be provided."
        ),
    )
