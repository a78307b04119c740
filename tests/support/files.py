"""File contents for uploads and stored documents: small stand-ins of each kind."""

import io
from pathlib import Path

# Enough of each format for the portal's type checks, which read the first bytes.
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40

# A one-page PDF with its cross-reference table: what a PDF writer produces, only smaller.
_PDF_OBJECTS = [
    b"<</Type/Catalog/Pages 2 0 R>>",
    b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
    b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>",
]


def real_png(size: int = 240) -> bytes:
    """A PNG image that really opens (a blue disc), for checks that decode the image."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    ImageDraw.Draw(image).ellipse((4, 4, size - 4, size - 4), fill=(26, 68, 128, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def upload(data: bytes, filename: str):
    """A file field's value for the test client's form posts."""
    return (io.BytesIO(data), filename)


def small_pdf() -> bytes:
    body = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, content in enumerate(_PDF_OBJECTS, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref)
    return bytes(body)


def write_pdf(folder: Path, name: str = "stamped-plans.pdf") -> Path:
    path = folder / name
    path.write_bytes(small_pdf())
    return path
