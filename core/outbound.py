"""Fetching a document from a URL someone typed (another province's key set, ``healthcode``'s trust
list) without letting that URL reach inside our network (SSRF).

The host is resolved once; every address it resolves to must be public (not private, loopback,
link-local, reserved, multicast or unspecified) unless the host is on the caller's allow-list; and the
connection goes to exactly the address that was checked, with the URL's host name in the ``Host``
header and as the TLS server name (so the certificate is still checked against the name). There is no
second lookup for a DNS server to answer differently (no rebinding window). ``https://`` is required
unless the host is on the allow-list (a province's server on a closed government network, a test's
local server); redirects are refused, not followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.parse

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

resolve = socket.getaddrinfo  # a seam for tests (a fake resolver)


def _internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified


def _refused(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def pinned_address(url: str, *, allowed_hosts, field: str = "url") -> tuple[urllib.parse.SplitResult, str]:
    """The URL's parts and the one address to connect to, checked; ``ValidationError`` on ``field`` otherwise."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    allowed = host in allowed_hosts
    if parts.scheme != "https" and not (parts.scheme == "http" and allowed):
        raise _refused(field, _("The key set URL must start with https://."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise _refused(field, _("The key set URL's host cannot be resolved.")) from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise _refused(field, _("The key set URL's host cannot be resolved."))
    if not allowed and any(_internal(address) for address in addresses):
        raise _refused(field, _("The key set URL points inside our network; that is not allowed."))
    return parts, addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Sends ``Host: <the URL's host>`` but connects to the address that was checked."""

    def __init__(self, host, port, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    def connect(self):
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)  # SNI and certificate check by name


def fetch(url: str, *, allowed_hosts, max_bytes: int = 1_000_000, timeout: float = 10, field: str = "url") -> bytes:
    """The body of a GET to ``url`` (at most ``max_bytes``), from the address checked once."""
    parts, address = pinned_address(url, allowed_hosts=allowed_hosts, field=field)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), address=address, timeout=timeout)
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    try:
        connection.request("GET", path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        if 300 <= response.status < 400:
            raise _refused(field, _("The key set URL redirects; give its final address."))
        if response.status != 200:
            raise _refused(field, _("The key set URL answered %(status)d.") % {"status": response.status})
        body = response.read(max_bytes + 1)
    except (OSError, http.client.HTTPException):
        raise _refused(field, _("The key set URL could not be reached.")) from None
    finally:
        connection.close()
    if len(body) > max_bytes:
        raise _refused(field, _("The key set is too large."))
    return body
