"""the law's clocks and numbers: case clocks, the city-wide issued-number register, issuing
authorities per division, 逾期报送, ids never reused on SQLite

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 06:30:00

- cases: the acceptance, decision and issuance clocks (DOMAIN.md "Deadlines"), the extension
  and 登记发证. Running cases get their clocks from their submission, in working days of the
  calendar table (《人力资源市场暂行条例》 Art 19 counts from receipt, not acceptance).
- issued_numbers: every document number of every series, unique across the city; filled with
  the numbers already issued (a number issued twice before stays as it is on its records, and
  is registered once).
- licenses.decision_number, revocations.document_number: a unique constraint each (with a repeat
  column telling apart the rows of a number issued twice before, which keep their number).
- divisions: the issuing authority's full name (天津市和平区人力资源和社会保障局) and credit code.
- annual_reports.late (逾期报送).
- SQLite: agencies, licenses and filings become AUTOINCREMENT tables, so a deleted row's id (and
  its audit events) is never given to a new row; the statistics triggers on licenses and filings
  are made again after the copy. PostgreSQL sequences never reuse an id.
"""
import importlib.util
import os

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

CASE_COLUMNS = (
    ('accept_due', sa.Date), ('decision_due', sa.Date), ('decision_days_left', sa.Integer),
    ('extended_on', sa.Date), ('extension_reason', sa.Text), ('issue_due', sa.Date),
    ('issued_on', sa.Date), ('delivery', lambda: sa.String(length=20)),
)
# (kind, table, column) of the numbers issued so far.
NUMBERS = (
    ('license', 'licenses', 'license_number'),
    ('decision', 'licenses', 'decision_number'),
    ('filing', 'filings', 'filing_number'),
    ('revocation', 'revocations', 'document_number'),
    ('deregistration', 'licenses', 'status_document_no'),
)
AUTOINCREMENT_TABLES = ('agencies', 'licenses', 'filings')
# (table, column) of the issued numbers that get a unique constraint (licence and filing numbers
# have theirs since 0001).
REPEATED = (('licenses', 'decision_number'), ('revocations', 'document_number'))


def _limits():
    """The configured limits (the app's, under `flask db upgrade`), else the defaults."""
    from flask import current_app, has_app_context

    from portal_plugin.core.config import DEFAULTS
    if has_app_context():
        return current_app.config["WORKFLOW_DEADLINES"]
    return DEFAULTS["WORKFLOW_DEADLINES"]


def _clocks_from_submission():
    """Running cases' clocks counted from their (last) submission, as the engine counts new
    ones: submitted cases their 补正 and decision due dates, cases awaiting the decision their
    decision due date (the deadline they run on)."""
    import datetime as dt

    from portal_plugin.core.clock import local_zone
    from workflows.calendar import WorkingCalendar

    bind = op.get_bind()
    calendar, limits = WorkingCalendar(bind), _limits()
    zone = local_zone()
    rows = bind.execute(sa.text(
        "SELECT id, workflow, status, submitted_at FROM cases "
        "WHERE status IN ('submitted', 'pending_review') AND submitted_at IS NOT NULL")).all()
    for case_id, workflow, status, submitted_at in rows:
        if isinstance(submitted_at, str):  # SQLite gives the text it stores
            submitted_at = dt.datetime.fromisoformat(submitted_at)
        if submitted_at.tzinfo is None:
            submitted_at = submitted_at.replace(tzinfo=dt.timezone.utc)
        received = submitted_at.astimezone(zone).date()
        accept_due = calendar.add_working_days(received, int(limits["accept"]))
        decision_due = calendar.add_working_days(received, int(limits.get(workflow, 20)))
        bind.execute(sa.text(
            "UPDATE cases SET accept_due = :accept_due, decision_due = :decision_due, "
            "deadline = :deadline WHERE id = :id"),
            {"accept_due": accept_due, "decision_due": decision_due, "id": case_id,
             "deadline": accept_due if status == "submitted" else decision_due})


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        _sqlite_triggers(False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for name, kind in CASE_COLUMNS:
            batch_op.add_column(sa.Column(name, kind(), nullable=True))
    _clocks_from_submission()

    op.create_table('issued_numbers',
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('division_code', sa.String(length=6), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_issued_numbers'))
    )
    issued = " UNION ALL ".join(
        f"SELECT {column} AS number, '{kind}' AS kind FROM {table} WHERE {column} IS NOT NULL"
        for kind, table, column in NUMBERS)
    op.execute("INSERT INTO issued_numbers (number, kind, issued_at) "
               f"SELECT number, min(kind), CURRENT_TIMESTAMP FROM ({issued}) AS issued "
               "GROUP BY number")

    # One unique constraint per issued-number column; numbers issued twice before stay as
    # they are, their later rows numbered 1, 2 … in the repeat column.
    for table, column in REPEATED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(f'{column}_repeat', sa.SmallInteger(),
                                          server_default=sa.text('0'), nullable=False))
        op.execute(f"UPDATE {table} SET {column}_repeat = (SELECT count(*) FROM {table} AS e "
                   f"WHERE e.{column} = {table}.{column} AND e.id < {table}.id) "
                   f"WHERE {column} IS NOT NULL")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_unique_constraint(f'uq_{table}_{column}',
                                              [column, f'{column}_repeat'])

    with op.batch_alter_table('divisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('authority_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('authority_credit_code', sa.String(length=18),
                                      nullable=True))
    op.execute("UPDATE divisions SET authority_name = "
               "(SELECT p.name FROM divisions AS p WHERE p.code = divisions.parent_code) "
               "|| name || '人力资源和社会保障局' WHERE parent_code IS NOT NULL")
    op.execute("UPDATE divisions SET authority_name = name || '人力资源和社会保障局' "
               "WHERE parent_code IS NULL")

    with op.batch_alter_table('annual_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))

    if dialect == 'sqlite':
        _sqlite_autoincrement(True)
        _sqlite_triggers(True)


def _sqlite_triggers(make):
    """Drop (before any SQLite table copy: a copy of licenses or filings would break them) or
    make again migration 0005's statistics triggers."""
    statistics = _statistics_module()
    if make:
        for statement in statistics.sqlite_statements():
            op.execute(statement)
        return
    for table, _ in statistics.SOURCES:
        for event in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_first_granted_{event}")


def _sqlite_autoincrement(on):
    """Copy the tables into AUTOINCREMENT (or plain) ones."""
    for table in AUTOINCREMENT_TABLES:
        with op.batch_alter_table(table, recreate='always',
                                  table_kwargs={'sqlite_autoincrement': on}):
            pass


def _statistics_module():
    """Migration 0005 (its trigger statements), loaded from the file beside this one."""
    path = os.path.join(os.path.dirname(__file__), '0005_statistics_index.py')
    spec = importlib.util.spec_from_file_location('_hrm_migration_0005', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        _sqlite_triggers(False)
        _sqlite_autoincrement(False)
    with op.batch_alter_table('annual_reports', schema=None) as batch_op:
        batch_op.drop_column('late')
    for table, column in reversed(REPEATED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'uq_{table}_{column}', type_='unique')
            batch_op.drop_column(f'{column}_repeat')
    with op.batch_alter_table('divisions', schema=None) as batch_op:
        batch_op.drop_column('authority_credit_code')
        batch_op.drop_column('authority_name')
    op.drop_table('issued_numbers')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for name, _ in reversed(CASE_COLUMNS):
            batch_op.drop_column(name)
    if sqlite:
        _sqlite_triggers(True)
