"""What WeasyPrint may read while it renders the portal's PDFs (certificate, receipt).

Only the app's own static files and the exact data: URLs a renderer supplies (the
certificate's uploaded seal, which lives in the document store): nothing typed into a
record can make the renderer read a local file or call another server.
"""

from base64 import b64decode
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse


class RefusedURL(ValueError):
    """A PDF asked for something outside the app's static files."""


class StaticOnlyFetcher(URLFetcher):
    """Serves file: URLs inside the static folder, and the exact data: URLs it is given;
    refuses every other URL."""

    def __init__(self, static_folder: str | Path, supplied: tuple[str, ...] = ()) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.root = Path(static_folder).resolve()
        self.supplied = frozenset(supplied)

    def fetch(self, url, headers=None):
        if url in self.supplied:
            kind, _sep, encoded = url.removeprefix("data:").partition(";base64,")
            return URLFetcherResponse(url, b64decode(encoded), {"Content-Type": kind})
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"refused {url!r}: only the portal's static files")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise RefusedURL(f"refused {url!r}: only the portal's static files")
        return URLFetcherResponse(path.as_uri(), path.read_bytes())
