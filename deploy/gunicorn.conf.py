"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py portal.wsgi`.

Sync workers (steadier throughput and p99 than gthread on these 2-core machines, see NOTES); each
worker keeps its database connection (DB_CONN_MAX_AGE) and its signing key ring in memory.
"""

import multiprocessing
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project root, wherever gunicorn is started
from portal.proxies import trusted_proxies  # noqa: E402

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))  # recycle workers: bounds slow leaks
max_requests_jitter = max_requests // 10
# Forwarded headers (X-Forwarded-Proto …) only from the proxies the app trusts too, none without a proxy.
forwarded_allow_ips = ",".join(trusted_proxies(os.environ))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# No query strings in access logs: they could carry personal data.
access_log_format = '{"time":"%(t)s","method":"%(m)s","path":"%(U)s","status":%(s)s,"bytes":%(B)s,"ms":%(M)s,"request_id":"%({x-request-id}o)s"}'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
