"""统计分析 on 100,000 agencies: EXPLAIN ANALYZE of both statistics queries, city and district.

Run from the project root (needs the database bench/generate.py made, which it only reads):

    .venv/bin/python bench/statistics.py        # --source postgresql:///hrm_bench

It creates a throwaway PostgreSQL database (dropped at the end), migrates it to 0004, copies
the agencies, licences and filings of the source database into it with COPY (psycopg 3), then
upgrades to 0005 so that its migration backfills every agency's first grant year as it would in
production, and VACUUM (ANALYZE)s. Then, for a city officer (天津市, all 16 districts) and a
district officer (和平区), it runs the exact query portal_plugin.statistics sends for each
statistic over the last 10 years and over the default 5, prints EXPLAIN (ANALYZE, BUFFERS)
execution times (median of --repeat runs, an odd number) against the target of 30 ms, and checks the counts
against an independent computation (min over licences and filings per agency).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
import uuid
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url

from portal_plugin import create_app
from portal_plugin.core.extensions import db
from portal_plugin.core.jurisdiction import jurisdiction
from portal_plugin.core.seed import load_catalog, load_divisions
from portal_plugin.statistics import service

TARGET_MS = 30.0
TABLES = ("agencies", "licenses", "filings")
OFFICERS = {"city officer (天津市)": "120000", "district officer (和平区)": "120101"}
INDEPENDENT = """
SELECT count(*) FROM agencies a JOIN (
  SELECT agency_id, min(d) AS first FROM (SELECT agency_id, issued_on AS d FROM licenses
  UNION ALL SELECT agency_id, filed_on FROM filings) u GROUP BY agency_id) f ON f.agency_id = a.id
WHERE extract(year FROM f.first) BETWEEN :start AND :end AND a.division_code = ANY(:codes)
"""


def copy_registry(source: str, target: str) -> dict[str, int]:
    """Copy the registry tables' common columns, agencies first (foreign keys)."""
    counts = {}
    with psycopg.connect(source) as src, psycopg.connect(target) as dst:
        for table in TABLES:
            query = ("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                     "ORDER BY ordinal_position")
            theirs = [r[0] for r in src.execute(query, (table,))]
            ours = {r[0] for r in dst.execute(query, (table,))}
            columns = ", ".join(c for c in theirs if c in ours)
            with src.cursor().copy(f"COPY (SELECT {columns} FROM {table}) TO STDOUT") as out, \
                    dst.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as into:
                for block in out:
                    into.write(block)
            counts[table] = dst.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            dst.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")
        dst.commit()
    return counts


def explain_ms(sql: str) -> tuple[float, str]:
    plan = db.session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql)).scalars().all()
    line = next(p for p in plan if p.startswith("Execution Time"))
    return float(line.split(":")[1].split()[0]), "\n".join(plan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="postgresql:///hrm_bench",
                        help="the database bench/generate.py made (read only)")
    parser.add_argument("--server", default="postgresql:///postgres",
                        help="a maintenance database URL to create the throwaway one")
    parser.add_argument("--repeat", type=int, default=7, help="runs per query (median shown)")
    parser.add_argument("--plans", action="store_true", help="print every plan")
    parser.add_argument("--keep", help="name the database and keep it (for psql) instead of "
                                       "dropping it")
    args = parser.parse_args()

    server = make_url(args.server)
    name = args.keep or f"hrm_bench_statistics_{uuid.uuid4().hex[:8]}"
    maintenance = server.set(drivername="postgresql").render_as_string(hide_password=False)
    plain = server.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    url = server.set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="hrm-bench-statistics-") as tmp:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": tmp,
                              "SECRET_KEY": "bench-statistics-" + "k" * 32,
                              "PORTAL_DEV_MODE": True})
            logging.getLogger("alembic").setLevel(logging.WARNING)
            with app.app_context():
                from flask_migrate import upgrade

                upgrade(revision="0004")
                load_divisions(app.config["DIVISIONS_FILE"])
                load_catalog(app.config["CATALOG_FILE"])
                db.session.commit()
                db.engine.dispose()
            started = time.perf_counter()
            counts = copy_registry(make_url(args.source).render_as_string(hide_password=False),
                                   plain)
            print(f"copied from {args.source} in {time.perf_counter() - started:.1f} s: "
                  + ", ".join(f"{n:,} {t}" for t, n in counts.items()))
            with app.app_context():
                started = time.perf_counter()
                upgrade(revision="0005")
                print(f"upgrade to 0005 (backfills first_granted_year): "
                      f"{time.perf_counter() - started:.1f} s")
                db.session.commit()
            with psycopg.connect(plain, autocommit=True) as conn:
                conn.execute("VACUUM (ANALYZE)")
            with app.app_context():
                run(app, args)
                db.engine.dispose()
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            if not args.keep:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(app: Any, args: argparse.Namespace) -> None:
    last = service.this_year()
    span = db.session.execute(text(
        "SELECT min(first_granted_year), max(first_granted_year), count(first_granted_year), "
        "count(deregistered_on) FROM agencies")).one()
    print(f"first grants {span[0]} → {span[1]} ({span[2]:,} agencies), {span[3]:,} deregistered")
    verdicts = []
    print(f"\n{'officer':<26} {'statistic':<14} {'years':<11} {'rows':>7} {'median ms':>10} "
          f"{'min ms':>8}  target ≤ {TARGET_MS:.0f} ms")
    for label, division in OFFICERS.items():
        identity = app.extensions["hrm_sso"].identity({
            "sub": f"bench:{division}", "name": "基准测试", "division": division,
            "roles": ["HRM_CX"]})
        for kind in service.STATISTICS:
            for start in (last - 9, last - 4):
                select = service.query(identity, kind, start, last)
                sql = str(select.compile(dialect=postgresql.dialect(),
                                         compile_kwargs={"literal_binds": True}))
                explain_ms(sql)  # warm
                runs = [explain_ms(sql) for _ in range(args.repeat)]
                times = [ms for ms, _ in runs]
                table = service.compute(identity, kind, start, last)
                if kind == "new":
                    independent = db.session.execute(text(INDEPENDENT), {
                        "start": start, "end": last,
                        "codes": sorted(jurisdiction(identity))}).scalar_one()
                    assert independent == table.total, (independent, table.total)
                median = sorted(times)[len(times) // 2]
                verdict = "MET" if median <= TARGET_MS else "MISS"
                verdicts.append(verdict)
                print(f"{label:<26} {kind:<14} {start}–{last}  {table.total:>7,} {median:>10.2f} "
                      f"{min(times):>8.2f}  {verdict}")
                if args.plans or (start == last - 9 and kind == "new"
                                  and division == "120000"):
                    print("\n".join("    " + line for line in runs[0][1].splitlines()))
    print(f"\nall {len(verdicts)} within {TARGET_MS:.0f} ms: "
          f"{'MET' if set(verdicts) == {'MET'} else 'MISS'} (counts checked against min() over "
          f"licences and filings)")


if __name__ == "__main__":
    main()
