"""The requirement rule: each Chicago rule, its boundary, and the reasons it gives."""

import pytest

from portal.applications.requirement import RULES, requirement


def codes(result):
    return [reason.code for reason in result.reasons]


def test_a_small_residential_project_is_not_required_and_says_why():
    result = requirement(2, 0, False, ["R-3"])
    assert result.required is False
    assert result.verdict == "Not required, but you may request one"
    assert codes(result) == ["units", "floor_area", "change_of_occupancy", "groups"]
    assert all(reason.text and reason.rule for reason in result.reasons)


@pytest.mark.parametrize(("units", "required"), [(3, False), (4, True), (40, True)])
def test_four_or_more_dwelling_or_sleeping_units(units, required):
    result = requirement(units, 0, False, [])
    assert result.required is required
    if required:
        assert codes(result) == ["units"]
        assert result.reasons[0].rule == str(RULES["units"])
        assert f"{units} dwelling or sleeping units" in result.reasons[0].text


@pytest.mark.parametrize(("area", "required"), [(10_000, False), (10_001, True)])
def test_more_than_10000_sq_ft_non_residential(area, required):
    result = requirement(0, area, False, ["B"])
    assert result.required is required
    if required:
        assert codes(result) == ["floor_area"]
        assert "10,001 sq ft" in result.reasons[0].text


def test_any_change_of_occupancy():
    result = requirement(1, 200, True, ["M"])
    assert result.required is True
    assert codes(result) == ["change_of_occupancy"]
    assert result.verdict == "Required"


@pytest.mark.parametrize(("people", "required"), [(0, False), (50, False), (51, True)])
def test_assembly_counts_only_with_more_than_50_people(people, required):
    result = requirement(0, 0, False, ["A-2"], people)
    assert result.required is required
    assert "assembly" in codes(result)


def test_assembly_people_do_not_matter_without_an_assembly_group():
    assert requirement(0, 0, False, ["B"], 500).required is False


@pytest.mark.parametrize(
    ("group", "code"), [("E", "educational"), ("I-2", "institutional"), ("H-3", "hazardous")]
)
def test_educational_institutional_and_hazardous_whatever_the_size(group, code):
    result = requirement(0, 0, False, [group])
    assert result.required is True
    assert codes(result) == [code]
    assert "whatever its size" in result.reasons[0].rule


def test_every_rule_that_applies_is_a_reason():
    result = requirement(12, 20_000, True, ["A-1", "E", "I-1", "H-2", "R-2"], 300)
    assert result.required is True
    assert codes(result) == [
        "units",
        "floor_area",
        "change_of_occupancy",
        "assembly",
        "educational",
        "institutional",
        "hazardous",
    ]


def test_seed_units_counts_what_the_work_builds_or_alters():
    """Seed: "construction or substantial alteration (reconfiguration) of 4 or more dwelling
    or sleeping units": a one-unit remodel in a 20-unit building does not need a C of O."""
    result = requirement(1, 0, False, ["R-2"])
    assert result.required is False
    assert "substantially alters 1 dwelling or sleeping unit, fewer" in result.reasons[0].text
    assert "reconfiguration" in result.reasons[0].rule


def test_seed_floor_area_counts_what_the_work_builds_or_alters():
    """Seed: "construction or substantial alteration of more than 10,000 sq ft of
    non-residential occupancy"."""
    result = requirement(0, 12_000, False, ["B"])
    assert result.required is True
    assert "Construction or substantial alteration" in result.reasons[0].rule


@pytest.mark.parametrize("group", ["A-2", "E", "I-1", "H-3"])
def test_seed_group_rules_need_construction_or_substantial_rehabilitation(group):
    """Seed: "construction or substantial rehabilitation of any space used for assembly (A,
    more than 50 people), educational (E), institutional (I) or hazardous (H) occupancy,
    whatever its size"."""
    assert requirement(0, 0, False, [group], 300).required is True
    result = requirement(0, 0, False, [group], 300, space_work=False)
    assert result.required is False
    assert codes(result)[-1] == "groups"
    assert "does not build or substantially rehabilitate" in result.reasons[-1].text


def test_seed_group_h_names_the_fire_prevention_bureau():
    """Seed: "hazardous (H, regulated by the Fire Prevention Bureau)"."""
    result = requirement(0, 0, False, ["H-2"])
    assert "Fire Prevention Bureau" in result.reasons[0].text
    assert "Fire Prevention Bureau" in result.reasons[0].rule


def test_seed_other_projects_may_request_one():
    """Seed: "Other projects, single-family homes included, may request a C of O"."""
    assert requirement(1, 0, False, ["R-3"]).verdict == "Not required, but you may request one"


@pytest.mark.parametrize(
    ("units", "words"), [(1, "1 dwelling or sleeping unit,"), (2, "2 dwelling or sleeping units,")]
)
def test_one_unit_is_singular(app, units, words):
    """Issue 16: "1 dwelling or sleeping units" read wrong."""
    with app.test_request_context():
        result = requirement(units, 0, False, [])
        assert words in str(result.reasons[0].text)
