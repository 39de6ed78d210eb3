"""A selector's ``core.errors.NotFound`` is the 404 page on the portal, as ``Http404`` would be."""

import pytest
from django.http import Http404
from django.test import RequestFactory

from core.api import HTTP_STATUS
from core.errors import Kind, NotFound
from core.middleware import DomainNotFoundMiddleware


def test_not_found_from_a_page_becomes_http_404():
    middleware = DomainNotFoundMiddleware(lambda request: None)
    with pytest.raises(Http404):
        middleware.process_exception(RequestFactory().get("/x/"), NotFound())


def test_other_errors_pass_through():
    middleware = DomainNotFoundMiddleware(lambda request: None)
    assert middleware.process_exception(RequestFactory().get("/x/"), ValueError("x")) is None


def test_every_kind_has_one_status_in_the_api_layer():
    assert set(HTTP_STATUS) == set(Kind)
    assert HTTP_STATUS[Kind.NOT_FOUND] == 404


def test_our_views_say_not_found_one_way():
    """No view of ours raises ``Http404`` or calls ``get_object_or_404``: a selector raises
    ``core.errors.NotFound`` and the middleware (pages) or ``core.api`` (API) answers 404. The payment
    simulator stands for another system and imports nothing of ours (pyproject's independence contract)."""
    import ast
    import pathlib

    from core.packages import our_apps

    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = []
    for package in set(our_apps()) - {"paysim"}:
        for path in (root / package).rglob("*.py"):
            source = path.read_text()
            if "Http404" not in source and "get_object_or_404" not in source:
                continue
            for node in ast.walk(ast.parse(source)):
                called = isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "get_object_or_404"
                raised = isinstance(node, ast.Raise) and "Http404" in ast.unparse(node.exc or ast.Constant(None))
                if (called or raised) and path.relative_to(root).as_posix() != "core/middleware.py":
                    offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
