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
    assert "The building has 6 dwelling or sleeping units" in html
    assert "Rule: 4 or more dwelling or sleeping units." in html
    assert "/account/sign-in" in html
    assert "Change your answers" in html


def test_not_required_answer(client):
    html = ask(
        client,
        units=3,
        non_residential_sq_ft=10000,
        change_of_occupancy="no",
        groups="A",
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
        },
    )
    check_page(response.data)
    html = response.data.decode()
    assert "Rule: Any change of occupancy." in html
    assert "Group E occupancy" in html
    assert "Group H occupancy" in html


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
