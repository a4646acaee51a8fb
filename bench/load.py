"""HTTP load on loopback: the real app against a bare Flask baseline, with wrk.

Run from the project root, after bench/generate.py has made the database:

    .venv/bin/python bench/load.py [--database-url postgresql:///hrm_bench] [--duration 15]
                                   [--connections 16] [--threads 2] [--rounds 3]

It starts, on 127.0.0.1 only, gunicorn with 2 sync workers (how the app is deployed) for

  (a) bench/hello.py — GET /hello (the 100 % baseline), GET /bare-page (20 cases with the
      plain ORM and a tiny template) and GET /bare-json (the same 20 cases as JSON);
  (b) the real app, `wsgi:app`, with DATABASE_URL = the bench database, PORTAL_DEV_MODE=1, a
      fixed SECRET_KEY and INSTANCE_PATH = a temporary folder (the dev portal's key is made
      there; the bearer token is minted with `flask --app wsgi dev-token` on that folder);

signs in through the dev portal's form as 陈晨, 和平区 受理岗 (hp-sl: division 120101, role
HRM_SL), opens the list page once (so the session already holds its CSRF token, as a
browser's cookie would), and runs wrk against each endpoint:

  hello              GET /hello
  bare page          GET /bare-page?workflow=licensing&division=120101&status=submitted
  bare JSON          GET /bare-json?workflow=licensing&division=120101&status=submitted
  list page          GET /licensing/accept?status=submitted&division=120101   (session cookie)
  API bearer         GET /api/v1/cases/licensing?status=submitted&division=120101&per_page=20
  API session        the same URL with the session cookie instead of the bearer token
  API approved       GET /api/v1/cases/licensing?status=approved&division=120101   (bearer;
                     ~33,000 matching rows: the count's cost)

Each endpoint is checked with one request first (must be 200, with the expected content) and
every response during the runs is counted by a wrk Lua script: any non-200 fails the run.
With --rounds N the endpoints run N times interleaved (A B C … A B C …) after a short
warm-up each, and the median round is reported, so slow drift (cache, CPU frequency) hits
every endpoint alike. Besides wrk's figures the table shows the CPU time the gunicorn
workers and the PostgreSQL server spent per request (from /proc), which on a 2-core machine
shared with wrk is the steadier measure of what a request costs, and the share of the CPU
that other processes took meanwhile. The bearer token's cost is judged on a direct, in-process
measurement (one verify_access_token against one API request), since the req/s of two wrk
runs differ by more than 5 % on this machine anyway. Last, the "anatomy": every SQL
statement one request of each app endpoint sends, and EXPLAIN (ANALYZE, BUFFERS) of the
API's count and list queries.

Both servers are stopped at the end, also on error or Ctrl-C. Every run is bounded in time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
SECRET_KEY = "bench-load-secret-" + "s3cr3t-k3y-" * 4
DEV_USER = "hp-sl"  # sso.devportal.DEMO_USERS: 陈晨, 和平区 受理岗
CITY_USER = "city-sl"  # 王敏, 市局 受理岗 (division 120000: every district)
TOKEN_CLAIMS = ["--sub", "dev:hp-sl", "--name", "陈晨", "--division", "120101",
                "--roles", "HRM_SL"]
CITY_CLAIMS = ["--sub", "dev:city-sl", "--name", "王敏", "--division", "120000",
               "--roles", "HRM_SL"]
FAB_PACKAGES = ["flask-appbuilder", "psycopg[binary]", "gunicorn"]
# The deep pages: the city's approved licensing cases, pages reached by 下一页 (a cursor).
DEEP_PAGES = (2000, 15000)
CITY_APPROVED = "/licensing/accept?status=approved"
CLK_TCK = os.sysconf("SC_CLK_TCK")

WRK_SCRIPT = r"""
-- Count every response that is not 200, across all threads.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  bad = 0
  first_bad = 0
end
function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    if first_bad == 0 then first_bad = status end
  end
end
function done(summary, latency, requests)
  local total, first = 0, 0
  for _, t in ipairs(threads) do
    total = total + t:get("bad")
    if first == 0 then first = t:get("first_bad") end
  end
  io.write(string.format("NON200 %d FIRST %d\n", total, first))
