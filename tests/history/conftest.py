"""Fixtures for the history import: valid rows, filled templates, uploads through the API."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, Filing, License
from portal_plugin.demo.history import filled
from tests.kit import CITY, HP, HX, ID_NO, People, credit_code

fill = filled  # the template with rows typed in, as the tests call it


def row(n: int, division: str = "和平区", **overrides: Any) -> dict[str, Any]:
    """A valid template row (labels as a person types them) for agency number n."""
    code = {"和平区": HP, "河西区": HX}.get(division, HP)
    values: dict[str, Any] = {
        "name": f"历史人力资源服务有限公司{n:05d}", "credit_code": credit_code(50_000 + n, code),
        "agency_type": "民营性质的服务企业", "division": division,
        "address": f"天津市测试路{n}号", "legal_rep": "张伟", "legal_rep_id_type": "居民身份证",
        "legal_rep_id_no": ID_NO, "contact": "李娜", "phone": "022-23456789",
        "founded_on": "2012-05-18",
        "license_number": f"（津）人服证字〔2015〕第{n:08d}号", "license_issued_on": "2015/6/30",
        "license_valid_until": "2030年6月29日",
        "license_items": "为用人单位推荐劳动者、为劳动者介绍用人单位", "license_status": "有效",
        "filing_number": f"津人服备字〔2016〕第{n:08d}号", "filed_on": "2016-03-01",
        "filing_items": "人力资源管理咨询", "filing_status": "有效", "status": "有效",
        "deregistered_on": None,
    }
    values.update(overrides)
    return values


@pytest.fixture
def gl(people: People) -> Callable[[str], dict[str, str]]:
    """Bearer headers of a 业务管理岗 (history.import) of a division (the city by default)."""

    def make(division: str = CITY) -> dict[str, str]:
        return people.officer("HRM_GL", division)

    return make


@pytest.fixture
def template(client: FlaskClient, gl: Callable[[str], dict[str, str]]) -> bytes:
    response = client.get("/api/v1/history-imports/template", headers=gl(CITY))
    assert response.status_code == 200
    return response.data


@pytest.fixture
def upload(client: FlaskClient, gl: Callable[[str], dict[str, str]]
           ) -> Callable[..., Any]:
    """POST a file to the upload API; returns the response."""

    def send(data: bytes, name: str = "历史数据.xlsx", division: str = CITY) -> Any:
        return client.post("/api/v1/history-imports", headers=gl(division),
                           data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")

    return send


@pytest.fixture
def registry(app: Flask) -> Callable[[], dict[str, set[str]]]:
    """The registry's credit codes, licence numbers and filing numbers now."""

    def read() -> dict[str, set[str]]:
        with app.app_context():
            return {
                "agencies": set(db.session.scalars(select(Agency.credit_code))),
                "licenses": set(db.session.scalars(select(License.license_number))),
                "filings": set(db.session.scalars(select(Filing.filing_number))),
            }

    return read
