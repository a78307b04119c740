"""The public requirement check: questions, errors that keep the answers, and results."""

from tests.factories import make_user, sign_in_as
from tests.support.pages import check_page

URL = "/do-i-need-a-certificate"


def ask(client, **answers):
    response = client.get(URL, query_string=answers)
    assert response.status_code == 200
    check_page(response.data)
    return response.data.decode()


def test_questions_page_is_public_and_works_without_javascript(client):
    response = client.get(URL)
    assert response.status_code == 200
    check_page(response.data)
    html = response.data.decode()
    assert 'method="get"' in html
    for name in ("units", "non_residential_sq_ft", "change_of_occupancy", "groups"):
        assert f'name="{name}"' in html
    assert "Assembly" in html
    assert "None of these" in html


def test_required_answer_with_reasons_and_links(client):
    html = ask(client, units=6, non_residential_sq_ft=0, change_of_occupancy="no", groups="none")
    assert "A Certificate of Occupancy is required" in html
    assert "The work builds or substantially alters 6 dwelling or sleeping units" in html
    assert (
        "Rule: Construction or substantial alteration (reconfiguration) of 4 or more dwelling "
        "or sleeping units." in html
    )
    assert "/account/sign-in" in html
    assert "Change your answers" in html


def test_not_required_answer(client):
    html = ask(
        client,
        units=3,
        non_residential_sq_ft=10000,
        change_of_occupancy="no",
        groups="A",
        space_work="yes",
        assembly_people=50,
    )
    assert "A Certificate of Occupancy is not required" in html
    assert "Not required, but you may request one" in html
    assert "not more than 50" in html


def test_assembly_over_50_people_is_required(client):
    html = ask(
        client,
        units=0,
        non_residential_sq_ft=3000,
        change_of_occupancy="no",
        groups="A",
        space_work="yes",
        assembly_people=51,
    )
    assert "A Certificate of Occupancy is required" in html
    assert "Rule: Assembly (Group A) for more than 50 people." in html


def test_several_groups_and_change_of_occupancy(client):
    response = client.get(
        URL,
        query_string={
            "units": 0,
            "non_residential_sq_ft": 100,
            "change_of_occupancy": "yes",
            "groups": ["E", "H"],
            "space_work": "yes",
        },
    )
    check_page(response.data)
    html = response.data.decode()
    assert "Rule: Any change of occupancy." in html
    assert "Group E space" in html
    assert "Group H (hazardous) space" in html


def test_seed_h_regulated_by_the_fire_prevention_bureau_is_said_on_the_question(client):
    """Seed: "hazardous (H, regulated by the Fire Prevention Bureau) occupancy"."""
    html = ask(client)
    assert "regulated by the Chicago Fire Department, Fire Prevention Bureau" in html


def test_seed_home_day_care_for_8_or_fewer_is_said_in_the_groups_help(client):
    """Seed: "Home day care for 8 or fewer children unrelated to the operator is neither E
    nor I"."""
    html = ask(client)
    assert "8 or fewer children who are not related to the operator" in html
    assert "neither educational nor institutional" in html


def test_seed_the_space_work_question_is_asked_when_a_use_is_selected(client):
    """Seed: "construction or substantial rehabilitation of any space used for assembly,
    educational, institutional or hazardous occupancy"."""
    html = ask(client, units=0, non_residential_sq_ft=0, change_of_occupancy="no", groups="E")
    assert "Select yes if the work builds or substantially rehabilitates that space" in html
    html = ask(
        client,
        units=0,
        non_residential_sq_ft=0,
        change_of_occupancy="no",
        groups="E",
        space_work="no",
    )
    assert "A Certificate of Occupancy is not required" in html


def test_seed_optional_request_before_construction_is_offered(client):
    """Seed: "Other projects, single-family homes included, may request a C of O, but the
    request must be made online and approved before any construction begins"."""
    html = ask(client, units=1, non_residential_sq_ft=0, change_of_occupancy="no", groups="none")
    assert "approved before any construction work begins" in html


def test_missing_and_wrong_answers_show_errors_and_keep_the_values(client):
    html = ask(client, units="lots", non_residential_sq_ft="", groups=["A"])
    assert "Error: Do you need a Certificate of Occupancy?" in html
    assert 'id="error-summary"' in html
    assert "Enter a whole number, like 12" in html
    assert "Enter the floor area" in html
    assert "Select yes if the use is changing" in html
    assert "Enter how many people the assembly space can hold" in html
    assert 'value="lots"' in html
    assert 'value="A" checked' in html


def test_none_of_these_cannot_be_combined(client):
    html = ask(
        client, units=1, non_residential_sq_ft=0, change_of_occupancy="no", groups=["none", "E"]
    )
    assert "Select 'None of these' on its own" in html


def test_change_your_answers_shows_the_questions_filled_in(client):
    html = ask(
        client, units=7, non_residential_sq_ft=0, change_of_occupancy="no", groups="none", change=1
    )
    assert "Do you need a Certificate of Occupancy?" in html
    assert 'value="7"' in html
    assert "error-summary" not in html


def test_signed_in_applicant_is_sent_to_their_permits(client):
    sign_in_as(client, make_user())
    html = ask(client, units=6, non_residential_sq_ft=0, change_of_occupancy="no", groups="none")
    assert "/permits/" in html
    assert "Sign in to start" not in html