end
"""


@dataclass
class Endpoint:
    key: str
    label: str
    server: str  # "hello" or "app"
    path: str
    auth: str  # "", "bearer", "session", … (the keys of main's `auth`)
    expect: str  # a piece of text every good response contains
    runs: list[Run] = field(default_factory=list)


@dataclass
class Run:
    rps: float
    p50: float  # ms
    p99: float
    requests: int
    non200: int
    first_bad: int
    socket_errors: str
    app_cpu_ms: float  # gunicorn workers' CPU per request
    db_cpu_ms: float  # PostgreSQL's CPU per request
    other_share: float  # share of the machine's CPU used by processes not in the benchmark


ENDPOINTS = [
    Endpoint("hello", "hello (bare Flask)", "hello", "/hello", "", "hello"),
    Endpoint("bare", "bare page (ORM, 20 rows)", "hello",
             "/bare-page?workflow=licensing&division=120101&status=submitted", "", "<table>"),
    Endpoint("bare_json", "bare JSON (ORM, 20 rows)", "hello",
             "/bare-json?workflow=licensing&division=120101&status=submitted", "", '"items"'),
    Endpoint("page", "page 受理, district", "app",
             "/licensing/accept?status=submitted&division=120101", "session", "行政许可受理"),
    Endpoint("page_city", "page 受理, city", "app", "/licensing/accept?status=submitted",
             "session_city", "行政许可受理"),
    Endpoint("api", "API list, district", "app",
             "/api/v1/cases/licensing?status=submitted&division=120101&per_page=20", "bearer",
             '"items"'),
    Endpoint("api_session", "API list, district, cookie", "app",
             "/api/v1/cases/licensing?status=submitted&division=120101&per_page=20", "session",
             '"items"'),
    Endpoint("api_city", "API list, city", "app",
             "/api/v1/cases/licensing?status=submitted&per_page=20", "bearer_city", '"items"'),
    Endpoint("api_approved", "API approved, district", "app",
             "/api/v1/cases/licensing?status=approved&division=120101", "bearer", '"items"'),
    Endpoint("page_city_approved", "page approved, city, p. 1", "app", CITY_APPROVED,
             "session_city", "行政许可受理"),
    # The deep pages' paths get their cursor at start-up (deep_cursor).
    Endpoint("deep_2000", "page approved, city, p. 2000", "app", CITY_APPROVED,
             "session_city", "行政许可受理"),
    Endpoint("deep_15000", "page approved, city, p. 15000", "app", CITY_APPROVED,
             "session_city", "行政许可受理"),
    # 10k → 1M: the district's 受理 page with every status it offers (a full page on both).
    Endpoint("page_all", "page 受理 all statuses, district", "app",
             "/licensing/accept?division=120101", "session", "行政许可受理"),
    Endpoint("small_page", "… the same, small DB", "small",
             "/licensing/accept?division=120101", "session_small", "行政许可受理"),
    Endpoint("fab", "Flask-AppBuilder list (peer)", "fab",
             "/casesview/list/?_flt_3_workflow=licensing&_flt_3_division_code=120101"
             "&_flt_3_status=submitted", "", "XK"),
]


# --- processes ------------------------------------------------------------------------------

class Server:
    """gunicorn with 2 sync workers on loopback, in its own process group."""

    def __init__(self, name: str, app: str, port: int, env: dict[str, str], chdir: Path,
                 log: Path, workers: int, gunicorn: Path = BIN / "gunicorn") -> None:
        self.name, self.port, self.log, self.worker_count = name, port, log, workers
        # Every server runs with the same settings: these flags and an empty config file, not
        # the project's gunicorn.conf.py (read from the working directory otherwise), whose
        # max_requests restarts a worker every ~5,000 requests — its CPU would leave the
        # measurement and its start-up land in p99 — and whose access log is the operator's
        # choice, not the app's cost.
        config = log.with_suffix(".conf.py")
        config.write_text("")
        self.proc = subprocess.Popen(
            [str(gunicorn), "-c", str(config), "-w", str(workers), "-k", "sync",
             "-b", f"{HOST}:{port}",
             "--chdir", str(chdir), "--timeout", "60", "--graceful-timeout", "5",
             "--error-logfile", str(log), app],
            env=env, cwd=str(chdir), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True)

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_ready(self, path: str, timeout: float = 40) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} server exited ({self.proc.returncode}); "
                                 f"see {self.log}:\n{tail(self.log)}")
            with contextlib.suppress(requests.RequestException):
                answered = requests.get(self.base + path, timeout=5).status_code < 500
                if answered and len(self.workers()) >= self.worker_count:
                    return
            time.sleep(0.3)
        raise SystemExit(f"{self.name} server not ready after {timeout:.0f} s:\n{tail(self.log)}")

    def workers(self) -> list[int]:
        return children(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # gunicorn's graceful stop
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)  # our own group only
                self.proc.wait(timeout=5)


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                    found.append(int(entry))
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLK_TCK


def machine_busy_seconds() -> tuple[float, float]:
    """(non-idle, total) CPU seconds of the whole machine so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has been waited for
    return usage.ru_utime + usage.ru_stime


