"""Settings: wiring only. Environment variables choose the database and channel layer.

DATABASE_URL (PostgreSQL) and REDIS_URL (channels-redis) switch to the scale-out set-up;
without them kubeviz runs on SQLite in WAL mode and Channels' in-memory layer.
"""
import os
from pathlib import Path

import dj_database_url

from kubeviz.secretkey import secret_key_load

BASE_DIR = Path(__file__).resolve().parent.parent

# Never a key from the repository: DJANGO_SECRET_KEY, or one generated on first run and kept
# (mode 0600) in KUBEVIZ_SECRET_KEY_FILE, var/secret_key by default.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secret_key_load(
    Path(os.environ.get("KUBEVIZ_SECRET_KEY_FILE", BASE_DIR / "var" / "secret_key"))
)
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
# kubectl sends the host of its kubeconfig's server (https://$HOST:$TLS_PORT), so the host
# make run listens on is allowed too; Django compares hosts without their port.
_serve_host = os.environ.get("HOST", "").strip()
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h.strip()
]
if _serve_host and "ALLOWED_HOSTS" not in os.environ:
    ALLOWED_HOSTS.append(f"[{_serve_host}]" if ":" in _serve_host and not _serve_host.startswith("[") else _serve_host)
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "kubeviz.clusters",
    "kubeviz.etcd",
    "kubeviz.flow",
    "kubeviz.apiserver",
    "kubeviz.kubeapi",
    "kubeviz.api",
    "kubeviz.web",
    "kubeviz.engine",
    "kubeviz.scheduler",
    "kubeviz.runtime",
    "kubeviz.accounts",
    "kubeviz.exercises",
    "kubeviz.lessons",
    "kubeviz.exams",
    "kubeviz.classes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kubeviz.urls"
ASGI_APPLICATION = "kubeviz.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kubeviz.accounts.context.identity",
            ],
        },
    },
]

SQLITE_PATH = Path(os.environ.get("KUBEVIZ_SQLITE_PATH", BASE_DIR / "var" / "kubeviz.sqlite3"))

# PostgreSQL: each process keeps a pool of connections (Django's psycopg pool), at most
# KUBEVIZ_DB_POOL_MAX. A request borrows one and gives it back when it ends; persistent
# connections (CONN_MAX_AGE > 0) leaked one per request under ASGI, whose requests run in
# short-lived contexts that never reuse them, until PostgreSQL refused new ones.
KUBEVIZ_DB_POOL_MIN = int(os.environ.get("KUBEVIZ_DB_POOL_MIN", "1"))
KUBEVIZ_DB_POOL_MAX = int(os.environ.get("KUBEVIZ_DB_POOL_MAX", "8"))

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "kubeviz.etcd.postgresql"  # keeps locked clusters' counters
    if os.environ.get("KUBEVIZ_DB_SERVER_BINDING", "1") == "1":
        DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": KUBEVIZ_DB_POOL_MIN,
        "max_size": KUBEVIZ_DB_POOL_MAX,
        "timeout": float(os.environ.get("KUBEVIZ_DB_POOL_TIMEOUT", "30")),
    }
else:
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "kubeviz.etcd.sqlite",
            "NAME": SQLITE_PATH,
            # The web process and the engine workers both write: WAL lets readers go on
            # while one writer commits, IMMEDIATE takes the write lock up front so two
            # writers queue on the busy timeout instead of failing on lock upgrade.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": os.environ.get("KUBEVIZ_TEST_SQLITE_PATH") or None},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("REDIS_URL"):
    # channels-redis blocks in BRPOP for up to 5 s (brpop_timeout): a socket timeout below
    # that (redis-py's default is shorter) broke every receive of an idle consumer. The
    # health check and retries reconnect after Redis restarts.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{
                "address": os.environ["REDIS_URL"],
                "socket_timeout": 30,
                "socket_connect_timeout": 5,
                "socket_keepalive": True,
                "health_check_interval": 10,
                "retry_on_timeout": True,
            }]},
        }
    }
    # One cache for every process (follow mode's late-joiner state, kubeviz.classes.follow):
    # each Daphne's own memory would give a follower on another Daphne nothing.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "kubeviz",
            "OPTIONS": {"socket_timeout": 5, "socket_connect_timeout": 5, "retry_on_timeout": True},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"

