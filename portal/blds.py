"""The BLDS value lists the portal maps its own words onto (Building and Land Development
Specification, permitdata.org: the Core Permits Dataset and the Optional Inspections
Dataset, with Appendix A for inspection types).

Each export maps through a table of its own (permits/export.py, inspections/export.py); the
tables' values must come from these lists, which tests/support/blds.py checks against its
own copy of the specification's text.
"""

STATUS_CURRENT_MAPPED = (
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
)
PERMIT_TYPE_MAPPED = (
    "Building",
    "Demolition",
    "Electrical",
    "Fence",
    "Grading",
    "Mechanical",
    "Plumbing",
    "Pool/Spa",
    "Roof",
)
PERMIT_CLASS_MAPPED = ("Residential", "Non-Residential")
WORK_CLASS_MAPPED = ("New", "Existing")
RESULT_MAPPED = ("Passed", "Rejected", "Partial", "Cancelled", "OK for Service")
# Appendix A's inspection types the portal's catalogue maps onto.
INSP_TYPE_MAPPED = ("Rough", "Rough In", "Rough Frame", "Frame", "Final")
YES_NO = ("Yes", "No")
