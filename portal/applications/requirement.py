"""When Chicago requires a Certificate of Occupancy: one pure rule for the public check and the
application alike.

Source: Chicago Construction Codes Administrative Provisions 14A-7-702.1 as the Department of
Buildings applies it (the seed "Chicago DOB C of O requirements"). A C of O is required for the
construction or substantial alteration (reconfiguration) of 4 or more dwelling or sleeping
units; the construction or substantial alteration of more than 10,000 sq ft of non-residential
occupancy; any change of occupancy; the construction or substantial rehabilitation of any space
used for assembly (Group A, more than 50 people), educational (E), institutional (I) or
hazardous (H, regulated by the Chicago Fire Department, Fire Prevention Bureau) occupancy,
whatever its size. A home day care for 8 or fewer children unrelated to the operator is neither
E nor I. Any other project, single-family homes included, may request one, but the request must
be made online and approved before any construction work begins.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import LazyString, lazy_ngettext
from flask_babel import lazy_gettext as _l

from portal import languages

UNITS_THRESHOLD = 4
NON_RESIDENTIAL_SQ_FT_LIMIT = 10_000
ASSEMBLY_PEOPLE_LIMIT = 50

SOURCE = _l("Chicago Construction Codes, Administrative Provisions 14A-7-702.1")

RULES = {
    "units": _l(
        "Construction or substantial alteration (reconfiguration) of 4 or more dwelling or "
        "sleeping units"
    ),
    "floor_area": _l(
        "Construction or substantial alteration of more than 10,000 sq ft of non-residential "
        "occupancy"
    ),
    "change_of_occupancy": _l("Any change of occupancy"),
    "assembly": _l("Assembly (Group A) for more than 50 people"),
    "educational": _l("Educational occupancy (Group E), whatever its size"),
    "institutional": _l("Institutional occupancy (Group I), whatever its size"),
    "hazardous": _l(
        "Hazardous occupancy (Group H, regulated by the Chicago Fire Department, Fire Prevention "
        "Bureau), whatever its size"
    ),
    "groups": _l(
        "Construction or substantial rehabilitation of a space used for assembly for more than "
        "50 people, or for educational, institutional or hazardous occupancy"
    ),
}
# Occupancy groups that require a certificate whatever their size, by the group's letter.
ALWAYS_REQUIRED_GROUPS = {"E": "educational", "I": "institutional", "H": "hazardous"}


@dataclass(frozen=True)
class Reason:
    """One rule that decided the answer, in plain words, and the rule it comes from."""

    code: str
    text: str

    @property
    def rule(self) -> str:
        return str(RULES[self.code])


@dataclass(frozen=True)
class Result:
    required: bool
    # When required: every rule that applies. When not: why each rule does not apply.
    reasons: list[Reason] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.required:
            return str(_l("Required"))
        return str(_l("Not required, but you may request one"))


def group_letters(groups: Iterable[str]) -> set[str]:
    """'A-2', 'E', 'I-1' -> {'A', 'E', 'I'}: the rule depends only on the group's letter."""
    return {group.strip()[:1].upper() for group in groups if group and group.strip()}


def requirement(
    dwelling_or_sleeping_units: int,
    non_residential_sq_ft: int,
    change_of_occupancy: bool,
    groups: Iterable[str],
    assembly_people: int = 0,
    *,
    space_work: bool = True,
) -> Result:
    """Decide whether a C of O is required.

    ``dwelling_or_sleeping_units`` are the units the work builds or substantially alters
    (not the building's others); ``non_residential_sq_ft`` the non-residential floor area it
    builds or substantially alters; ``groups`` are occupancy groups ("A-2", "E", "R-2" or just
    the letter); ``assembly_people`` is the most people the assembly space (Group A) holds;
    ``space_work`` says whether the work builds or substantially rehabilitates the space used
    for those groups (the group rules apply only then).

    Long because it is the rule itself, read top to bottom in the order the department states
    it.
    """
    units = dwelling_or_sleeping_units or 0
    area = non_residential_sq_ft or 0
    people = assembly_people or 0
    letters = group_letters(groups) if space_work else set()
    named = group_letters(groups) & (set(ALWAYS_REQUIRED_GROUPS) | {"A"})
    met: list[Reason] = []
    unmet: list[Reason] = []

    def decide(applies: bool, code: str, if_met: str, if_not: str) -> None:
        (met if applies else unmet).append(Reason(code, if_met if applies else if_not))

    decide(
        units >= UNITS_THRESHOLD,
        "units",
        _l(
            "The work builds or substantially alters %(n)s dwelling or sleeping units: 4 or "
            "more need a certificate.",
            n=units,
        ),
        # Only this one can be a single unit: the other says 4 or more.
        lazy_ngettext(
            "The work builds or substantially alters %(num)s dwelling or sleeping unit, fewer "
            "than 4.",
            "The work builds or substantially alters %(num)s dwelling or sleeping units, fewer "
            "than 4.",
            units,
        ),
    )
    decide(
        area > NON_RESIDENTIAL_SQ_FT_LIMIT,
        "floor_area",
        _l(
            "The work builds or substantially alters %(area)s sq ft used for something other "
            "than homes: more than 10,000 sq ft needs a certificate.",
            area=LazyString(languages.whole_number, area),
        ),
        _l(
            "The work builds or substantially alters %(area)s sq ft used for something other "
            "than homes, not more than 10,000 sq ft.",
            area=LazyString(languages.whole_number, area),
        ),
    )
    decide(
        bool(change_of_occupancy),
        "change_of_occupancy",
        _l("The building or space is changing to a different use (a change of occupancy)."),
        _l("The building keeps its present use (no change of occupancy)."),
    )
    if "A" in letters:
        decide(
            people > ASSEMBLY_PEOPLE_LIMIT,
            "assembly",
            _l(
                "The assembly space holds %(n)s people: more than 50 needs a certificate.",
                n=people,
            ),
            _l("The assembly space holds %(n)s people, not more than 50.", n=people),
        )
    for letter, code in ALWAYS_REQUIRED_GROUPS.items():
        if letter in letters:
            met.append(Reason(code, _group_reason(letter)))
    if named and not space_work:
        unmet.append(
            Reason(
                "groups",
                _l(
                    "The work does not build or substantially rehabilitate the assembly, "
                    "educational, institutional or hazardous space."
                ),
            )
        )
    elif not named:
        unmet.append(
            Reason(
                "groups",
                _l("There is no assembly, educational, institutional or hazardous occupancy."),
            )
        )
    if met:
        return Result(True, [Reason(r.code, str(r.text)) for r in met])
    return Result(False, [Reason(r.code, str(r.text)) for r in unmet])


def _group_reason(letter: str) -> str:
    if letter == "H":
        return _l(
            "The work builds or substantially rehabilitates a Group H (hazardous) space, which "
            "always needs a certificate; Group H is regulated by the Chicago Fire Department, "
            "Fire Prevention Bureau."
        )
    return _l(
        "The work builds or substantially rehabilitates a Group %(letter)s space, which always "
        "needs a certificate.",
        letter=letter,
    )
