"""URLs built once per process (portal/routing.py Portal.url_for) are the URLs Flask builds."""

from flask import Flask, url_for

from portal.http_caching import FINGERPRINT


def _flask_builds(app, endpoint, **values) -> str:
    return Flask.url_for(app, endpoint, **values)


def test_every_endpoint_without_values_gives_flasks_own_url_again_and_again(app):
    plain = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if not rule.arguments and "GET" in (rule.methods or ())
    ]
    assert len(plain) > 30
    with app.test_request_context("/"):
        for endpoint in plain:
            first = url_for(endpoint)
            assert first == _flask_builds(app, endpoint)
            assert url_for(endpoint) == first


def test_values_anchors_and_external_urls_are_built_each_time(app):
    with app.test_request_context("/"):
        assert url_for("help.index", _anchor="contact").endswith("/help#contact")
        assert url_for("help.index", _external=True).startswith("http://")
        assert url_for("auth.sign_in", next="/permits/") == _flask_builds(
            app, "auth.sign_in", next="/permits/"
        )
        assert url_for("auth.sign_in", next="/staff/") != url_for("auth.sign_in", next="/permits/")


def test_a_remembered_url_follows_the_script_root_the_portal_is_served_under(app):
    with app.test_request_context("/"):
        at_root = url_for("help.index")
    with app.test_request_context("/", base_url="http://localhost/portal/"):
        assert url_for("help.index") == "/portal" + at_root


def test_static_urls_are_remembered_with_their_fingerprint_except_in_debug(app):
    with app.test_request_context("/"):
        css = url_for("static", filename="css/portal.css")
        assert f"?{FINGERPRINT}=" in css
        assert url_for("static", filename="css/portal.css") is css
        app.debug = True
        try:
            assert url_for("static", filename="css/portal.css") is not css
        finally:
            app.debug = False


def test_a_url_template_filled_in_is_the_url_flask_builds(app):
    """Every route whose values are ids: the template filled with ids gives Flask's URL."""
    from portal.routing import url_template

    by_ids = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.arguments and all(rule._converters[name].regex == r"\d+" for name in rule.arguments)
    ]
    assert len(by_ids) > 20
    with app.test_request_context("/", base_url="http://localhost/portal"):
        for rule in by_ids:
            names = sorted(rule.arguments)
            ids = {name: 7 + index * 1000 for index, name in enumerate(names)}
            filled = url_template(rule.endpoint, *names).format(**ids)
            assert filled == _flask_builds(app, rule.endpoint, **ids), rule.endpoint
