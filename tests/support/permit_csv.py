"""BLDS permit CSV files, shaped as the department's export writes them, for tests to import."""

import csv
import io
import itertools

HEADER = [
    "PermitNum",
    "Description",
    "AppliedDate",
    "IssuedDate",
    "StatusCurrent",
    "OriginalAddress1",
    "OriginalAddress2",
    "OriginalCity",
    "OriginalState",
    "OriginalZip",
    "PermitType",
    "WorkClass",
    "ProposedUse",
    "TotalSqFt",
    "HousingUnits",
    "EstProjectCost",
    "ContractorCompanyName",
    "ContractorLicNum",
    "Scope",
    "AccessCode",
]
_numbers = itertools.count(1)


def permit_row(**overrides) -> dict:
    n = next(_numbers)
    row = {
        "PermitNum": f"BP-TEST-{n:05d}",
        "Description": "New 4-unit residential building",
        "AppliedDate": "2026-01-05",
        "IssuedDate": "2026-02-10",
        "StatusCurrent": "Issued",
        "OriginalAddress1": f"{n} W Madison St",
        "OriginalAddress2": "",
        "OriginalCity": "Chicago",
        "OriginalState": "IL",
        "OriginalZip": "60602",
        "PermitType": "New Construction",
        "WorkClass": "New",
        "ProposedUse": "Residential",
        "TotalSqFt": "5200",
        "HousingUnits": "4",
        "EstProjectCost": "850000",
        "ContractorCompanyName": "Lakeside Builders LLC",
        "ContractorLicNum": "GC-10442",
        "Scope": "new_construction;electrical",
        "AccessCode": "",
    }
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def csv_file(rows: list[dict], header: list[str] = HEADER) -> io.BytesIO:
    return io.BytesIO(csv_bytes(rows, header))
