"""导出公示信息 of 10,000 passed annual reports against bare openpyxl write_only, and its memory.

Run from the project root:

    .venv/bin/python bench/annual_report_export.py       # --rows 10000 --big-rows 40000

It creates a throwaway PostgreSQL database (dropped at the end), migrates and seeds it, and
loads `--rows` passed reports of one year and `--big-rows` of the year before (one agency
each, spread over the 16 districts). Timed, median of `--repeat` rounds in the same process:
bare openpyxl write_only saving the same rows (already in memory) to a temporary file, and
`portal_plugin.annual_reports.export` for a city officer (query with yield_per, sanitiser,
text cells, the workbook streamed back in chunks). Target: ≤ 1.25 × bare. Memory: the peak
(VmHWM) of a fresh process exporting each year; flat means the bigger year costs the same.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import openpyxl
import throwaway  # bench/, the script's own folder
from sqlalchemy import insert, select

from portal_plugin.annual_reports import service as annual_reports
from portal_plugin.annual_reports.models import AnnualReport
from portal_plugin.core.check_digits import credit_code_check_char
from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency, Division

TARGET = 1.25
YEAR = dt.date.today().year - 1


def load(rows: int, year: int, offset: int) -> None:
    """`rows` agencies with a passed report of `year` each (names with formula-like ones)."""
    districts = db.session.scalars(select(Division.code).where(
        Division.parent_code == "120000", Division.active).order_by(Division.code)).all()
    agencies, reports = [], []
    now = dt.datetime.now(dt.UTC)
    for n in range(offset, offset + rows):
        first17 = f"91120000MA{n:07d}"
        code = first17 + credit_code_check_char(first17)
        division = districts[n % len(districts)]
        name = ("=HYPERLINK(\"x\")" if n % 500 == 0 else f"天津第{n}号人力资源服务有限公司")
        agencies.append({"id": n + 1, "name": name, "credit_code": code, "agency_type": "T02",
                         "division_code": division, "address": f"天津市{n % 90 + 1}号路{n}号",
                         "legal_rep": "张伟", "legal_rep_id_no": "11010519491231002X"})
        reports.append({
            "agency_id": n + 1, "year": year, "name": name, "credit_code": code,
            "division_code": division, "legal_rep": "张伟", "address": f"天津市{n % 90 + 1}号路{n}号",
            "license_numbers": f"津人服证字〔2024〕{n:05d}号", "filing_numbers": f"津人服备〔2024〕{n:05d}号",
            "staff_count": 20, "revenue": 1000, "served_workers": 1, "served_employers": 1,
            "placements": 1, "job_fairs_held": 0, "online_postings": 0, "trainings": 0,
            "filled_by": "李娜", "filled_on": dt.date(year + 1, 3, 1), "status": "passed",
            "version": 3, "created_by": "bench", "created_at": now, "updated_at": now,
            "submitted_at": now, "reviewed_at": now})
    db.session.execute(insert(Agency), agencies)
    db.session.execute(insert(AnnualReport), reports)
    db.session.commit()


def bare(rows: list[tuple[Any, ...]]) -> None:
    """The same rows with bare openpyxl write_only, saved to a temporary file."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("年度报告公示信息")
    ws.append(annual_reports.EXPORT_HEADERS)
    for row in rows:
        ws.append(row)
    with tempfile.TemporaryFile() as out:
        wb.save(out)


def ours(app: Any, year: int) -> int:
    chunks, _ = annual_reports.export(throwaway.city_manager(app), year)
    return sum(len(chunk) for chunk in chunks)


def timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def status_mb(field: str) -> float:
    """A memory figure of /proc/self/status (VmRSS: resident now, VmHWM: its peak), in MB."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024


def child(args: argparse.Namespace) -> None:
    """Export one year in a fresh process; prints its memory before and after, in MB.

    ru_maxrss survives exec on Linux (a child starts with its parent's peak), so the peak of
    this process alone is VmHWM; both are printed.
    """
    app = throwaway.make_app(args.database_url, args.instance)
    with app.test_request_context():
        db.session.execute(select(1))
        before = status_mb("VmHWM")
        size = ours(app, args.year)
    print(json.dumps({"before": before, "peak": status_mb("VmHWM"), "bytes": size,
                      "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def peak(year: int, database_url: str, instance: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--child", "--year", str(year),
                           "--database-url", database_url, "--instance", instance],
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="passed reports timed")
    parser.add_argument("--big-rows", type=int, default=40_000,
                        help="passed reports of the year whose memory is compared")
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds (median reported)")
    parser.add_argument("--server", default="postgresql:///postgres",
                        help="a PostgreSQL maintenance database URL to create the throwaway one")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--year", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    with throwaway.database(args.server, "hrm_bench_annual") as (name, database_url), \
            tempfile.TemporaryDirectory(prefix="hrm-bench-annual-") as tmp:
        app = throwaway.make_app(database_url, tmp)
        throwaway.migrate_and_seed(app)
        with app.test_request_context():
            load(args.rows, YEAR, 0)
            load(args.big_rows, YEAR - 1, args.rows)
            db.session.execute(db.text("ANALYZE"))
            print(f"PostgreSQL database {name} (dropped at the end); openpyxl "
                  f"{openpyxl.__version__}; {args.rows:,} passed reports of {YEAR}, "
                  f"{args.big_rows:,} of {YEAR - 1}")
            rows = list(annual_reports.passed_rows(throwaway.city_manager(app), YEAR))
            assert len(rows) == args.rows
            runs: dict[str, list[float]] = {"bare": [], "ours": []}
            for _ in range(args.repeat):
                runs["bare"].append(timed(lambda: bare(rows)))
                runs["ours"].append(timed(lambda: ours(app, YEAR)))
            median = {k: sorted(v)[len(v) // 2] for k, v in runs.items()}
            ratio = median["ours"] / median["bare"]
            print(f"\nmedian of {args.repeat} rounds, {args.rows:,} rows × "
                  f"{len(annual_reports.EXPORT_HEADERS)} columns")
            print(f"  bare openpyxl write_only  {median['bare']:6.2f} s  "
                  f"{args.rows / median['bare']:8,.0f} rows/s")
            print(f"  导出公示信息 (export)      {median['ours']:6.2f} s  "
                  f"{args.rows / median['ours']:8,.0f} rows/s  {ratio:4.2f} × bare  "
                  f"target ≤ {TARGET} ×  {'MET' if ratio <= TARGET else 'MISS'}")
        with app.app_context():
            db.engine.dispose()
        print("\npeak memory of a fresh process exporting one year")
        for year, count in ((YEAR, args.rows), (YEAR - 1, args.big_rows)):
            found = peak(year, database_url, tmp)
            print(f"  {count:7,} rows  peak {found['peak']:6.0f} MB  (VmHWM; before the "
                  f"export {found['before']:4.0f} MB; ru_maxrss {found['maxrss']:4.0f} MB "
                  f"incl. the parent's; file {found['bytes'] / 2**20:.1f} MB)")


if __name__ == "__main__":
    main()