def busiest_processes(seconds: float = 2.0) -> tuple[float, list[tuple[float, str]]]:
    """The machine's busy share over a short interval and the processes that used most CPU."""
    def sample() -> dict[int, tuple[float, str]]:
        found = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    stat = Path(f"/proc/{entry}/stat").read_text()
                    fields = stat[stat.rindex(")") + 2:].split()
                    cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
                    found[int(entry)] = ((int(fields[11]) + int(fields[12])) / CLK_TCK,
                                         cmd.decode(errors="replace").strip()[:90])
        return found

    busy0, total0 = machine_busy_seconds()
    first = sample()
    time.sleep(seconds)
    busy1, total1 = machine_busy_seconds()
    second = sample()
    share = (busy1 - busy0) / max(total1 - total0, 1e-9)
    top = sorted(((cpu - first.get(pid, (cpu, ""))[0], cmd) for pid, (cpu, cmd) in
                  second.items() if pid != os.getpid()), reverse=True)[:3]
    return share, [(used / seconds, cmd) for used, cmd in top if used > 0.05 * seconds]


def wait_for_quiet(limit: float, threshold: float = 0.15) -> str:
    """Wait (at most `limit` s) until other work leaves the machine idle; say what was seen."""
    deadline = time.monotonic() + limit
    while True:
        share, top = busiest_processes()
        if share < threshold:
            return f"machine idle before the runs ({share:.0%} busy)"
        if time.monotonic() >= deadline:
            names = "; ".join(f"{cpu:.0%} {cmd}" for cpu, cmd in top)
            return (f"WARNING: the machine was {share:.0%} busy with other work when the runs "
                    f"started ({names}); figures are disturbed, see the 'other' column")
        time.sleep(3)


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on this machine (the backends serving the app)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{entry}/comm").read_text().strip().startswith("postgres"):
                    pids.append(int(entry))
    return pids


def tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


# --- wrk ------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def run_wrk(url: str, headers: list[str], args: argparse.Namespace, script: Path,
            duration: int, measure: list[int], masters: list[int]) -> tuple[Run, str]:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s",
               "--latency", "--timeout", "10s", "-s", str(script)]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    pg = postgres_pids()
    app_before, db_before = cpu_seconds(measure + masters), cpu_seconds(pg)
    own_before, (busy_before, total_before) = children_cpu_seconds(), machine_busy_seconds()
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60,
                          check=False)
    busy_after, total_after = machine_busy_seconds()
    pg = sorted(set(pg) | set(postgres_pids()))
    app_cpu = cpu_seconds(measure + masters) - app_before
    db_cpu = cpu_seconds(pg) - db_before
    wrk_cpu = children_cpu_seconds() - own_before
    other = (busy_after - busy_before) - app_cpu - db_cpu - wrk_cpu
    other_share = max(other, 0.0) / max(total_after - total_before, 1e-9)
    out = done.stdout
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr or out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    count = int(re.search(r"(\d+) requests in", out).group(1))
    p50 = ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"NON200 (\d+) FIRST (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    non200 = int(bad.group(1)) if bad else int(non2xx.group(1)) if non2xx else 0
    per = 1000.0 / max(count, 1)
    return Run(rps, p50, p99, count, non200, int(bad.group(2)) if bad else 0,
               errors.group(1) if errors else "", app_cpu * per, db_cpu * per, other_share), out


# --- set-up ---------------------------------------------------------------------------------

