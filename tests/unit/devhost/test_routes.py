"""Route templates: the ASP.NET syntax function routes are written in."""

from __future__ import annotations

import pytest

from devhost.errors import BindingError
from devhost.routes import compile_route


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("items", "items", {}),
        ("Items", "ITEMS/", {}),
        ("items/{id}", "items/abc", {"id": "abc"}),
        ("items/{id:int}", "items/-12", {"id": "-12"}),
        ("items/{id:int}", "items/twelve", None),
        ("items/{id:int?}", "items", {}),
        ("items/{id?}", "items/7", {"id": "7"}),
        ("items/{id=5}", "items", {"id": "5"}),
        ("files/{*path}", "files/a/b/c", {"path": "a/b/c"}),
        ("files/{*path}", "files", {}),
        ("v{version}/things", "v2/things", {"version": "2"}),
        ("builds/{id:guid}", "builds/0f8fad5b-d9cb-469f-a165-70867728950e",
         {"id": "0f8fad5b-d9cb-469f-a165-70867728950e"}),
        ("builds/{id:guid}", "builds/not-a-guid", None),
        ("flags/{on:bool}", "flags/true", {"on": "true"}),
        ("names/{name:alpha}", "names/abc1", None),
        ("tolerated/{x:minlength(3)}", "tolerated/ab", {"x": "ab"}),
        ("items/{id}", "items/1/extra", None),
        ("items/{id}", "items", None),
    ],
)
def test_matching(template: str, path: str, expected: dict[str, str] | None) -> None:
    assert compile_route(template, where="f").match(path) == expected


def test_literal_routes_sort_before_parameterised_and_catch_all() -> None:
    routes = [compile_route(t, where="f") for t in ("files/{*rest}", "items/{id}", "items/latest")]
    ordered = sorted(routes, key=lambda r: r.specificity)
    assert [r.template for r in ordered] == ["items/latest", "items/{id}", "files/{*rest}"]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("items/{id", "unbalanced brace"),
        ("items/{a}/{A}", "repeats a parameter name"),
        ("items/{1bad}", "invalid parameter name"),
    ],
)
def test_malformed_templates_name_the_function(template: str, message: str) -> None:
    with pytest.raises(BindingError, match=message) as caught:
        compile_route(template, where="function 'orders'")
    assert "function 'orders'" in str(caught.value)
