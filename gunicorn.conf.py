"""gunicorn settings for `gunicorn wsgi:app` (read from the working directory by default).

Every value can be overridden by gunicorn's own GUNICORN_CMD_ARGS or on the command line; the
HRM_* variables below are this file's knobs. See docs/operations.md.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile

# Where to listen (the portal's proxy forwards the mount prefix here).
bind = os.environ.get("HRM_BIND", "127.0.0.1:8000")
# Sync workers, the usual 2 × cores + 1: each request is short and waits on PostgreSQL.
workers = int(os.environ.get("HRM_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A request is killed after this long (the longest are .xlsx exports and history imports);
# database waits are bounded far below it (core.dbguard), so it only catches real bugs.
timeout = int(os.environ.get("HRM_WORKER_TIMEOUT", "120"))
# Graceful restart (SIGHUP, or a deploy's SIGTERM): running requests get this long to finish.
graceful_timeout = int(os.environ.get("HRM_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then (a leak cannot grow forever), not all at once.
max_requests = int(os.environ.get("HRM_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# Each worker imports the app itself: a fork keeps no database connection or thread of the
# master, and `kill -HUP` reloads new code without dropping the listening socket.
preload_app = False
# Bodies are capped by the app (413 before reading); gunicorn caps the request line/headers.
limit_request_line = 8190
limit_request_fields = 100

# The access log: one line per request, naming its X-Request-ID (the app sets it on every
# response) so it joins the app's JSON log lines.
accesslog = os.environ.get("HRM_ACCESS_LOG", "-") or None  # "" = none
errorlog = "-"
access_log_format = ('{"time": "%(t)s", "request_id": "%({x-request-id}o)s", '
                     '"remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", '
                     '"status": %(s)s, "bytes": "%(B)s", "duration_us": %(D)s}')
# The proxy's address is the client's; the app trusts X-Forwarded-* only via PROXY_FIX_HOPS.
forwarded_allow_ips = os.environ.get("HRM_FORWARDED_ALLOW_IPS", "127.0.0.1")

# /metrics under several workers: prometheus_client's multiprocess mode, one file per worker
# in a folder emptied at start-up (any worker then answers for all).
_metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), "hrm-metrics"))


def on_starting(server: object) -> None:
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server: object, worker: object) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