def mint_token(env: dict[str, str], claims: list[str] = TOKEN_CLAIMS) -> str:
    done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "dev-token", *claims],
                          env=env, cwd=str(ROOT), capture_output=True, text=True, timeout=120,
                          check=False)
    token = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    if done.returncode != 0 or token.count(".") != 2:
        raise SystemExit(f"flask dev-token failed: {done.stderr or done.stdout}")
    return token


def sign_in(base: str, page: str, user: str = DEV_USER) -> str:
    """The dev portal's form, as a browser posts it; returns the hrm_session cookie value."""
    browser = requests.Session()
    form = browser.get(base + "/dev-portal/", timeout=30)
    form.raise_for_status()
    match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if not match:
        raise SystemExit("the dev portal page carries no CSRF token")
    answer = browser.post(base + "/dev-portal/login", data={
        "csrf_token": match.group(1), "user": user, "next": ""}, allow_redirects=False,
        timeout=30)
    if answer.status_code not in (302, 303):
        raise SystemExit(f"dev portal login answered {answer.status_code}")
    # One page view stores the page's CSRF token in the session; later requests reuse it.
    first = browser.get(base + page, timeout=60)
    if first.status_code != 200:
        raise SystemExit(f"{page} answered {first.status_code} after login")
    cookie = browser.cookies.get("hrm_session")
    if not cookie:
        raise SystemExit("no hrm_session cookie after login")
    return cookie


def preflight(base: str, endpoint: Endpoint, headers: dict[str, str]) -> str:
    response = requests.get(base + endpoint.path, headers=headers, timeout=120,
                            allow_redirects=False)
    if response.status_code != 200 or endpoint.expect not in response.text:
        raise SystemExit(f"{endpoint.label}: {endpoint.path} answered {response.status_code} "
                         f"(expected 200 with {endpoint.expect!r}): {response.text[:300]}")
    note = f"{len(response.content):,} bytes"
    if response.headers.get("Content-Type", "").startswith("application/json"):
        data = response.json()
        total = f"total {data['total']:,}, " if "total" in data else ""
        note += f", {total}{len(data['items'])} items"
    else:
        found = re.search(r"(共 \d+ 条|约 [\d,]+ 条)", response.text)
        note += f", {found.group(1)}" if found else ""
    return note


def database_check(url: str) -> int:
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(libpq, connect_timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    except psycopg.Error as exc:
        raise SystemExit(f"bench database unusable ({exc}); run bench/generate.py first") from None


def code_version() -> str:
    """The commit measured, and whether the work tree differs from it."""
    def git(*argv: str) -> str:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            return subprocess.run(["git", "-C", str(ROOT), *argv], capture_output=True,
                                  text=True, timeout=10, check=False).stdout.strip()
        return ""

    changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no")
               .splitlines() if line.strip()]
    return (git("rev-parse", "--short", "HEAD") or "unknown") + (
        f" + uncommitted changes in {', '.join(changed)}" if changed else "")


def free_port(start: int) -> int:
    import socket

    for port in range(start, start + 200):
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) != 0:
                return port
    raise SystemExit("no free port")


@contextlib.contextmanager
def serving(name: str, app: str, env: dict[str, str], chdir: Path, tmp: Path, port: int,
            workers: int, ready: str, gunicorn: Path = BIN / "gunicorn") -> Iterator[Server]:
    server = Server(name, app, port, env, chdir, tmp / f"{name}-gunicorn.log", workers, gunicorn)
    try:
        server.wait_ready(ready)
        yield server
    finally:
        server.stop()


# --- report ---------------------------------------------------------------------------------

