"""`{% cache key... %}...{% endcache %}`: parts of the layout rendered once per process.

The layout's banner, head links, menus and footer are the same on every page for a
given language and menu state, yet rendering them was most of a signed-in page's fixed
cost (issue 17: about 1.4 of 2.4 ms). A cached part must depend on nothing but its key:
per-request values (CSRF tokens, the page's own address, flashed messages) stay outside
the blocks. The values are a pure function of the key and the code, so a per-process dict
is right here (nothing has to agree across processes). With template auto-reload (debug)
nothing is cached, so an edited template shows at once.
"""

from collections.abc import Callable, Hashable

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup

# Keys are languages × menu states × a few block names: a few thousand at most. The bound
# only guards against a key built by mistake from something unbounded.
MOST_FRAGMENTS = 20_000


class FragmentCache(Extension):
    tags = {"cache"}

    def __init__(self, environment) -> None:
        super().__init__(environment)
        self.fragments: dict[tuple[Hashable, ...], Markup] = {}

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        key = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            key.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        call = self.call_method("_fragment", [nodes.List(key)])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(self, key: list[Hashable], caller: Callable[[], Markup]) -> Markup:
        if self.environment.auto_reload:
            return caller()
        cache_key = tuple(key)
        fragment = self.fragments.get(cache_key)
        if fragment is None:
            if len(self.fragments) >= MOST_FRAGMENTS:
                self.fragments.clear()
            fragment = self.fragments[cache_key] = caller()
        return fragment
