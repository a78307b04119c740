"""URL variables: every `<int:...>` in a route is a database id."""

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from portal.models import LARGEST_ID


class IdConverter(IntegerConverter):
    """Werkzeug's `int`, matching only numbers an id column can hold: a larger one is a 404."""

    def __init__(self, map: Map, *args, **kwargs) -> None:
        super().__init__(map, *args, **kwargs)
        self.max = LARGEST_ID if self.max is None else min(self.max, LARGEST_ID)


def init_app(app: Flask) -> None:
    """Called before any route is added: a rule takes its converters when it is added."""
    app.url_map.converters["int"] = IdConverter