def spread_of(runs: list[Run]) -> float:
    """(max - min) / median of an endpoint's req/s over the rounds."""
    rates = sorted(r.rps for r in runs)
    return (rates[-1] - rates[0]) / rates[len(rates) // 2]


def median_run(runs: list[Run]) -> Run:
    ordered = sorted(runs, key=lambda r: r.rps)
    return ordered[len(ordered) // 2]


def cost(run: Run) -> float:
    """CPU per request of the server and the database together (ms)."""
    return run.app_cpu_ms + run.db_cpu_ms


def targets(args: argparse.Namespace, endpoints: dict[str, Endpoint]) -> None:
    """The issue's targets, each from the median round of this run (ratios of CPU per request,
    server + database: on 2 cores shared with wrk that is the steadier measure)."""
    def run(key: str) -> Run | None:
        return median_run(endpoints[key].runs) if key in endpoints else None

    rows: list[tuple[str, str, bool | None]] = []

    def ratio(label: str, numerator: str, denominator: str, target: float, *,
              at_least: bool) -> None:
        top, bottom = run(numerator), run(denominator)
        if top is None or bottom is None:
            rows.append((label, "not run", None))
            return
        value = cost(top) / cost(bottom)
        rows.append((label, f"{value:.2f}  ({cost(top):.2f} / {cost(bottom):.2f} ms CPU)",
                     value >= target if at_least else value <= target))

    # "page ÷ bare page" as the issue states it: the bare page's cost over the page's.
    ratio("受理 page, district: bare page ÷ page ≥ 0.6", "bare", "page", 0.6, at_least=True)
    ratio("受理 page, city: bare page ÷ page ≥ 0.6", "bare", "page_city", 0.6, at_least=True)
    ratio("case-list API, district: bare JSON ÷ API ≥ 0.75", "bare_json", "api", 0.75,
          at_least=True)
    ratio("case-list API, city: bare JSON ÷ API ≥ 0.75", "bare_json", "api_city", 0.75,
          at_least=True)
    ratio("Flask-AppBuilder ÷ our page ≥ 6", "fab", "page", 6, at_least=True)
    page = run("page")
    if page:
        rows.append((f"受理 page p99 at {args.connections} connections ≤ 50 ms",
                     f"{page.p99:.1f} ms", page.p99 <= 50))
    ratio("page 2000 ÷ page 1 (city, approved) ≤ 1.5", "deep_2000", "page_city_approved", 1.5,
          at_least=False)
    ratio("page 15000 ÷ page 1 (city, approved) ≤ 1.5", "deep_15000", "page_city_approved", 1.5,
          at_least=False)
    first = run("page_city_approved")
    if first:
        rows.append(("city's first page of approved cases, database CPU ≤ 5 ms",
                     f"{first.db_cpu_ms:.2f} ms per request (the statements' own time: see "
                     "the anatomy)", first.db_cpu_ms <= 5))
    ratio("small DB → big DB, district page cost ≤ 1.3 ×", "page_all", "small_page", 1.3,
          at_least=False)
    print()
    print("targets (issue 16), from the median round")
    for label, value, ok in rows:
        mark = "    " if ok is None else "MET " if ok else "MISS"
        print(f"  {mark}  {label:<58} {value}")


def bearer_note(direct: BearerCost) -> None:
    print(f"  bearer verification: {direct.share:.1%} of an API request's CPU "
          f"(verify_access_token {direct.verify_ms * 1000:.0f} µs of {direct.request_ms:.2f} ms, "
          "in-process)")


def fab_venv(venv: Path) -> Path | None:
    """The peer's throwaway virtualenv (made with pip if missing); its python, or None."""
    python = venv / "bin" / "python"
    if venv.resolve() == BIN.parent.resolve():
        raise SystemExit("--fab-venv must not be the project's own virtualenv")
    if not (venv / "bin" / "gunicorn").exists():
        print(f"making the Flask-AppBuilder peer's virtualenv {venv} …", flush=True)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
            subprocess.run([str(python), "-m", "pip", "install", "-q", *FAB_PACKAGES],
                           check=True, timeout=900)
        except (subprocess.SubprocessError, OSError) as exc:
            print(f"WARNING: no Flask-AppBuilder peer ({exc})")
            return None
    return python


def deep_query(url: str, page: int) -> str:
    """The query of page `page` of the city's approved licensing cases as 下一页 reaches it:
    the cursor of the last row of the page before (core.paging.encode)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from portal_plugin.core.paging import encode

    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, connect_timeout=5) as conn:
        row = conn.execute(
            "SELECT submitted_at, id FROM cases WHERE workflow = 'licensing' AND status = "
            "'approved' ORDER BY submitted_at DESC NULLS FIRST, id DESC OFFSET %s LIMIT 1",
            ((page - 1) * 20 - 1,)).fetchone()
    if row is None:
        raise SystemExit(f"the bench database has fewer than {page} pages of approved cases")
    return f"&page={page}&after={encode(row)}"


def inprocess_app(url: str, instance: Path) -> Any:
    """The real app in this process, on the same database and instance folder (dev key)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from portal_plugin import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance),
                       "SECRET_KEY": SECRET_KEY, "PORTAL_DEV_MODE": True})


