"""The load benchmark's baselines: a bare Flask app served exactly like the real one.

    gunicorn -w 2 -k sync -b 127.0.0.1:PORT --chdir bench hello:app   (bench/load.py does this)

* GET /hello — returns "hello": what Flask + gunicorn cost with no work at all (100 %).
* GET /bare-page?workflow=licensing&division=120101&status=submitted — 20 cases selected with
  the plain SQLAlchemy ORM through Flask-SQLAlchemy (the same Case model and the same
  engine the app uses, Flask-SQLAlchemy's default engine options):

      select(Case).where(workflow, division_code, status)
                  .order_by(Case.submitted_at.desc()).limit(20)

  rendered with a tiny Jinja template: the least a list page of 20 cases can cost — no
  identity, no permission check, no count, no calendar, no menu, no CSRF token.
* GET /bare-json?… — the same 20 cases as JSON (id, number, status, agency, dates and the
  application payload, like the API's items): the least a JSON list can cost.

DATABASE_URL names the database (default postgresql:///hrm_bench, made by bench/generate.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, render_template, request
from jinja2 import DictLoader
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from portal_plugin.core.config import normalise_database_url
from portal_plugin.core.extensions import db
from workflows.models import Case

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>办件列表</title></head>
<body>
<h1>办件列表</h1>
<table>
  <thead><tr><th>办件编号</th><th>机构名称</th><th>统一社会信用代码</th><th>提交时间</th><th>状态</th></tr></thead>
  <tbody>
  {% for case in cases %}
  <tr><td>{{ case.case_no }}</td><td>{{ case.agency_name }}</td><td>{{ case.credit_code }}</td>
      <td>{{ case.submitted_at.strftime("%Y-%m-%d %H:%M") if case.submitted_at else "" }}</td>
      <td>{{ case.status }}</td></tr>
  {% else %}
  <tr><td colspan="5">没有符合条件的数据</td></tr>
  {% endfor %}
  </tbody>
</table>
</body></html>
"""

app = Flask(__name__)
app.jinja_loader = DictLoader({"bare.html": PAGE})  # compiled once, cached like the app's
app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
    os.environ.get("DATABASE_URL", "postgresql:///hrm_bench"))
db.init_app(app)


@app.get("/hello")
def hello() -> str:
    return "hello"


def twenty_cases() -> list[Case]:
    stmt = (
        select(Case)
        .where(Case.workflow == request.args.get("workflow", "licensing"),
               Case.division_code == request.args.get("division", "120101"),
               Case.status == request.args.get("status", "submitted"))
        .order_by(Case.submitted_at.desc())
        .limit(20)
    )
    return list(db.session.scalars(stmt).all())


@app.get("/bare-page")
def bare_page() -> str:
    return render_template("bare.html", cases=twenty_cases())


@app.get("/bare-json")
def bare_json() -> Any:
    return jsonify({"items": [
        {"id": case.id, "case_no": case.case_no, "workflow": case.workflow,
         "status": case.status, "version": case.version, "division": case.division_code,
         "agency": {"credit_code": case.credit_code, "name": case.agency_name},
         "submitted_at": case.submitted_at.isoformat() if case.submitted_at else None,
         "deadline": case.deadline.isoformat() if case.deadline else None,
         "application": case.payload}
        for case in twenty_cases()]})
