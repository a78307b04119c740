"""Global search: prefix matches on indexed keys, grouped by kind, for staff only."""

import io
import re

import pytest
from sqlalchemy import select, update

from portal.applications.models import ApplicationStatus
from portal.auth.models import Role, User
from portal.certificates.models import Certificate
from portal.extensions import db
from portal.permits import importer, services
from portal.permits.importer import ImportReport
from portal.permits.models import Permit
from portal.search import normalise, permit_matches, person_matches
from tests.factories import make_application, make_permit, make_user, sign_in_as
from tests.support.pages import check_page
from tests.support.permit_csv import csv_bytes, permit_row
from tests.support.queries import counted_queries


@pytest.fixture
def staff_user():
    return make_user(email="sam.staff@example.com", name="Sam Staff", role=Role.STAFF)


@pytest.fixture
def staff_client(client, staff_user):
    sign_in_as(client, staff_user)
    return client


def _search(client, q: str, **kwargs):
    response = client.get("/staff/search", query_string={"q": q}, **kwargs)
    if response.status_code == 200:
        check_page(response.data)
    return response


def _section(html: str, heading: str) -> str:
    """The part of the results page under one kind's heading."""
    match = re.search(rf"<h2>{heading}</h2>(.*?)(?=<h2>|</main>)", html, re.S)
    return match.group(1) if match else ""


def _certificate(application, issuer, number: str) -> Certificate:
    year, sequence = int(number.split("-")[1]), int(number.split("-")[2])
    certificate = Certificate(
        number=number,
        year=year,
        sequence=sequence,
        permit_id=application.permit_id,
        application_id=application.id,
        issued_by_id=issuer.id,
    )
    db.session.add(certificate)
    db.session.commit()
    return certificate


# ---- the keys ---------------------------------------------------------------------------


def test_normalise_lowercases_drops_punctuation_and_collapses_spaces():
    assert normalise("1234 N. Main St.") == "1234 n main st"
    assert normalise("  1234   N MAIN ST ") == "1234 n main st"
    assert normalise("Unit #2, 12-14 W. O'Brien Ave") == "unit #2 12-14 w obrien ave"
    assert normalise("José Núñez") == "jose nunez"
    assert normalise("") == ""
    assert normalise(None) == ""


def test_address_and_name_keys_are_filled_by_orm_inserts_and_kept_on_update():
    permit = make_permit(original_address1="1234 N. Main St.")
    person = make_user(name="Dr. Ana-María López")
    assert (permit.address_key, person.name_key) == ("1234 n main st", "dr ana-maria lopez")
    permit.original_address1 = "77 W Wacker Dr"
    person.name = "Ana Lopez"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Permit, permit.id).address_key == "77 w wacker dr"
    assert db.session.get(User, person.id).name_key == "ana lopez"


