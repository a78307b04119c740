"""The inspections' BLDS file read back and checked, column by column and value by value,
against the specification's lists (tests/support/blds.py, with its sources)."""

import csv
import io
import re

from portal.inspections import catalogue, export, requests, results
from portal.inspections.models import (
    RESULT_MAPPED,
    RESULT_STATES,
    InspectionResult,
    InspectionStage,
)
from tests.factories.inspections import make_request, on_day, reload, schedule
from tests.support import blds
from tests.support.exports import exported


def _record(visit, inspector, result):
    # A result is recorded on or after the visit's day.
    with on_day(reload(visit).visit_date):
        results.record_result(
            reload(visit),
            inspector,
            result=result,
            remarks="Second floor not ready",
            orders="",
            deficiencies=[],
            photos=[],
            version=reload(visit).version,
        )


def test_every_column_and_value_is_one_the_specification_lists(
    staff_client, permit, contractor, owner, inspector
):
    passed = schedule(make_request(permit, contractor, "ELEC-RGH"), inspector)
    _record(passed, inspector, InspectionResult.PASSED)
    partial = schedule(make_request(permit, contractor, "PLB-RGH"), inspector)
    _record(partial, inspector, InspectionResult.PARTIAL)
    cancelled = schedule(make_request(permit, contractor, "CARP-RGH"), inspector)
    requests.cancel_request(reload(cancelled), owner, reload(cancelled).version)
    never_scheduled = make_request(permit, contractor, "ELEC-FIN")
    requests.cancel_request(reload(never_scheduled), owner, reload(never_scheduled).version)
    schedule(make_request(permit, contractor, "PLB-FIN"), inspector)  # no result yet
    make_request(permit, contractor, "CARP-FIN")  # requested, not scheduled

    text = exported(staff_client, "inspections").get_data(as_text=True)
    header = next(csv.reader(io.StringIO(text)))
    rows = list(csv.DictReader(io.StringIO(text)))

    assert set(header) <= blds.known_fields(blds.INSPECTION_FIELDS)
    assert set(blds.INSPECTION_FIELDS["required"]) <= set(header)
    assert "Final" in header
    # Only inspections with a result, and a date (footnote 2): the two open requests and the
    # request cancelled before it was scheduled are not in the file.
    assert [row["InspType"] for row in rows] == [
        "Rough electrical",
        "Rough plumbing",
        "Rough carpentry (new construction)",
    ]
    for row in rows:
        for column, allowed in blds.INSPECTION_VALUES.items():
            assert row[column] in allowed, (column, row[column])
        for column in blds.INSPECTION_DATES:
            assert row[column] == "" or re.match(blds.DATE, row[column]), (column, row[column])
        assert row["ScheduledDate"] or row["InspectedDate"]
    assert [row["ResultMapped"] for row in rows] == ["Passed", "Partial", "Cancelled"]
    assert [row["ReInspection"] for row in rows] == ["No", "Yes", "No"]
    assert [row["InspTypeMapped"] for row in rows] == ["Rough In", "Rough In", "Rough Frame"]


def test_the_catalogue_maps_every_type_to_appendix_a_and_every_result_to_the_list():
    for code, _name, _stage, _bureau, mapped, _trades in catalogue.CATALOGUE:
        assert mapped in blds.INSPECTION_VALUES["InspTypeMapped"], code
    assert set(RESULT_MAPPED) == set(RESULT_STATES)
    assert set(RESULT_MAPPED.values()) <= set(blds.INSPECTION_VALUES["ResultMapped"])
    assert {InspectionStage.FINAL, InspectionStage.COFO} == export.FINAL_STAGES


def test_a_final_inspection_says_so(staff_client, permit, contractor, inspector):
    final = schedule(make_request(permit, contractor, "ELEC-FIN"), inspector)
    _record(final, inspector, InspectionResult.PASSED)
    [row] = csv.DictReader(
        io.StringIO(exported(staff_client, "inspections").get_data(as_text=True))
    )
    assert (row["InspTypeMapped"], row["Final"], row["ReInspection"]) == ("Final", "Yes", "No")
