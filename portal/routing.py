"""URLs: every `<int:...>` in a route is a database id; URLs every page builds are built once."""

from typing import Any

from flask import Flask, has_request_context, request, url_for
from werkzeug.routing import IntegerConverter, Map

from portal.models import LARGEST_ID


class IdConverter(IntegerConverter):
    """Werkzeug's `int`, matching only numbers an id column can hold: a larger one is a 404."""

    def __init__(self, map: Map, *args, **kwargs) -> None:
        super().__init__(map, *args, **kwargs)
        self.max = LARGEST_ID if self.max is None else min(self.max, LARGEST_ID)


def url_template(endpoint: str, *ids: str, **values: Any) -> str:
    """The endpoint's URL as a ``str.format`` template with a ``{name}`` for each id named.

    A list links each row to its record: werkzeug takes about 9 µs to build a URL, a
    template about 1 µs to fill, and a page of rows builds dozens (issue 17). Built with
    the largest ids as stand-ins, replaced by their names (a URL holds no raw braces)."""
    marks: dict[str, Any] = {name: LARGEST_ID - index for index, name in enumerate(ids)}
    url = url_for(endpoint, **values, **marks)
    for name, mark in marks.items():
        url = url.replace(str(mark), "{" + name + "}")
    return url


def init_app(app: Flask) -> None:
    """Called before any route is added: a rule takes its converters when it is added."""
    app.url_map.converters["int"] = IdConverter


class Portal(Flask):
    """Flask, remembering the URLs every page builds the same way.

    Each page's layout links to the same few dozen places (menus, stylesheets, icons), and
    building a URL costs about 6 µs in werkzeug, a tenth of the cheapest page (issue 17).
    Inside a request, an endpoint with no values (or a static file by name alone) always
    gives the same relative URL for the same script root, so those are built once per
    process. That holds only while nothing adds values from the request: the one
    ``url_defaults`` hook (portal/http_caching.py) fingerprints static files by their
    bytes, which change under a running process only in debug, so static URLs are not
    remembered there. Anything else (values, anchors, external URLs) is built each time.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._built_urls: dict[tuple[str, str | None, str, str | None], str] = {}

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        key = None
        if (
            has_request_context()
            and not _external
            and _anchor is None
            and _method is None
            and _scheme is None
            and self._rememberable(endpoint, values)
        ):
            blueprint = request.blueprint if endpoint[:1] == "." else None
            key = (endpoint, values.get("filename"), request.script_root, blueprint)
            url = self._built_urls.get(key)
            if url is not None:
                return url
        url = super().url_for(
            endpoint,
            _anchor=_anchor,
            _method=_method,
            _scheme=_scheme,
            _external=_external,
            **values,
        )
        if key is not None:
            self._built_urls[key] = url
        return url

    def _rememberable(self, endpoint: str, values: dict) -> bool:
        if not values:
            return True
        return endpoint == "static" and not self.debug and values.keys() == {"filename"}