@dataclass
class BearerCost:
    verify_ms: float  # one TokenVerifier.verify_access_token, CPU
    request_ms: float  # one API list request with the bearer token, in-process CPU

    @property
    def share(self) -> float:
        return self.verify_ms / self.request_ms


def bearer_cost(app: Any, token: str, path: str) -> BearerCost:
    """The token check measured directly: its CPU against a whole API request's (in-process).

    Throughput differences between two wrk runs cannot resolve 5 % on a machine whose
    req/s varies more than that between rounds; this can.
    """
    verifier = app.extensions["hrm_sso"].verifier
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    with app.app_context():
        verifier.verify_access_token(token)
        rounds = []
        for _ in range(5):
            start = time.process_time()
            for _ in range(2000):
                verifier.verify_access_token(token)
            rounds.append((time.process_time() - start) / 2000 * 1000)
        verify = sorted(rounds)[2]
    for _ in range(20):
        client.get(path, headers=headers)
    rounds = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(100):
            client.get(path, headers=headers)
        rounds.append((time.process_time() - start) / 100 * 1000)
    return BearerCost(verify, sorted(rounds)[2])


def anatomy(app: Any, auth: dict[str, dict[str, str]], endpoints: dict[str, Endpoint]) -> None:
    """What one request of each app endpoint sends to the database (in-process, test client).

    Every statement is caught with a SQLAlchemy event; the count and list queries of the
    list endpoints are then run again under EXPLAIN (ANALYZE, BUFFERS) with their parameters.
    """
    from sqlalchemy import event

    from portal_plugin.core.extensions import db

    seen: list[tuple[str, Any, float]] = []

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
               many: bool) -> None:
        context._bench_start = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
              many: bool) -> None:
        seen.append((statement, params, time.perf_counter() - context._bench_start))

    explained: dict[str, tuple[str, Any]] = {}
    print()
    print("database statements per request (one request each, in-process; the checkout ping "
          "of a connection idle DB_PING_IDLE_SECONDS or more and the pool's rollback on return "
          "come on top)")
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    # No app context is held across requests: each request gets its own, as under gunicorn.
    client = app.test_client()
    for endpoint in endpoints.values():
        if endpoint.server != "app":
            continue
        headers = dict(auth[endpoint.auth])
        cookie = headers.pop("Cookie", "")
        if cookie:  # the test client sends its own cookie jar, not a Cookie header
            client.set_cookie("hrm_session", cookie.split("=", 1)[1])
        else:
            client.delete_cookie("hrm_session")
        client.get(endpoint.path, headers=headers)
        seen.clear()
        started = time.perf_counter()
        answer = client.get(endpoint.path, headers=headers)
        wall = (time.perf_counter() - started) * 1000
        shapes: dict[str, list[float]] = {}
        for statement, params, seconds in seen:
            shape = " ".join(statement.split())
            shape = re.sub(r"SELECT cases\.id( AS id)?, .*? FROM cases",
                           "SELECT cases.* FROM cases", shape)
            shapes.setdefault(shape[:150], []).append(seconds * 1000)
            if "count(*)" in statement and "FROM cases" in statement:
                explained.setdefault(f"{endpoint.key} count", (statement, params))
            elif statement.lstrip().startswith("SELECT cases.id"):
                explained.setdefault(f"{endpoint.key} rows", (statement, params))
        print(f"  {endpoint.label:<30} {answer.status_code}, {len(seen)} statements, "
              f"{sum(x for *_, x in seen) * 1000:.1f} ms in the database calls of "
              f"{wall:.1f} ms")
        for shape, times in shapes.items():
            print(f"    {len(times):>3}× {sum(times):6.2f} ms  {shape}")
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    with app.app_context():
        print()
        for key in ("api count", "api rows", "api_approved count", "api_approved rows",
                    "page_city_approved count", "page_city_approved rows",
                    "deep_15000 count", "deep_15000 rows"):
            if key not in explained:
                continue
            statement, params = explained[key]
            plan = db.session.connection().exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, params).scalars().all()
            db.session.rollback()
            print(f"EXPLAIN (ANALYZE, BUFFERS) — {key} query of {endpoints[key.split()[0]].path}")
            skip = False
            for row in plan:
                if row.strip() == "Planning:":  # the planner's catalogue reads: not the query's
                    skip = True
                    continue
                if not (skip and row.strip().startswith("Buffers:")):
                    print("    " + row)
                skip = False
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql:///hrm_bench")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--only", default="", help="comma-separated endpoint keys to run")
    parser.add_argument("--port", type=int, default=18300, help="first port to try")
    parser.add_argument("--verbose", action="store_true", help="print wrk's own output")
    parser.add_argument("--no-anatomy", dest="anatomy", action="store_false",
                        help="skip the statements-per-request and EXPLAIN section")
    parser.add_argument("--quiet-wait", type=float, default=120,
                        help="seconds to wait for other work to leave the machine idle first")
    parser.add_argument("--small-database-url", default="",
                        help="a small bench database (e.g. 10,000 cases) served beside the big "
                             "one: the 'small DB' row, for the flatness of the page's cost")
    parser.add_argument("--fab-venv", default="/tmp/hrm-fab-venv",
                        help="throwaway virtualenv for the Flask-AppBuilder peer (made if "
                             "missing; never the project's own)")
    parser.add_argument("--no-fab", dest="fab", action="store_false",
                        help="skip the Flask-AppBuilder peer")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    if not 1 <= args.duration <= 300 or not 1 <= args.rounds <= 10:
        parser.error("--duration 1..300 and --rounds 1..10")

    url = args.database_url
    cases = database_check(url)
    endpoints = {e.key: e for e in ENDPOINTS}
    if not args.small_database_url:
        endpoints.pop("small_page")
        endpoints.pop("page_all")
    else:
        print(f"small database {make_url(args.small_database_url).database}: "
              f"{database_check(args.small_database_url):,} cases")
    fab_python = fab_venv(Path(args.fab_venv)) if args.fab else None
    if fab_python is None:
        endpoints.pop("fab")
    if args.only:
        wanted = set(args.only.split(",")) | {"hello"}
        endpoints = {k: e for k, e in endpoints.items() if k in wanted}
    for key, page in zip(("deep_2000", "deep_15000"), DEEP_PAGES, strict=True):
        if key in endpoints:
            endpoints[key].path = CITY_APPROVED + deep_query(url, page)
    print(f"database {make_url(url).database}: {cases:,} cases; {os.cpu_count()} CPUs; "
          f"{args.rounds} round(s) × {len(endpoints)} endpoints × {args.duration} s")
    measured_code = code_version()
    print(f"code: {measured_code}")
    print(wait_for_quiet(args.quiet_wait), flush=True)

    with tempfile.TemporaryDirectory(prefix="hrm-bench-load-") as tmp_name:
        tmp = Path(tmp_name)
        script = tmp / "count_status.lua"
        script.write_text(WRK_SCRIPT)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "SSO_"))}
        env.update(DATABASE_URL=url, PORTAL_DEV_MODE="1", SECRET_KEY=SECRET_KEY,
                   INSTANCE_PATH=str(tmp / "instance"), APP_ENV="development",
                   PYTHONDONTWRITEBYTECODE="1")
        # The metrics as deployed: one file per worker (gunicorn.conf.py sets this folder).
        (tmp / "metrics").mkdir()
        env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp / "metrics")
        token = mint_token(env)  # makes the dev portal key in INSTANCE_PATH first
        city_token = mint_token(env, CITY_CLAIMS)
        hello_port = free_port(args.port)
        app_port = free_port(hello_port + 1)
        with contextlib.ExitStack() as stack:
            servers = {
                "hello": stack.enter_context(serving(
                    "hello", "hello:app", env, ROOT / "bench", tmp, hello_port, args.workers,
                    "/hello")),
                "app": stack.enter_context(serving(
                    "app", "wsgi:app", env, ROOT, tmp, app_port, args.workers, "/healthz")),
            }
            if "small_page" in endpoints:
                servers["small"] = stack.enter_context(serving(
                    "small", "wsgi:app", {**env, "DATABASE_URL": args.small_database_url},
                    ROOT, tmp, free_port(app_port + 1), args.workers, "/healthz"))
            if "fab" in endpoints:
                assert fab_python is not None
                fab_env = {**env, "FAB_UPDATE_PERMS": "1"}
                subprocess.run([str(fab_python), "-c", "import fab_peer"], env=fab_env,
                               cwd=str(ROOT / "bench"), check=True, timeout=120,
                               capture_output=True)  # its security tables and permissions
                servers["fab"] = stack.enter_context(serving(
                    "fab", "fab_peer:app", env, ROOT / "bench", tmp, free_port(app_port + 2),
                    args.workers, "/health", gunicorn=fab_python.parent / "gunicorn"))
            app_server = servers["app"]
            cookie = sign_in(app_server.base, endpoints["page"].path) if "page" in endpoints \
                or "api_session" in endpoints else ""
            city_cookie = sign_in(app_server.base, CITY_APPROVED, CITY_USER)
            auth = {"": {}, "bearer": {"Authorization": f"Bearer {token}"},
                    "session": {"Cookie": f"hrm_session={cookie}"},
                    "bearer_city": {"Authorization": f"Bearer {city_token}"},
                    "session_city": {"Cookie": f"hrm_session={city_cookie}"}}
            if "small" in servers:  # its sessions live in its own database: its own sign-in
                small_cookie = sign_in(servers["small"].base, endpoints["small_page"].path)
                auth["session_small"] = {"Cookie": f"hrm_session={small_cookie}"}
            print("servers: " + ", ".join(f"{name} {server.base}" for name, server in
                                          servers.items())
                  + f"; bearer token {len(token)} bytes, session cookie {len(cookie)} bytes")
            for endpoint in endpoints.values():
                note = preflight(servers[endpoint.server].base, endpoint, auth[endpoint.auth])
                print(f"  checked {endpoint.label:<30} 200, {note}")
            for round_no in range(1, args.rounds + 1):
                for endpoint in endpoints.values():
                    server = servers[endpoint.server]
                    headers = [f"{k}: {v}" for k, v in auth[endpoint.auth].items()]
                    target = server.base + endpoint.path
                    masters = [s.proc.pid for s in servers.values()]
                    if round_no == 1 and args.warmup:
                        run_wrk(target, headers, args, script, args.warmup, server.workers(),
                                masters)
                    run, out = run_wrk(target, headers, args, script, args.duration,
                                       server.workers(), masters)
                    endpoint.runs.append(run)
                    errors = f"  socket errors: {run.socket_errors}" if run.socket_errors else ""
                    print(f"  round {round_no} {endpoint.label:<30} {run.rps:>8,.0f} req/s  "
                          f"p50 {run.p50:6.2f} ms  p99 {run.p99:7.2f} ms  app CPU "
                          f"{run.app_cpu_ms:5.2f} ms  other {run.other_share:4.0%}  non-200 "
                          f"{run.non200}{errors}", flush=True)
                    if args.verbose:
                        print(out)
                    if run.non200:
                        raise SystemExit(f"{endpoint.label}: {run.non200} non-200 responses "
                                         f"(first: {run.first_bad}); app log:\n"
                                         f"{tail(tmp / f'{endpoint.server}-gunicorn.log')}")
            app = inprocess_app(url, tmp / "instance")
            ok = partial_report(endpoints)
            targets(args, endpoints)
            if "api" in endpoints and "api_session" in endpoints:
                bearer_note(bearer_cost(app, token, endpoints["api"].path))
            if args.anatomy:
                anatomy(app, auth, endpoints)
    if code_version() != measured_code:
        print(f"\nWARNING: the code changed during the run ({measured_code} → {code_version()}): "
              "the servers ran the old code, the in-process sections may have run the new one; "
              "run again")
        ok = False
    sys.exit(0 if ok else 1)


def partial_report(endpoints: dict[str, Endpoint]) -> bool:
    hello = median_run(endpoints["hello"].runs)
    for endpoint in endpoints.values():
        run = median_run(endpoint.runs)
        print(f"{endpoint.label:<30} {run.rps:>8,.0f} req/s  p50 {run.p50:.2f}  p99 "
              f"{run.p99:.2f} ms  {run.rps / hello.rps:.1%} of hello  app CPU "
              f"{run.app_cpu_ms:.2f} ms  db CPU {run.db_cpu_ms:.2f} ms")
    return all(r.non200 == 0 for e in endpoints.values() for r in e.runs)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except subprocess.TimeoutExpired as exc:
        raise SystemExit(f"timed out: {exc}") from None
