"""Street addresses in parts, however people spell the direction and the suffix."""

import pytest

from portal.search_keys import Street, permit_search_text, search_words, street


@pytest.mark.parametrize(
    "typed",
    [
        "1456 N Milwaukee Ave",
        "1456 n. milwaukee ave.",
        "1456 North Milwaukee Avenue",
        "  1456   NORTH   Milwaukee  Av ",
    ],
)
def test_spellings_of_one_address_give_the_same_parts(typed):
    assert street(typed) == Street("1456", "n", "milwaukee", "ave")


def test_direction_and_suffix_may_be_left_out():
    assert street("1456 Milwaukee") == Street("1456", "", "milwaukee", "")


def test_a_street_named_like_a_direction_or_a_suffix_keeps_its_name():
    assert street("1600 W North Ave") == Street("1600", "w", "north", "ave")
    assert street("1600 North") == Street("1600", "", "north", "")
    assert street("100 Avenue O") == Street("100", "", "avenue o", "")


def test_a_unit_after_the_suffix_is_not_part_of_the_street():
    assert street("2210 S Halsted St Unit B") == Street("2210", "s", "halsted", "st")


@pytest.mark.parametrize("typed", ["", "Milwaukee Ave", "1456", "BP-2026-100001"])
def test_without_a_house_number_and_a_street_there_is_no_address(typed):
    assert street(typed) is None


@pytest.mark.parametrize(
    "typed",
    [
        "2210 S Halsted St, Unit B",
        "2210 South Halsted Street Apt B",
        "2210 s. halsted st. #B",
        "2210 S HALSTED ST  SUITE  B",
    ],
)
def test_search_words_spell_directions_suffixes_and_units_one_way(typed):
    assert search_words(typed) == ["2210", "s", "halsted", "st", "b"]


def test_the_search_text_is_the_printed_address_between_spaces():
    text = permit_search_text("2210 S. Halsted St", "Unit B", "Chicago", "IL", "60608")
    assert text == " 2210 s halsted st b chicago il 60608 "
    assert permit_search_text("1456 North Milwaukee Avenue") == " 1456 n milwaukee ave "
    assert permit_search_text(None, None, None, None, None) == "  "
