"""annual reports (经营情况年度报告) submitted by agencies, reviewed by their district

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 15:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('annual_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('division_code', sa.String(length=6), nullable=False),
    sa.Column('legal_rep', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('license_numbers', sa.String(length=500), nullable=True),
    sa.Column('filing_numbers', sa.String(length=500), nullable=True),
    sa.Column('staff_count', sa.Integer(), nullable=False),
    sa.Column('revenue', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('served_workers', sa.Integer(), nullable=False),
    sa.Column('served_employers', sa.Integer(), nullable=False),
    sa.Column('placements', sa.Integer(), nullable=False),
    sa.Column('job_fairs_held', sa.Integer(), nullable=False),
    sa.Column('online_postings', sa.Integer(), nullable=False),
    sa.Column('trainings', sa.Integer(), nullable=False),
    sa.Column('complaints', sa.Text(), nullable=True),
    sa.Column('filled_by', sa.String(length=100), nullable=False),
    sa.Column('filled_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.String(length=100), nullable=True),
    sa.Column('reviewed_by_name', sa.String(length=100), nullable=True),
    sa.CheckConstraint("status in ('draft', 'submitted', 'passed', 'returned')",
                       name=op.f('ck_annual_reports_status')),
    sa.CheckConstraint('staff_count >= 0 and revenue >= 0 and served_workers >= 0 '
                       'and served_employers >= 0 and placements >= 0 and job_fairs_held >= 0 '
                       'and online_postings >= 0 and trainings >= 0',
                       name=op.f('ck_annual_reports_figures')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'],
                            name=op.f('fk_annual_reports_agency_id_agencies')),
    sa.ForeignKeyConstraint(['division_code'], ['divisions.code'],
                            name=op.f('fk_annual_reports_division_code_divisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_reports')),
    sa.UniqueConstraint('agency_id', 'year', name='uq_annual_reports_agency_year')
    )
    with op.batch_alter_table('annual_reports', schema=None) as batch_op:
        batch_op.create_index('ix_annual_reports_division_year_status',
                              ['division_code', 'year', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_annual_reports_agency_id'), ['agency_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('annual_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_reports_agency_id'))
        batch_op.drop_index('ix_annual_reports_division_year_status')

    op.drop_table('annual_reports')
