"""Where a list request's CPU goes: one of load.py's endpoints under cProfile, in-process.

    .venv/bin/python bench/profile_list.py [--database-url postgresql:///hrm_bench]
        [--endpoint page] [--requests 300] [--sort cumulative|tottime] [--top 30] [--dump FILE]
        [--plain | --instructions]

The real app (`create_app`, as load.py's in-process sections make it) signs in through the dev
portal's form with Flask's test client as the endpoint's officer (陈晨, 和平区, or 王敏, 市局),
warms up with 30 requests, then runs `--requests` requests of the endpoint under cProfile and
prints the CPU and database time per request and the costliest functions. Sessions stand in
for bearer tokens (the token check's own cost is load.py's "bearer" note). Profiling slows
Python code about twice, not the database: compare profiles with each other, not with wrk.

`--instructions` counts instead of timing: the script runs itself under valgrind's callgrind,
which counts the instructions this process executes while the measured requests run
(instrumentation switched on and off around them with callgrind_control), not the database's.
The count is the same to within 0.3 % run after run, whatever else the machine does, so a
change's effect shows on a machine whose CPU time wanders by ±15 %. About 45 s for 50 requests.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from load import CITY_USER, DEEP_PAGES, DEV_USER, ENDPOINTS, database_check, deep_query, inprocess_app


def signed_in(app: Any, user: str) -> Any:
    client = app.test_client()
    form = client.get("/dev-portal/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.get_data(as_text=True))
    if not token:
        raise SystemExit("the dev portal page carries no CSRF token")
    answer = client.post("/dev-portal/login", data={"csrf_token": token.group(1), "user": user,
                                                    "next": ""})
    if answer.status_code not in (302, 303):
        raise SystemExit(f"dev portal login answered {answer.status_code}")
    return client


def main() -> None:
    endpoints = {e.key: e for e in ENDPOINTS if e.server == "app"}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql:///hrm_bench")
    parser.add_argument("--endpoint", default="page", choices=sorted(endpoints))
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"))
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--dump", default="", help="also write the raw profile to this file")
    parser.add_argument("--plain", action="store_true",
                        help="no profiler: the CPU, wall and database time per request only")
    parser.add_argument("--instructions", action="store_true",
                        help="the instructions per request, counted under valgrind's callgrind")
    args = parser.parse_args()
    if not 1 <= args.requests <= 10_000:
        parser.error("--requests 1..10000")
    if args.instructions and not os.environ.get(UNDER_CALLGRIND):
        raise SystemExit(count_instructions(args.requests))

    database_check(args.database_url)
    endpoint = endpoints[args.endpoint]
    path = endpoint.path
    for key, page in zip(("deep_2000", "deep_15000"), DEEP_PAGES, strict=True):
        if endpoint.key == key:
            path += deep_query(args.database_url, page)
    with tempfile.TemporaryDirectory(prefix="hrm-bench-profile-") as tmp:
        app = inprocess_app(args.database_url, Path(tmp) / "instance")
        from sqlalchemy import event

        from portal_plugin.core.extensions import db

        with app.app_context():
            engine = db.engine
        in_db = [0.0]

        def before(conn: Any, cursor: Any, *_: Any) -> None:
            conn.info["bench_start"] = time.perf_counter()

        def after(conn: Any, cursor: Any, *_: Any) -> None:
            in_db[0] += time.perf_counter() - conn.info.pop("bench_start")

        client = signed_in(app, CITY_USER if "city" in endpoint.auth else DEV_USER)
        for _ in range(30):
            answer = client.get(path)
            if answer.status_code != 200 or endpoint.expect not in answer.get_data(as_text=True):
                raise SystemExit(f"{path} answered {answer.status_code}")
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        if os.environ.get(UNDER_CALLGRIND):
            callgrind("on")
            for _ in range(args.requests):
                client.get(path)
            callgrind("off")
            print(f"{endpoint.label}: {path}")
            return
        profiler = cProfile.Profile()
        cpu, wall = time.process_time(), time.perf_counter()
        if not args.plain:
            profiler.enable()
        for _ in range(args.requests):
            client.get(path)
        profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        n = args.requests
        print(f"{endpoint.label}: {path}")
        how = "" if args.plain else " under cProfile"
        print(f"{n} requests{how}: {cpu / n * 1000:.2f} ms CPU, {wall / n * 1000:.2f} ms wall, "
              f"{in_db[0] / n * 1000:.2f} ms in database calls per request")
        if args.plain:
            return
        if args.dump:
            profiler.dump_stats(args.dump)
        stats = pstats.Stats(profiler)
        print(f"{stats.total_calls / n:,.0f} function calls per request")
        stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)


UNDER_CALLGRIND = "HRM_BENCH_UNDER_CALLGRIND"


def callgrind(state: str) -> None:
    """Switch callgrind's counting on or off for this process."""
    subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], check=True,
                   capture_output=True)


def count_instructions(requests: int) -> int:
    """Run this script again under callgrind (counting only the measured requests) and print
    the instructions per request; the exit status."""
    if shutil.which("valgrind") is None:
        print("--instructions needs valgrind (apt-get install valgrind)")
        return 2
    with tempfile.TemporaryDirectory(prefix="hrm-bench-callgrind-") as tmp:
        out = Path(tmp) / "callgrind.out"
        argv = [a for a in sys.argv[1:] if a != "--instructions"]
        run = subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no",
             f"--callgrind-out-file={out}", sys.executable, sys.argv[0], *argv],
            env={**os.environ, UNDER_CALLGRIND: "1"}, capture_output=True, text=True)
        if run.returncode != 0 or not out.exists():
            print(run.stdout, run.stderr[-2000:], sep="\n")
            return run.returncode or 1
        totals = re.search(r"^totals: (\d+)", out.read_text(), re.MULTILINE)
        if totals is None:
            print("callgrind wrote no totals")
            return 1
        print(run.stdout.strip().splitlines()[-1])
        print(f"{requests} requests under callgrind: {int(totals.group(1)) / requests / 1e6:.2f} "
              "million instructions per request in this process (the database's not counted)")
    return 0


if __name__ == "__main__":
    main()
