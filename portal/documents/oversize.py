"""A request larger than the portal accepts, answered with the form it carried.

Werkzeug refuses a body over MAX_CONTENT_LENGTH before a view could read the fields, so
the page would come back empty: the typed result, remarks or document type lost. Here the
fields are read and the files thrown away as they stream past, so the view can show the
page again with what was typed and say which limit was passed.
"""

import io
from typing import IO, cast

from flask import abort, current_app
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.formparser import parse_form_data

# Beyond this many times the limit the body is not read at all: a plain 413.
READ_AT_MOST = 4


class _Discard(io.RawIOBase):
    """Where an oversize request's files go: nowhere."""

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0


def _discard(
    total_content_length: int | None,
    content_type: str | None,
    filename: str | None,
    content_length: int | None = None,
) -> IO[bytes]:
    return cast(IO[bytes], _Discard())


def request_limit() -> int:
    return int(current_app.config["MAX_CONTENT_LENGTH"])


def too_large(request) -> bool:
    return (request.content_length or 0) > request_limit()


def fields_only(request) -> MultiDict:
    """The form's fields without its files (the files are read and dropped)."""
    if (request.content_length or 0) > READ_AT_MOST * request_limit():
        abort(413)
    _stream, form, _files = parse_form_data(
        request.environ, stream_factory=_discard, max_content_length=None, silent=True
    )
    return MultiDict(form)


def message() -> str:
    return _(
        "The files you chose add up to more than %(mb)s MB, the most one upload can carry. "
        "What you typed is still here: choose fewer files and upload the rest afterwards.",
        mb=request_limit() // (1024 * 1024),
    )


def naming(upload, problem: str) -> str:
    """A refused file's message, naming the file, since several are uploaded at once."""
    return _("%(file)s: %(problem)s", file=upload.filename or _("a file"), problem=problem)
