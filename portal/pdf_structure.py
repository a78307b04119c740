"""Finishing WeasyPrint's tagged PDFs (the certificate, the receipt) so table headers resolve.

WeasyPrint gives each header cell (TH) an /ID and each data cell (TD) a /Headers list of
those ids, but writes no /IDTree in the StructTreeRoot, so an assistive technology cannot
look the ids up, and it gives no TH a /Scope. No option of the installed version adds them,
so the written PDF is finished here with pikepdf: the /IDTree name tree maps every id to its
structure element, and each TH says whether it heads its row or its column.
"""

from collections.abc import Iterator
from io import BytesIO

import pikepdf
from pikepdf import Array, Dictionary, Name, String


def _elements(node) -> Iterator[pikepdf.Object]:
    """Every structure element under `node`, depth first (marked-content ids are ints)."""
    kids = node.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, Array) else [kids]:
        # Marked-content references (MCR, OBJR) are dictionaries too, with another /Type.
        structure = isinstance(kid, Dictionary) and "/S" in kid
        if structure and kid.get("/Type", Name.StructElem) == Name.StructElem:
            yield kid
            yield from _elements(kid)


def _cells(row, tag: Name) -> list:
    return [kid for kid in _elements(row) if kid.get("/S") == tag]


def _row_header_ids(root) -> set[str]:
    """Ids of the TH cells that head their row: WeasyPrint links a row header (scope="row")
    to the data cells of its own row, a column header to those of its column, so a TH named
    by a TD of its own TR heads the row."""
    ids: set[str] = set()
    for row in (element for element in _elements(root) if element.get("/S") == Name.TR):
        named: set[str] = set()
        for cell in _cells(row, Name.TD):
            attributes = cell.get("/A")
            if isinstance(attributes, Dictionary) and "/Headers" in attributes:
                named.update(str(header) for header in attributes.Headers)
        ids.update(str(cell.ID) for cell in _cells(row, Name.TH) if str(cell.get("/ID")) in named)
    return ids


def resolve_table_headers(data: bytes) -> bytes:
    """The PDF with an /IDTree for its header ids and a /Scope on each header cell."""
    with pikepdf.open(BytesIO(data)) as document:
        root = document.Root.get("/StructTreeRoot")
        if root is None:
            return data
        headers = [element for element in _elements(root) if element.get("/S") == Name.TH]
        if not headers:
            return data
        row_ids = _row_header_ids(root)
        named: dict[str, pikepdf.Object] = {}
        for header in headers:
            attributes = header.get("/A")
            if not isinstance(attributes, Dictionary):
                attributes = header.A = Dictionary(O=Name.Table)
            if "/ID" in header:
                named[str(header.ID)] = header
            attributes.Scope = Name.Row if str(header.get("/ID", "")) in row_ids else Name.Column
        # A name tree's keys are sorted by their bytes (ISO 32000-1, 7.9.6).
        names = Array()
        for key in sorted(named, key=lambda value: value.encode()):
            names.extend([String(key), named[key]])
        root.IDTree = document.make_indirect(Dictionary(Names=names))
        out = BytesIO()
        document.save(out)
        return out.getvalue()