# The real API server refuses bodies over 3 MiB (CVE-2019-11253); so do we, before parsing.
KUBEVIZ_MAX_BODY_BYTES = 3 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = KUBEVIZ_MAX_BODY_BYTES
# Checks of exercises (REST and page) run in this many threads of their own, so a burst of
# them queues behind itself rather than slowing every other request (kubeviz/lanes.py); 0: off.
KUBEVIZ_CHECK_THREADS = int(os.environ.get("KUBEVIZ_CHECK_THREADS", "1"))
KUBEVIZ_LANE_URLS = ("api-attempt-check", "exercise-check")
# Every other request answered whole is served in a pool of this many threads, in two hops
# between the event loop and a thread instead of Django's fifteen (kubeviz/lanes.py);
# kept under KUBEVIZ_DB_POOL_MAX so the websockets' readers always find a connection. 0: off.
KUBEVIZ_HTTP_THREADS = int(os.environ.get("KUBEVIZ_HTTP_THREADS", "6"))
# How many change-log revisions a cluster keeps for watches at least, whatever compaction.
KUBEVIZ_WATCH_HISTORY = int(os.environ.get("KUBEVIZ_WATCH_HISTORY", "20000"))
# kube-apiserver --etcd-compaction-interval (simulated seconds; default 5m): each round
# compacts the change log to the revision the previous round saw.
KUBEVIZ_COMPACTION_INTERVAL = float(os.environ.get("KUBEVIZ_COMPACTION_INTERVAL", "300"))
# Step history: a cluster keeps its newest KUBEVIZ_STEP_RETENTION steps, none older than
# KUBEVIZ_STEP_RETENTION_SECONDS of simulated time (0: no age limit). Trimmed every
# KUBEVIZ_STEP_TRIM_INTERVAL simulated seconds, KUBEVIZ_HISTORY_BATCH rows per transaction.
KUBEVIZ_STEP_RETENTION = int(os.environ.get("KUBEVIZ_STEP_RETENTION", "20000"))
KUBEVIZ_STEP_RETENTION_SECONDS = float(os.environ.get("KUBEVIZ_STEP_RETENTION_SECONDS", str(7 * 24 * 3600)))
KUBEVIZ_STEP_TRIM_INTERVAL = float(os.environ.get("KUBEVIZ_STEP_TRIM_INTERVAL", "60"))
KUBEVIZ_HISTORY_BATCH = int(os.environ.get("KUBEVIZ_HISTORY_BATCH", "1000"))
# The most steps a websocket replays for {"after": N}; older ones are announced as a gap.
KUBEVIZ_WS_REPLAY_MAX = int(os.environ.get("KUBEVIZ_WS_REPLAY_MAX", "1000"))
# The kubelet's containerLogMaxSize (10Mi) and containerLogMaxFiles (5).
KUBEVIZ_CONTAINER_LOG_MAX_SIZE = int(os.environ.get("KUBEVIZ_CONTAINER_LOG_MAX_SIZE", str(10 * 1024 * 1024)))
KUBEVIZ_CONTAINER_LOG_MAX_FILES = int(os.environ.get("KUBEVIZ_CONTAINER_LOG_MAX_FILES", "5"))
# Sleep (kubeviz.clusters.sleep): a cluster unused this many real seconds sleeps (0: never);
# the worker looks every KUBEVIZ_SLEEP_CHECK seconds. Guests' clusters unused for
# KUBEVIZ_GUEST_TTL seconds are deleted by the sweep, which the worker runs every
# KUBEVIZ_SWEEP_EVERY seconds (and `manage.py sweep`).
KUBEVIZ_SLEEP_AFTER = float(os.environ.get("KUBEVIZ_SLEEP_AFTER", "600"))
KUBEVIZ_SLEEP_CHECK = float(os.environ.get("KUBEVIZ_SLEEP_CHECK", "15"))
# The classroom's room view recomputes its grid this often (seconds; once per class).
KUBEVIZ_ROOM_EVERY = float(os.environ.get("KUBEVIZ_ROOM_EVERY", "2"))
KUBEVIZ_GUEST_TTL = float(os.environ.get("KUBEVIZ_GUEST_TTL", str(24 * 3600)))
KUBEVIZ_SWEEP_EVERY = float(os.environ.get("KUBEVIZ_SWEEP_EVERY", "300"))

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "kubeviz.api.schema.RestAutoSchema",
    # A personal token (``kv_…``) first: on a cluster's path it is its owner acting, as in
    # the browser; any other bearer token is left to the cluster's check.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kubeviz.accounts.tokens.PersonalTokenAuthentication",
        "kubeviz.api.permissions.ClusterBearerAuthentication",
        "kubeviz.api.permissions.BrowserSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["kubeviz.api.permissions.ClusterTokenOrCSRF"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "rest_framework.parsers.FormParser",
                               "kubeviz.api.parsers.StrictMultiPartParser"],
    "EXCEPTION_HANDLER": "kubeviz.api.errors.rest_exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "kubeviz REST API",
    "DESCRIPTION": "The dashboard and exercise API of kubeviz, a watchable simulated Kubernetes.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ works offline: Swagger UI is served from the pinned sidecar package's
    # static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The local CA and serving certificate of the HTTPS Kubernetes API (kubectl sends bearer
