"""`GET /metrics` (CONTRACT.md "Portal hooks"): Prometheus text of the requests, the database
pool and the business gauges (open cases by workflow and status, overdue cases).

Request figures are process-wide prometheus_client metrics; under gunicorn with
`PROMETHEUS_MULTIPROC_DIR` set (gunicorn.conf.py does) every worker writes its own file and a
scrape adds them up, so any worker answers for all. Pool and business gauges are read at
scrape time from this process's engine and the database.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

from portal_plugin.core.access import public
from portal_plugin.core.clock import today
from portal_plugin.core.errors import json_error
from portal_plugin.core.extensions import db
from workflows.models import Case

bp = Blueprint("metrics", __name__)
BLUEPRINTS = (bp,)

# Latency buckets around the 2 s the fault handling promises.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
REQUESTS = Counter("hrm_requests", "HTTP requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram("hrm_request_duration_seconds", "Time to answer a request, by endpoint",
                    ["endpoint", "method"], buckets=BUCKETS)
OPEN_STATUSES = ("submitted", "pending_review")


def observe(response_status: int) -> None:
    """Count the current request (called once, after its response is made)."""
    started = g.get("hrm_started")
    endpoint = request.endpoint or "unmatched"  # unknown URLs share one label, not one each
    REQUESTS.labels(endpoint, request.method, str(response_status)).inc()
    if started is not None:
        LATENCY.labels(endpoint, request.method).observe(time.perf_counter() - started)


class _Gauges:
    """The pool's use and the business gauges, collected at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool: Any = db.engine.pool
        size = GaugeMetricFamily("hrm_db_pool_size", "Connections the pool keeps")
        used = GaugeMetricFamily("hrm_db_pool_checked_out", "Pooled connections in use")
        overflow = GaugeMetricFamily("hrm_db_pool_overflow", "Connections beyond the pool size")
        size.add_metric([], float(getattr(pool, "size", lambda: 0)()))
        used.add_metric([], float(getattr(pool, "checkedout", lambda: 0)()))
        overflow.add_metric([], float(max(getattr(pool, "overflow", lambda: 0)(), 0)))
        yield from (size, used, overflow)

        cases = GaugeMetricFamily("hrm_cases", "Cases by workflow and status (drafts included)",
                                  labels=["workflow", "status"])
        for wf, status, n in db.session.execute(
                select(Case.workflow, Case.status, func.count())
                .group_by(Case.workflow, Case.status)):
            cases.add_metric([wf, status], float(n))
        yield cases
        overdue = GaugeMetricFamily("hrm_cases_overdue",
                                    "Open cases past their deadline, by workflow and status",
                                    labels=["workflow", "status"])
        for wf, status, n in db.session.execute(
                select(Case.workflow, Case.status, func.count())
                .where(Case.status.in_(OPEN_STATUSES), Case.deadline < today())
                .group_by(Case.workflow, Case.status)):
            overdue.add_metric([wf, status], float(n))
        yield overdue


def _request_metrics() -> bytes:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=folder)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@bp.get("/metrics")
@public
def metrics() -> Response:
    """Prometheus text; with METRICS_TOKEN set only for `Authorization: Bearer {token}`."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return json_error(401, "unauthorized", "需要监控令牌")
    gauges = CollectorRegistry(auto_describe=False)
    gauges.register(_Gauges())
    body = _request_metrics() + generate_latest(gauges)
    return Response(body, 200, content_type=CONTENT_TYPE_LATEST)
