"""Any request on any host: two app servers (separate processes and instance folders) on one
PostgreSQL database, the browser alternating between them. Sessions and uploaded files live in
the database, so nothing depends on which host answers.

(Application materials do not exist yet; when they do, their upload-here / open-there step
belongs in this journey.)
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import requests

from tests.conftest import Database, postgres_reachable
from tests.history.conftest import fill, row
from tests.sso.test_oidc_e2e import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
SECRET = "two-hosts-" + "k" * 40  # the same on every host, as the README says


@pytest.fixture(scope="module")
def shared_database(tmp_path_factory) -> Iterator[Database]:
    problem = postgres_reachable()
    if problem:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    database = Database("postgresql", tmp_path_factory.mktemp("two-hosts-db"))
    yield database
    database.drop()


def start_host(name: str, url: str, folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": str(folder / name),
           "SECRET_KEY": SECRET, "PORTAL_DEV_MODE": "1"}
    env.pop("HRM_SETTINGS", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--threads", "2", "--timeout", "60", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"host {name} exited with {process.returncode}")
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return process, base
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.kill()
    pytest.fail(f"host {name} did not start")


@pytest.fixture(scope="module")
def hosts(shared_database: Database, tmp_path_factory) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("two-hosts")
    started = [start_host(name, shared_database.url, folder) for name in ("a", "b")]
    yield started[0][1], started[1][1]
    for process, _ in started:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    assert not list(folder.glob("*/uploads")), "no host kept an upload on its own disk"


def csrf(page: requests.Response) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, f"no CSRF token on {page.url}"
    return match.group(1)


def signed_in(browser: requests.Session, base: str) -> bool:
    response = browser.get(f"{base}/", allow_redirects=False, timeout=30)
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def test_log_in_on_one_host_work_on_the_other_and_log_out_everywhere(hosts):
    a, b = hosts
    browser = requests.Session()
    # Log in on A (the dev portal: its session is a row in the shared database).
    login = browser.post(f"{a}/dev-portal/login", allow_redirects=False, timeout=30, data={
        "csrf_token": csrf(browser.get(f"{a}/dev-portal/", timeout=30)), "user": "city-gl"})
    assert login.status_code == 302
    cookie = browser.cookies.get("hrm_session")
    # ... and work on B: the workbench and the import pages know 赵静 there.
    page = browser.get(f"{b}/", timeout=30)
    assert page.status_code == 200 and "赵静" in page.text

    # Upload a history file on A ...
    template = browser.get(f"{a}/history-import/template.xlsx", timeout=30)
    assert template.status_code == 200
    workbook = fill(template.content, [row(n) for n in range(1, 4)])
    start = browser.get(f"{a}/history-import/import", timeout=30)
    uploaded = browser.post(f"{a}/history-import/import", allow_redirects=False, timeout=60,
                            data={"csrf_token": csrf(start)},
                            files={"file": ("历史数据.xlsx", workbook)})
    assert uploaded.status_code == 302, uploaded.text[:300]
    batch_id = int(re.search(r"batch=(\d+)", uploaded.headers["Location"]).group(1))
    # ... preview it on B (the rows as they will be saved, its error report) ...
    preview = browser.get(f"{b}/history-import/batches/{batch_id}", timeout=30)
    assert preview.status_code == 200 and "确认导入" in preview.text
    report = browser.get(f"{b}/history-import/batches/{batch_id}/report.xlsx", timeout=60)
    assert report.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(report.content), read_only=True)
    # ... and import it on B: the rows read at upload on A are checked again there.
    done = browser.post(f"{b}/history-import/batches/{batch_id}/commit", timeout=60,
                        data={"csrf_token": csrf(preview)})
    assert done.status_code == 200 and "导入完成：新增机构3个" in done.text
    records = browser.get(f"{a}/api/v1/history-records", timeout=30,
                          headers={"Accept": "application/json"})
    assert records.status_code == 200 and records.json()["total"] == 3

    # Log out on A: refused on both, the copied cookie too.
    home = browser.get(f"{a}/", timeout=30)
    out = browser.post(f"{a}/sso/logout", allow_redirects=False, timeout=30,
                       data={"csrf_token": csrf(home)})
    assert out.status_code == 302
    assert not signed_in(browser, a) and not signed_in(browser, b)
    copied = requests.Session()
    copied.cookies.set("hrm_session", cookie)
    assert not signed_in(copied, a) and not signed_in(copied, b)