# tokens only over TLS).
KUBEVIZ_TLS_DIR = Path(os.environ.get("KUBEVIZ_TLS_DIR", BASE_DIR / "var" / "tls"))

# Where ``manage.py serve`` records the address it listens on (``server.json``), so that
# ``manage.py kubeconfig`` points kubectl at the running server whatever its TLS_PORT.
KUBEVIZ_RUN_DIR = Path(os.environ.get("KUBEVIZ_RUN_DIR", BASE_DIR / "var"))

# How many nodes the REST API and the dashboard may add to one cluster.
KUBEVIZ_MAX_NODES_PER_CLUSTER = int(os.environ.get("KUBEVIZ_MAX_NODES_PER_CLUSTER", "100"))

# Sandbox limits (kubeviz/clusters/limits.py): how many clusters a learner (guests count as
# learners) and a teacher may own, how many the site holds, how many pods one cluster holds.
KUBEVIZ_SANDBOXES_PER_LEARNER = int(os.environ.get("KUBEVIZ_SANDBOXES_PER_LEARNER", "3"))
KUBEVIZ_SANDBOXES_PER_TEACHER = int(os.environ.get("KUBEVIZ_SANDBOXES_PER_TEACHER", "50"))
KUBEVIZ_MAX_CLUSTERS = int(os.environ.get("KUBEVIZ_MAX_CLUSTERS", "500"))
KUBEVIZ_MAX_PODS_PER_CLUSTER = int(os.environ.get("KUBEVIZ_MAX_PODS_PER_CLUSTER", "500"))

# KUBEVIZ_PRODUCTION=1: what `manage.py check --deploy` asks for. Pages must then reach
# Django over HTTPS: Daphne's own TLS endpoint (as the Kubernetes API always does), or a
# TLS-terminating proxy that sets X-Forwarded-Proto (KUBEVIZ_TLS_PROXY=1; the proxy must
# overwrite that header, or a client could claim HTTPS).
PRODUCTION = os.environ.get("KUBEVIZ_PRODUCTION") == "1"
if PRODUCTION:
    if "ALLOWED_HOSTS" not in os.environ:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "KUBEVIZ_PRODUCTION=1 needs ALLOWED_HOSTS: the host names of the site, including the one "
            "kubeconfigs point kubectl at"
        )
    DEBUG = False
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("KUBEVIZ_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if os.environ.get("KUBEVIZ_TLS_PROXY") == "1":
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
