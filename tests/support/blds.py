"""The BLDS specification's field and value lists, kept here as data, copied from the text of
the specification (not from the portal), so the export tests check the portal against the
standard rather than against itself.

Sources:
- Core Permits Dataset Requirements, permitdata.org (github.com/open-data-standards/
  permitdata.org wiki, "Core-Permits-Dataset-Requirements", revision of 1 April 2016):
  required, recommended and optional fields; StatusCurrentMapped's ten values,
  PermitTypeMapped, WorkClassMapped and PermitClassMapped values.
- Optional Inspections Dataset Requirements, same wiki (revision of 17 July 2015): fields,
  ResultMapped's five values, Final and ReInspection as "Yes or No", "only one of the dates
  for ScheduledDate or InspectedDate is required".
- Appendix A (inspection types), same wiki: only the values issue 14 quotes from it are
  listed here ("Rough", "Rough In", "Rough Frame", "Frame", "Final"); the appendix's full
  list could not be retrieved when this was written, and the catalogue maps only onto these.
"""

DATE = r"^\d{4}-\d{2}-\d{2}$"

PERMIT_FIELDS = {
    "required": (
        "PermitNum",
        "Description",
        "AppliedDate",
        "IssuedDate",
        "CompletedDate",
        "StatusCurrent",
        "OriginalAddress1",
        "OriginalAddress2",
        "OriginalCity",
        "OriginalState",
        "OriginalZip",
    ),
    "recommended": (
        "Jurisdiction",
        "PermitClass",
        "PermitClassMapped",
        "StatusCurrentMapped",
        "WorkClass",
        "WorkClassMapped",
        "PermitType",
        "PermitTypeMapped",
        "PermitTypeDesc",
        "StatusDate",
        "TotalSqFt",
        "Link",
        "Latitude",
        "Longitude",
        "EstProjectCost",
        "HousingUnits",
        "PIN",
        "ContractorCompanyName",
        "ContractorTrade",
        "ContractorTradeMapped",
        "ContractorLicNum",
        "ContractorStateLic",
    ),
    "optional": (
        "ProposedUse",
        "AddedSqFt",
        "RemovedSqFt",
        "MasterPermitNum",
        "ExpiresDate",
        "COIssuedDate",
        "HoldDate",
        "VoidDate",
        "ProjectName",
        "ProjectID",
        "TotalFinishedSqFt",
        "TotalUnfinishedSqFt",
        "TotalHeatedSqFt",
        "TotalUnHeatedSqFt",
        "TotalAccSqFt",
        "TotalSprinkledSqFt",
        "ExtraFields",
        "Publisher",
        "Fee",
        "ContractorFullName",
        "ContractorCompanyDesc",
        "ContractorPhone",
        "ContractorAddress1",
        "ContractorAddress2",
        "ContractorCity",
        "ContractorState",
        "ContractorZip",
        "ContractorEmail",
    ),
}
PERMIT_VALUES = {
    "StatusCurrentMapped": (
        "Appeal",
        "Application Accepted",
        "Fees/Payment",
        "In Review",
        "Inspection Phase",
        "Occupancy",
        "Permit Cancelled",
        "Permit Finaled",
        "Permit Finaled with Conditions",
        "Permit Issued",
    ),
    "PermitTypeMapped": (
        "Building",
        "Demolition",
        "Electrical",
        "Fence",
        "Grading",
        "Mechanical",
        "Plumbing",
        "Pool/Spa",
        "Roof",
    ),
    "WorkClassMapped": ("Existing", "New"),
    "PermitClassMapped": ("Residential", "Non-Residential"),
}
PERMIT_DATES = ("AppliedDate", "IssuedDate", "CompletedDate", "StatusDate", "COIssuedDate")

INSPECTION_FIELDS = {
    "required": (
        "PermitNum",
        "InspType",
        "InspTypeMapped",
        "Result",
        "ResultMapped",
        "ScheduledDate",
        "InspectedDate",
    ),
    "recommended": ("InspectionNotes",),
    "optional": (
        "Description",
        "Final",
        "RequestDate",
        "RequestTime",
        "DesiredDate",
        "DesiredTime",
        "ScheduledTime",
        "InspectedTime",
        "ReInspection",
        "Inspector",
        "ExtraFields",
    ),
}
INSPECTION_VALUES = {
    "ResultMapped": ("Passed", "Rejected", "Partial", "Cancelled", "OK for Service"),
    "InspTypeMapped": ("Rough", "Rough In", "Rough Frame", "Frame", "Final"),
    "Final": ("Yes", "No"),
    "ReInspection": ("Yes", "No"),
}
INSPECTION_DATES = ("ScheduledDate", "InspectedDate", "RequestDate", "DesiredDate")


def known_fields(fields: dict) -> set[str]:
    return {name for names in fields.values() for name in names}
