"""历史数据采集 against bare openpyxl: validation + preview and commit times, and peak memory.

Run from the project root (it creates a throwaway PostgreSQL database and drops it after):

    .venv/bin/python bench/history_import.py            # 10,000 and 100,000 rows
    .venv/bin/python bench/history_import.py --rows 2000 --big-rows 0 --repeat 1   # a quick look

For each size it writes a template-shaped workbook (the data sheet's headers and the template
version, realistic agencies from generate.AgencyFactory, dates as Excel dates) and, in the same
run, times:

* bare read: `openpyxl.load_workbook(read_only=True, data_only=True)` iterating every row
  (`values_only`) — the floor any reader pays;
* validation + preview: `history.service.upload` (file checks, every row checked, the registry
  checks in chunked IN queries, the batch stored with its preview);
* commit: `history.service.commit` (the file read and checked again, then inserted in one
  transaction).

Peak memory for the big file is each stage's `ru_maxrss` in a fresh child process (the whole
process: interpreter, Flask, SQLAlchemy included), with the same child's size just before
the stage for reference; the commit child uploads first, so its peak covers both. The
issue's targets: validation + preview ≤ 1.5 × bare read and commit ≤ 2 × for 10,000 rows;
under 200 MB for 100,000 rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import throwaway  # bench/, the script's own folder
from openpyxl.workbook.defined_name import DefinedName
from sqlalchemy import text

from portal_plugin.core.config import DEFAULTS
from portal_plugin.core.extensions import db
from portal_plugin.history import service
from portal_plugin.history.spec import COLUMNS, DATA_SHEET, TEMPLATE_VERSION, VERSION_NAME

CATALOG = json.loads(Path(DEFAULTS["CATALOG_FILE"]).read_text(encoding="utf-8"))
LABELS = {kind: {item["code"]: item["label"] for item in items} for kind, items in CATALOG.items()
          if isinstance(items, list)}  # `materials` is the rules, not a code list
LICENSE_ITEMS = [v for k, v in LABELS["license_item"].items() if not k.startswith("L9")]
FILING_ITEMS = list(LABELS["filing_item"].values())


def workbook_rows(count: int, seed: int = 20261127) -> bytes:
    """A filled template-shaped workbook of `count` agencies (write-only, streamed)."""
    # Imported here: generate's word lists and calendar cost ~20 MB the memory children need not pay.
    from generate import DISTRICTS, AgencyFactory

    rng = random.Random(seed)
    factory = AgencyFactory(rng, dt.date.today())
    divisions = list(DISTRICTS)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    wb.defined_names[VERSION_NAME] = DefinedName(VERSION_NAME, attr_text=f'"{TEMPLATE_VERSION}"')
    ws.append([c.title for c in COLUMNS])
    for n in range(1, count + 1):
        division = rng.choice(divisions)
        agency = factory.make(division)
        founded = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(6000))
        issued = founded + dt.timedelta(days=rng.randrange(30, 900))
        licensed, filed = rng.random() < 0.6, rng.random() < 0.7 or n % 5 == 0
        licensed = licensed or not filed
        ws.append([
            agency["name"], agency["credit_code"], LABELS["agency_type"][agency["agency_type"]],
            DISTRICTS[division][0], agency["address"], agency["legal_rep"],
            LABELS["id_type"][agency["legal_rep_id_type"]], agency["legal_rep_id_no"],
            agency["contact"], agency["phone"], founded,
            f"（津）人服证字〔{issued.year}〕第{division[2:]}{n:06d}号" if licensed else None,
            issued if licensed else None,
            issued.replace(year=issued.year + 5) - dt.timedelta(days=1)
            if licensed and not (issued.month == 2 and issued.day == 29) else None,
            "、".join(rng.sample(LICENSE_ITEMS, rng.randint(1, 3))) if licensed else None,
            "有效" if licensed else None,
            f"津人服备字〔{issued.year}〕第{division[2:]}{n:06d}号" if filed else None,
            issued if filed else None,
            "、".join(rng.sample(FILING_ITEMS, rng.randint(1, 3))) if filed else None,
            "有效" if filed else None,
            "有效", None,
        ])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def bare_read(data: bytes) -> int:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = sum(1 for _ in wb[DATA_SHEET].iter_rows(values_only=True))
    wb.close()
    return rows


def make_app(database_url: str, instance: str) -> Any:
    return throwaway.make_app(
        database_url, instance, HISTORY_IMPORT_MAX_ROWS=200_000,
        HISTORY_IMPORT_MAX_BYTES=512 * 1024 * 1024,
        HISTORY_IMPORT_MAX_UNZIPPED_BYTES=4 * 1024 * 1024 * 1024)


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def empty_registry() -> None:
    db.session.execute(text("TRUNCATE filings, licenses, agencies, import_batches, audit_events "
                            "RESTART IDENTITY CASCADE"))
    db.session.commit()


def measure(app: Any, data: bytes, repeat: int) -> dict[str, float]:
    """Median seconds of bare read, validation + preview, and commit over `repeat` rounds."""
    who = throwaway.city_manager(app)
    runs: dict[str, list[float]] = {"read": [], "validate": [], "commit": []}
    with app.test_request_context():
        for _ in range(repeat):
            empty_registry()
            runs["read"].append(timed(lambda: bare_read(data))[0])
            seconds, batch = timed(lambda: service.upload(who, "bench.xlsx", data))
            assert batch.error_count == 0, batch.errors[:5]
            runs["validate"].append(seconds)
            seconds, done = timed(lambda b=batch: service.commit(who, b.id))
            assert done.status == "imported"
            runs["commit"].append(seconds)
    # (not the statistics module: bench/statistics.py shadows it for scripts run from bench/)
    return {stage: sorted(values)[len(values) // 2] for stage, values in runs.items()}


def child(args: argparse.Namespace) -> None:
    """One stage in a fresh process; prints its ru_maxrss before and after, in MB."""
    data = Path(args.file).read_bytes()
    app = make_app(args.database_url, args.instance)
    with app.test_request_context():
        empty_registry()
        who = throwaway.city_manager(app)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if args.child == "read":
            bare_read(data)
        elif args.child == "validate":
            service.upload(who, "bench.xlsx", data)
        else:  # the upload first (as in use), so this peak covers both
            service.commit(who, service.upload(who, "bench.xlsx", data).id)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"before": before, "peak": after}))


def peak(stage: str, file: Path, database_url: str, instance: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--child", stage, "--file", str(file),
                           "--database-url", database_url, "--instance", instance],
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the {stage} child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the timed file")
    parser.add_argument("--big-rows", type=int, default=100_000,
                        help="rows of the file whose peak memory is measured (0: skip)")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds (median reported)")
    parser.add_argument("--server", default="postgresql:///postgres",
                        help="a PostgreSQL maintenance database URL to create the throwaway one")
    parser.add_argument("--child", choices=("read", "validate", "commit"), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    with throwaway.database(args.server, "hrm_bench_history") as (name, database_url), \
            tempfile.TemporaryDirectory(prefix="hrm-bench-history-") as tmp:
        app = make_app(database_url, tmp)
        throwaway.migrate_and_seed(app)
        print(f"PostgreSQL database {name} (dropped at the end); openpyxl {openpyxl.__version__}")

        seconds, data = timed(lambda: workbook_rows(args.rows))
        print(f"{args.rows:,} rows × {len(COLUMNS)} columns: {len(data) / 2**20:.1f} MB "
              f"(written in {seconds:.1f} s)", flush=True)
        times = measure(app, data, args.repeat)
        read = times["read"]
        print(f"\nmedian of {args.repeat} rounds, {args.rows:,} rows")
        print(f"  bare openpyxl read      {read:7.2f} s   {args.rows / read:8,.0f} rows/s")
        for stage, label, target in (("validate", "validation + preview", 1.5),
                                     ("commit", "commit", 2.0)):
            ratio = times[stage] / read
            verdict = "MET" if ratio <= target else "MISS"
            print(f"  {label:<22}  {times[stage]:7.2f} s   {args.rows / times[stage]:8,.0f} "
                  f"rows/s   {ratio:4.2f} × bare read   target ≤ {target} ×  {verdict}")

        if args.big_rows:
            big = Path(tmp) / "big.xlsx"
            seconds, data = timed(lambda: workbook_rows(args.big_rows, seed=7))
            big.write_bytes(data)
            print(f"\n{args.big_rows:,} rows: {len(data) / 2**20:.1f} MB (written in "
                  f"{seconds:.1f} s); peak memory (ru_maxrss of a fresh process per stage)")
            with app.app_context():
                db.engine.dispose()
            for stage, label in (("read", "bare openpyxl read"),
                                 ("validate", "validation + preview"), ("commit", "commit")):
                start = time.perf_counter()
                found = peak(stage, big, database_url, tmp)
                verdict = ("" if stage == "read" else
                           "  target < 200 MB  " + ("MET" if found["peak"] < 200 else "MISS"))
                print(f"  {label:<22}  peak {found['peak']:6.0f} MB   (process before the "
                      f"stage {found['before']:4.0f} MB; {time.perf_counter() - start:5.1f} s)"
                      f"{verdict}", flush=True)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
