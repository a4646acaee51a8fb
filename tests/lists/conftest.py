"""Rows for every list, written straight to the database (fast, many at once)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Flask

from portal_plugin.annual_reports.models import AnnualReport
from portal_plugin.core.extensions import db
from portal_plugin.history.models import ImportBatch
from portal_plugin.job_fairs.models import JobFair
from portal_plugin.revocations.models import Revocation
from tests.kit import HP, add_agency, add_filing, add_license, credit_code
from workflows.models import Case

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def add_cases(app: Flask, count: int, *, start: int = 0, status: str = "submitted",
              at: dt.datetime = NOW, step: dt.timedelta = dt.timedelta(minutes=1),
              ties: int = 1) -> list[int]:
    """`count` licensing cases of 和平区, each `step` newer than the one before; every `ties`
    consecutive cases share one submission time (so paging must break ties by id)."""
    with app.app_context():
        cases = []
        for n in range(start, start + count):
            moment = at + step * (n // ties)
            cases.append(Case(
                workflow="licensing", status=status, version=2, payload={},
                credit_code=credit_code(n), agency_name=f"分页测试机构{n}", division_code=HP,
                created_by="clerk", submitted_at=moment, case_no=f"XK{n:08d}",
                created_at=moment, updated_at=moment))
        db.session.add_all(cases)
        db.session.commit()
        return [case.id for case in cases]


def fill_every_list(app: Flask, count: int) -> None:
    """`count` rows in each list of 和平区: cases, licences, filings, agencies, annual reports,
    job fairs, revocations, history batches and imported agencies."""
    add_cases(app, count)
    with app.app_context():
        batch = ImportBatch(status="imported", file_name="历史数据.xlsx", uploaded_by="gl",
                            uploaded_by_name="赵静", division_code=HP, rows=count,
                            valid_rows=count, committed_at=NOW)
        db.session.add(batch)
        db.session.flush()
        for n in range(count):
            db.session.add(ImportBatch(status="undone", file_name=f"{n}.xlsx",
                                       uploaded_by="gl", uploaded_by_name="赵静",
                                       division_code=HP))
            agency = add_agency(credit_code(5000 + n), HP, f"分页测试机构{n}")
            add_agency(credit_code(6000 + n), HP, f"导入机构{n}", source="history_import",
                       import_batch_id=batch.id)
            licence = add_license(agency, f"（津）人服证字〔2024〕第{n:08d}号")
            add_filing(agency, f"津人服备字〔2024〕第{n:08d}号")
            db.session.add(AnnualReport(
                agency_id=agency.id, year=2024, name=agency.name, credit_code=agency.credit_code,
                division_code=HP, legal_rep="张伟", address="天津市测试路1号", staff_count=1,
                revenue=Decimal("0"), served_workers=0, served_employers=0, placements=0,
                job_fairs_held=0, online_postings=0, trainings=0, filled_by="吴芳",
                filled_on=dt.date(2025, 1, 15), status="submitted", version=2,
                created_by="clerk", submitted_at=NOW))
            db.session.add(JobFair(
                name=f"招聘会{n}", kind="J04", organizer="协会", start_at=NOW + dt.timedelta(n),
                end_at=NOW + dt.timedelta(n, hours=6), venue="大厅", venue_address="南京路1号",
                division_code=HP, booths=1, expected_employers=1, expected_positions=1,
                expected_visitors=1, safety_officer="王强", safety_phone="022-23456789",
                contact="李娜", contact_phone="13812345678", agency_id=agency.id,
                credit_code=agency.credit_code, created_by="clerk", created_by_name="吴芳"))
            db.session.add(Revocation(
                license_id=licence.id, agency_id=agency.id, division_code=HP, ground="R01",
                decision_date=dt.date(2025, 1, 1) + dt.timedelta(n),
                document_number=f"津人社注字〔2025〕{n}号", created_by="gl", created_by_name="赵静"))
        db.session.commit()
