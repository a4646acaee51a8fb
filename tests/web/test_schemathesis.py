"""A bounded schemathesis run over /api/v1/openapi.json: every operation, as a few roles, every
check schemathesis has but positive_data_acceptance (see DATA_DEPENDENT); no server error,
every answer as the document describes it.

Bounded: a few generated examples per operation (SCHEMATHESIS_EXAMPLES, default 6), so the
run stays within about two minutes in `make test`; raise it for a deeper run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import CHECKS, load_all_checks

from portal_plugin.core.extensions import db
from tests.kit import CLERK_CODE, HP, add_agency, add_license

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))
# Every check but one: a schema-valid request may still be refused (422) for what only the data
# decides — a catalogue code that does not exist, a district outside the caller's
# jurisdiction, a check digit — so "schema-valid is accepted" cannot hold for this API.
DATA_DEPENDENT = frozenset({"positive_data_acceptance"})
ROLES = (("HRM_GL", HP), ("HRM_SL", "120000"), ("HRM_JG", HP))


def headers_of(app: Flask, token: Callable[..., str]) -> list[dict[str, str]]:
    with app.app_context():
        agency = add_agency(CLERK_CODE, HP, "津和人力资源服务有限公司")
        add_license(agency, "津人社许字[2024]第0001号")
        db.session.commit()
    headers = []
    for role, division in ROLES:
        claims: dict[str, Any] = {"roles": [role], "division": division}
        if role == "HRM_JG":
            claims["org_credit_code"] = CLERK_CODE
        headers.append({"Authorization": "Bearer " + token(**claims)})
    return headers


def test_the_api_keeps_its_document(app: Flask, token: Callable[..., str]) -> None:
    load_all_checks()
    checks = [c for c in CHECKS.get_all() if c.__name__ not in DATA_DEPENDENT]
    headers = headers_of(app, token)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck),
                  phases=[Phase.explicit, Phase.generate])
        def run(case: Any) -> None:
            for each in headers:
                case.call_and_validate(headers=each, checks=checks)

        try:
            run()
        except Exception as error:  # noqa: BLE001 - every operation's failure is collected
            failures[operation.label] = str(error)[:1500]
    assert operations >= 40
    assert not failures, "\n\n".join(f"{k}: {v}" for k, v in failures.items())