def test_an_unrelated_update_keeps_the_keys():
    permit = make_permit(original_address1="5 E Elm St")
    db.session.execute(update(Permit).where(Permit.id == permit.id).values(description="x"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Permit, permit.id).address_key == "5 e elm st"


def test_the_importer_fills_the_key_on_insert_and_on_update():
    def run(rows):
        source = io.BytesIO(csv_bytes(rows))
        importer.write(source, ImportReport())
        db.session.commit()

    run([permit_row(PermitNum="BP-2026-900001", OriginalAddress1="1234 N. Main St")])
    key = db.session.scalar(select(Permit.address_key).where(Permit.permit_num == "BP-2026-900001"))
    assert key == "1234 n main st"
    run([permit_row(PermitNum="BP-2026-900001", OriginalAddress1="9 S. State St")])
    db.session.expire_all()
    key = db.session.scalar(select(Permit.address_key).where(Permit.permit_num == "BP-2026-900001"))
    assert key == "9 s state st"


def test_conditions_match_by_prefix_only():
    make_permit(permit_num="BP-2026-000777", original_address1="1234 N MAIN ST")
    make_permit(permit_num="BP-2026-000778", original_address1="99 Main St")
    make_user(name="Olivia Owner", email="olivia@example.com")

    def permits(text):
        return sorted(db.session.scalars(select(Permit.permit_num).where(permit_matches(text))))

    def people(text):
        return sorted(db.session.scalars(select(User.email).where(person_matches(text))))

    assert permits("bp-2026-00077") == ["BP-2026-000777", "BP-2026-000778"]
    assert permits("1234 N. Main") == ["BP-2026-000777"]
    assert permits("main") == []  # inside the address, not its start
    assert permits("") == []
    assert people("OLIV") == ["olivia@example.com"]
    assert people("owner") == []


# ---- the page ----------------------------------------------------------------------------


def test_finds_permits_by_number_and_by_normalised_address(staff_client):
    main = make_permit(permit_num="BP-2026-123456", original_address1="1234 N MAIN ST")
    make_permit(permit_num="BP-2026-654321", original_address1="1 Other Ave")

    html = _search(staff_client, "1234 N. Main St").get_data(as_text=True)
    permits = _section(html, "Permits")
    assert "BP-2026-123456" in permits
    assert "BP-2026-654321" not in permits
    assert f'href="/staff/permits/{main.id}"' in permits

    html = _search(staff_client, "bp-2026-12").get_data(as_text=True)
    assert "BP-2026-123456" in _section(html, "Permits")
    assert "BP-2026-654321" not in html


def test_finds_applications_and_certificates_by_number_in_any_case(staff_client, staff_user):
    permit = make_permit()
    owner = make_user()
    application = make_application(
        permit, owner, ApplicationStatus.SUBMITTED, confirmation_number="CO-2026-ABC123"
    )
    _certificate(application, staff_user, "CO-2026-000123")

    html = _search(staff_client, "co-2026").get_data(as_text=True)
    assert "CO-2026-ABC123" in _section(html, "Applications")
    assert "CO-2026-000123" in _section(html, "Certificates")
    assert f'href="/staff/permits/{permit.id}#application"' in html

    html = _search(staff_client, "CO-2026-AB").get_data(as_text=True)
    assert "CO-2026-ABC123" in html
    assert "CO-2026-000123" not in html


def test_finds_people_by_name_or_email(staff_client):
    olivia = make_user(name="Olivia Owner", email="o.owner@example.com")
    make_user(name="Casey Contractor", email="casey@example.com")

    for q in ("olivia", "OLIVIA OW", "o.owner@"):
        people = _section(_search(staff_client, q).get_data(as_text=True), "People")
        assert "Olivia Owner" in people, q
        assert "Casey" not in people, q
        assert f'href="/staff/people/{olivia.id}"' in people


def test_a_full_number_naming_one_record_opens_it(staff_client, staff_user):
    permit = make_permit(permit_num="BP-2026-555555")
    application = make_application(
        permit, make_user(), ApplicationStatus.SUBMITTED, confirmation_number="CO-2026-XYZ789"
    )
    _certificate(application, staff_user, "CO-2026-000555")

    response = staff_client.get("/staff/search?q=bp-2026-555555")
    assert response.status_code == 302
    assert response.location.endswith(f"/staff/permits/{permit.id}")
    response = staff_client.get("/staff/search?q=co-2026-xyz789")
    assert response.location.endswith(f"/staff/permits/{permit.id}#application")
    response = staff_client.get("/staff/search?q=CO-2026-000555")
    assert response.location.endswith(f"/staff/permits/{permit.id}#certificates")


def test_a_full_number_that_prefixes_others_lists_them_all(staff_client):
    make_permit(permit_num="BP-2026-1")
    make_permit(permit_num="BP-2026-10")
    response = _search(staff_client, "BP-2026-1")
    assert response.status_code == 200
    assert "BP-2026-10" in response.get_data(as_text=True)


def test_no_match_says_so(staff_client):
    make_permit(permit_num="BP-2026-111111", original_address1="5 Elm St")
    response = _search(staff_client, "zz-nothing")
    assert response.status_code == 200
    assert "Nothing matches" in response.get_data(as_text=True)


def test_sql_wildcards_match_only_themselves(staff_client):
    make_permit(permit_num="BP-2026-222222", original_address1="12 Oak St")
    make_permit(permit_num="BP_2026-333333", original_address1="13 Oak St")
    make_user(name="Percy Percent", email="100%sure@example.com")
    for q in ("%%", "B_", "BP%", "1_ Oak"):
        assert "Nothing matches" in _search(staff_client, q).get_data(as_text=True), q
    html = _search(staff_client, "BP_").get_data(as_text=True)
    assert "BP_2026-333333" in html
    assert "BP-2026-222222" not in html
    assert "Percy Percent" in _search(staff_client, "100%").get_data(as_text=True)


@pytest.mark.parametrize("q", ["", "a", "  b  "])
def test_an_empty_or_one_character_query_asks_for_more_and_runs_no_search(staff_client, q):
    # A space never occurs in a CSRF token, which the page also carries (it once held "A-1").
    make_permit(permit_num="A 1 NOT SEARCHED")
    response = _search(staff_client, q)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Enter at least 2 characters" in html or "Enter between 2 and 100" in html
    assert html.startswith("<!DOCTYPE html>")
    assert "<title>Error:" in html
    assert "A 1 NOT SEARCHED" not in html


def test_a_very_long_query_is_refused_with_a_message(staff_client):
    response = _search(staff_client, "1" * 5000)
    assert response.status_code == 200
    assert "Enter between 2 and 100 characters" in response.get_data(as_text=True)


def test_the_page_without_a_query_shows_the_box_without_an_error(staff_client):
    response = staff_client.get("/staff/search")
    assert response.status_code == 200
    check_page(response.data)
    assert "There is a problem" not in response.get_data(as_text=True)


def test_results_are_capped_per_kind_with_more_wording(staff_client):
    for n in range(12):
        make_permit(permit_num=f"BP-2099-{n:04d}", original_address1=f"{n} Cap St")
    html = _search(staff_client, "BP-2099").get_data(as_text=True)
    assert _section(html, "Permits").count("<tr>") == 10 + 1  # the header row too
    assert "More permits match than are shown" in html


def test_the_query_count_is_fixed(app, staff_client):
    make_permit(permit_num="BP-2026-900000", original_address1="10 Count St")
    with counted_queries() as few:
        _search(staff_client, "10 count")
    for n in range(15):
        make_permit(permit_num=f"BP-2026-8{n:05d}", original_address1=f"10 Count St #{n}")
        make_user(name=f"10 Count {n}")
    with counted_queries() as many:
        _search(staff_client, "10 count")
    assert len(many) == len(few)


def test_the_header_has_a_search_box_for_staff_only(client, staff_client):
    html = staff_client.get("/staff/").get_data(as_text=True)
    assert 'role="search"' in html
    assert 'id="portal-header-search"' in html
    applicant = make_user()
    sign_in_as(client, applicant)
    assert 'id="portal-header-search"' not in client.get("/permits/").get_data(as_text=True)


def test_applicants_and_anonymous_cannot_search(app, client):
    make_permit(permit_num="BP-2026-444444")
    anonymous = app.test_client().get("/staff/search?q=BP-2026")
    assert anonymous.status_code in (302, 401)
    sign_in_as(client, make_user())
    refused = client.get("/staff/search?q=BP-2026")
    assert refused.status_code == 404
    assert "BP-2026-444444" not in refused.get_data(as_text=True)


def test_import_service_path_fills_keys(app):
    """The importer as the admin page runs it (validate, then write) fills the keys too."""
    source = io.BytesIO(csv_bytes([permit_row(OriginalAddress1="400 S. Dearborn St")]))
    report = services.import_permits(source, filename="p.csv")
    assert report.ok
    assert db.session.scalar(select(Permit.address_key)) == "400 s dearborn st"


# ---- what people type (issue 16 item 6): the databases' trigram text search ----------------


@pytest.fixture
def demo_like_records():
    """The demo's two addresses, a decoy on each street, and two people."""
    milwaukee = make_permit(permit_num="BP-2026-100001", original_address1="1456 N Milwaukee Ave")
    halsted = make_permit(
        permit_num="BP-2026-100002",
        original_address1="2210 S Halsted St",
        original_address2="Unit B",
        original_zip="60608",
    )
    make_permit(permit_num="BP-2026-100003", original_address1="1456 W Fullerton Ave")
    make_permit(
        permit_num="BP-2026-100004",
        original_address1="2210 S Halsted St",
        original_address2="Unit A",
        original_zip="60608",
    )
    make_permit(permit_num="BP-2026-100005", original_address1="1457 N Milwaukee Ave")
    jane = make_user(name="Jane Smith", email="jane.smith@example.com")
    make_user(name="John Doe", email="john.doe@example.com")
    return {"milwaukee": milwaukee, "halsted": halsted, "jane": jane}


def _permits_found(client, q: str) -> list[str]:
    html = _search(client, q).get_data(as_text=True)
    return re.findall(r">(BP-2026-\d+)</a>", _section(html, "Permits"))


@pytest.mark.parametrize(
    "q",
    ["1456 Milwaukee", "1456 North Milwaukee", "1456 N Milwaukee Avenue", "1456 n. milwaukee av"],
)
def test_an_address_is_found_however_direction_and_suffix_are_spelt(
    staff_client, demo_like_records, q
):
    assert _permits_found(staff_client, q) == ["BP-2026-100001"]


def test_a_street_alone_finds_every_permit_on_it(staff_client, demo_like_records):
    assert sorted(_permits_found(staff_client, "Halsted")) == ["BP-2026-100002", "BP-2026-100004"]
    assert sorted(_permits_found(staff_client, "halsted street")) == [
        "BP-2026-100002",
        "BP-2026-100004",
    ]


@pytest.mark.parametrize(
    "q",
    [
        "2210 S Halsted St, Unit B",
        "2210 S Halsted St, Unit B, Chicago, IL 60608",  # the whole printed address
        "2210 South Halsted Street Apt B",
        "2210 S Halsted St #B",
    ],
)
def test_the_address_as_the_portal_prints_it_finds_that_unit(staff_client, demo_like_records, q):
    permit = demo_like_records["halsted"]
    assert permit.address.startswith("2210 S Halsted St, Unit B")
    assert _permits_found(staff_client, q) == ["BP-2026-100002"]


def test_a_permit_number_without_its_prefix_finds_the_permit(staff_client, demo_like_records):
    response = _search(staff_client, "100002")
    assert response.status_code == 200  # a piece of a number lists, it does not jump
    assert _permits_found(staff_client, "100002") == ["BP-2026-100002"]
    assert _permits_found(staff_client, "026-10000") == [f"BP-2026-10000{n}" for n in range(1, 6)]


def test_exact_and_prefix_matches_come_before_the_text_search(staff_client, demo_like_records):
    make_permit(permit_num="BP-2026-210001", original_address1="9 W Elm St")
    # "2100" starts 2100 W Madison's address and BP-2026-210001's number after its
    # prefix; the address key's prefix comes first, then the number found inside.
    make_permit(permit_num="BP-2026-300000", original_address1="2100 W Madison St")
    assert _permits_found(staff_client, "2100") == ["BP-2026-300000", "BP-2026-210001"]
    assert _permits_found(staff_client, "BP-2026-10000")[:2] == ["BP-2026-100001", "BP-2026-100002"]


def test_a_surname_and_an_email_in_capitals_find_the_person(staff_client, demo_like_records):
    jane = demo_like_records["jane"]
    for q in ("smith", "SMITH", "Jane.Smith@Example.COM", "Smith@Example"):
        people = _section(_search(staff_client, q).get_data(as_text=True), "People")
        assert f'href="/staff/people/{jane.id}"' in people, q
        assert "John Doe" not in people, q


def test_a_payer_email_typed_with_capitals_finds_the_payer(staff_client, demo_like_records):
    """The payer of an online payment is recorded by the email of their account."""
    jane = demo_like_records["jane"]
    people = _section(
        _search(staff_client, "JANE.SMITH@EXAMPLE.COM").get_data(as_text=True), "People"
    )
    assert f'href="/staff/people/{jane.id}"' in people


def test_misses_find_nothing(staff_client, demo_like_records):
    for q in ("1456 S Milwaukee", "9999 Milwaukee", "Halstead", "zzz"):
        assert "Nothing matches" in _search(staff_client, q).get_data(as_text=True), q


def test_the_text_search_follows_every_write(staff_client, demo_like_records):
    """The search structures follow updates, the importer's Core UPDATE and deletes."""
    permit = demo_like_records["milwaukee"]
    permit.original_address1 = "77 W Wacker Dr"
    db.session.commit()
    assert _permits_found(staff_client, "Wacker") == ["BP-2026-100001"]
    assert _permits_found(staff_client, "1456 Milwaukee") == []
    source = io.BytesIO(
        csv_bytes([permit_row(PermitNum="BP-2026-100001", OriginalAddress1="5 E Chestnut St")])
    )
    importer.write(source, ImportReport())
    db.session.commit()
    assert _permits_found(staff_client, "Chestnut") == ["BP-2026-100001"]
    assert _permits_found(staff_client, "Wacker") == []
    jane = demo_like_records["jane"]
    jane.name = "Jane Okafor"
    db.session.commit()
    assert "Jane Okafor" in _search(staff_client, "okafor").get_data(as_text=True)
    db.session.delete(db.session.get(Permit, demo_like_records["halsted"].id))
    db.session.commit()
    assert _permits_found(staff_client, "Halsted") == ["BP-2026-100004"]


# ---- what the token lookups rely on (issue 17: SQLite's word and number-suffix tables) -----


def test_a_word_longer_than_the_prefix_indexes_is_matched_whole(staff_client):
    """Past WORD_PREFIX_MAX characters the start of a word is looked up by its first ones
    and checked whole: a longer misspelling finds nothing."""
    make_permit(permit_num="BP-2026-700001", original_address1="10 W Northwesternmost Ave")
    make_permit(permit_num="BP-2026-700002", original_address1="10 W Northwesternly Ave")
    assert _permits_found(staff_client, "Northwesternmo") == ["BP-2026-700001"]
    assert _permits_found(staff_client, "northwesternmost") == ["BP-2026-700001"]
    assert _permits_found(staff_client, "Northwestern") == ["BP-2026-700001", "BP-2026-700002"]
    assert "Nothing matches" in _search(staff_client, "Northwesternmox").get_data(as_text=True)


def test_every_typed_word_must_match_beyond_the_words_looked_up(staff_client, demo_like_records):
    """Only a few words go to the index; the others are checked on the rows it finds."""
    assert _permits_found(staff_client, "2210 S Halsted St, Unit A, Chicago") == ["BP-2026-100004"]
    for q in ("2210 S Halsted St, Unit C", "2210 N Halsted St, Unit B", "2210 Halsted St Chicagx"):
        assert "Nothing matches" in _search(staff_client, q).get_data(as_text=True), q


def test_a_piece_of_a_number_is_found_whatever_characters_it_holds(staff_client):
    make_permit(permit_num="BP:2026:777701", original_address1="1 Colon Ct")
    make_permit(permit_num="A1:B2:C3", original_address1="2 Colon Ct")
    make_permit(permit_num="BP-2026-777702", original_address1="3 Dash Ct")
    assert _permits_found_any(staff_client, "2026:7777") == ["BP:2026:777701"]
    assert _permits_found_any(staff_client, "1:B2:C") == ["A1:B2:C3"]
    assert _permits_found_any(staff_client, "6-7777") == ["BP-2026-777702"]
    assert _permits_found_any(staff_client, "2026.7777") == []


def _permits_found_any(client, q: str) -> list[str]:
    html = _search(client, q).get_data(as_text=True)
    return re.findall(r'/staff/permits/\d+">([^<]+)</a>', _section(html, "Permits"))


def test_the_text_search_lists_the_first_permits_either_way_matches(staff_client):
    """Words and number pieces are looked up apart on SQLite; the page still shows the
    first permits matched either way, in the order they were added, and says more match."""
    for n in range(8):
        make_permit(permit_num=f"BP-2026-5{n:05d}", original_address1=f"{n} W Ash St")
    for n in range(8):
        make_permit(permit_num=f"BP-2026-6{n:02d}888", original_address1=f"{n} W Elm St")
    for n in range(4):
        make_permit(permit_num=f"BP-2026-9{n:05d}", original_address1=f"888 W Oak St #{n}")
    html = _search(staff_client, "888").get_data(as_text=True)
    # The addresses that start with 888 first, then the text search's in number order.
    assert _permits_found_any(staff_client, "888") == [
        *(f"BP-2026-9{n:05d}" for n in range(4)),
        *(f"BP-2026-6{n:02d}888" for n in range(6)),
    ]
    assert "More permits match than are shown" in html


def test_a_piece_of_a_number_follows_renumbering_and_deletion(staff_client):
    """The number index drops what it indexed for the old number (SQLite: a contentless
    table, so its triggers give the old suffixes back)."""
    permit = make_permit(permit_num="BP-2026-424242", original_address1="4 Renumber Ct")
    make_permit(permit_num="BP-2026-434343", original_address1="5 Renumber Ct")
    assert _permits_found(staff_client, "424242") == ["BP-2026-424242"]
    db.session.execute(
        update(Permit).where(Permit.id == permit.id).values(permit_num="BP-2026-525252")
    )
    db.session.commit()
    assert "Nothing matches" in _search(staff_client, "424242").get_data(as_text=True)
    assert _permits_found(staff_client, "525252") == ["BP-2026-525252"]
    db.session.delete(db.session.get(Permit, permit.id))
    db.session.commit()
    assert "Nothing matches" in _search(staff_client, "525252").get_data(as_text=True)
    assert _permits_found(staff_client, "434343") == ["BP-2026-434343"]
