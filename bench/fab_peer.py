"""The peer for bench/load.py: a Flask-AppBuilder ModelView list of the same `cases` table.

Flask-AppBuilder is what a bureau would otherwise pick for an admin list; it is NOT a
dependency of the product. bench/load.py makes a throwaway virtualenv for it
(`--fab-venv`, default /tmp/hrm-fab-venv: `python -m venv` + `pip install flask-appbuilder
'psycopg[binary]' gunicorn`) and serves this module from there:

    gunicorn -w 2 -k sync -b 127.0.0.1:PORT --chdir bench fab_peer:app

GET /casesview/list/?_flt_3_workflow=licensing&_flt_3_division_code=120101&_flt_3_status=submitted
lists 20 licensing cases of a district by status, newest first, with the columns of our
行政许可受理 page; the public role may read it (no sign-in, so the peer does strictly less
than our page, which checks the officer's session). Its security tables (ab_*) are created in
the bench database, beside the data, which they do not touch.

DATABASE_URL names the database (default postgresql:///hrm_bench).
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # not a script: a WSGI module for gunicorn, in its own virtualenv
    print(__doc__)
    sys.exit(0 if {"-h", "--help"} & set(sys.argv[1:]) else 2)

from flask import Flask  # noqa: E402 (after the help above, which needs no Flask-AppBuilder)
from flask_appbuilder import AppBuilder, ModelView  # noqa: E402
from flask_appbuilder.models.sqla import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import Column, Date, DateTime, Integer, String

URL = os.environ.get("DATABASE_URL", "postgresql:///hrm_bench")
if URL.startswith("postgresql://"):
    URL = "postgresql+psycopg://" + URL[len("postgresql://"):]


class Case(Model):
    """The columns of `cases` the list shows (the table is the app's own)."""

    __tablename__ = "cases"
    id = Column(Integer, primary_key=True)
    case_no = Column(String(30))
    workflow = Column(String(20))
    status = Column(String(20))
    agency_name = Column(String(200))
    credit_code = Column(String(18))
    division_code = Column(String(6))
    submitted_at = Column(DateTime(timezone=True))
    deadline = Column(Date)


class CasesView(ModelView):
    datamodel = SQLAInterface(Case)
    list_columns = ["case_no", "agency_name", "credit_code", "division_code", "submitted_at",
                    "status", "deadline"]
    label_columns = {"case_no": "办件编号", "agency_name": "机构名称",
                     "credit_code": "统一社会信用代码", "division_code": "受理地区",
                     "submitted_at": "提交时间", "status": "当前状态", "deadline": "办理时限"}
    search_columns = ["workflow", "division_code", "status"]
    base_order = ("submitted_at", "desc")
    page_size = 20


app = Flask(__name__)
app.config.update(
    SQLALCHEMY_DATABASE_URI=URL, SECRET_KEY="bench-fab-peer-" + "x" * 32,
    AUTH_ROLE_PUBLIC="Admin",  # anonymous users may list: no sign-in on the peer's path
    FAB_UPDATE_PERMS=os.environ.get("FAB_UPDATE_PERMS") == "1", WTF_CSRF_ENABLED=False,
    SQLALCHEMY_TRACK_MODIFICATIONS=False, FAB_API_SWAGGER_UI=False)

db = SQLA(model_class=Model)  # Flask-AppBuilder's own Flask-SQLAlchemy subclass
db.init_app(app)
with app.app_context():
    appbuilder = AppBuilder(app, db.session)
    appbuilder.add_view(CasesView, "办件", category="办件")
