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
