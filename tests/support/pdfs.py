"""Reading the portal's tagged PDFs back as a screen reader would: the structure tree."""

from io import BytesIO

import pikepdf


def _elements(node):
    kids = node.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _elements(kid)


def _id_tree(root) -> dict[str, pikepdf.Object]:
    """The /IDTree's names, read through its kids (a name tree may be nested)."""
    found: dict[str, pikepdf.Object] = {}
    pending = [root.IDTree] if "/IDTree" in root else []
    while pending:
        node = pending.pop()
        names = node.get("/Names", pikepdf.Array())
        for index in range(0, len(names), 2):
            found[str(names[index])] = names[index + 1]
        pending.extend(node.get("/Kids", pikepdf.Array()))
    return found


def table_headers(data: bytes) -> list[tuple[str, str]]:
    """(header id, the TH's /Scope) for every /Headers link of every data cell, each id
    looked up through the /IDTree. Raises KeyError when an id does not resolve,
    AssertionError when it resolves to something other than that TH."""
    links = []
    with pikepdf.open(BytesIO(data)) as document:
        root = document.Root.StructTreeRoot
        ids = _id_tree(root)
        for element in _elements(root):
            attributes = element.get("/A")
            if element.get("/S") != "/TD" or not isinstance(attributes, pikepdf.Dictionary):
                continue
            for header_id in attributes.get("/Headers", pikepdf.Array()):
                header = ids[str(header_id)]
                assert header.S == "/TH"
                assert str(header.ID) == str(header_id)
                links.append((str(header_id), str(header.A.get("/Scope"))))
    return links


def alt_texts(data: bytes) -> list[str]:
    """The /Alt of every Figure in the structure tree."""
    with pikepdf.open(BytesIO(data)) as document:
        root = document.Root.StructTreeRoot
        return [str(e.Alt) for e in _elements(root) if e.get("/S") == "/Figure" and "/Alt" in e]


def link_uris(data: bytes) -> list[str]:
    """The URI of every link annotation, page by page."""
    with pikepdf.open(BytesIO(data)) as document:
        return [
            str(annotation.A.URI)
            for page in document.pages
            for annotation in page.get("/Annots", pikepdf.Array())
            if annotation.get("/Subtype") == "/Link" and "/A" in annotation
        ]


def image_count(data: bytes) -> int:
    """Raster images drawn on the pages (the seal; the QR code is vector)."""
    with pikepdf.open(BytesIO(data)) as document:
        return sum(len(page.get_images()) for page in document.pages)
