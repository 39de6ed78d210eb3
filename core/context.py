"""Who is asking, from where: set once per request by ``core.middleware.ClientContextMiddleware`` and
read by the audit writer, so use cases never take a request object and every audit row carries the
client's own address — not the reverse proxy's."""

from __future__ import annotations

import contextvars

client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)
