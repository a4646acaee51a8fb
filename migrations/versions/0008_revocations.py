"""revocations (注销单位行政许可) decided by the bureau

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 16:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('revocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('license_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('division_code', sa.String(length=6), nullable=False),
    sa.Column('ground', sa.String(length=20), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('document_number', sa.String(length=60), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_by_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_revocations_agency_id_agencies')),
    sa.ForeignKeyConstraint(['division_code'], ['divisions.code'], name=op.f('fk_revocations_division_code_divisions')),
    sa.ForeignKeyConstraint(['license_id'], ['licenses.id'], name=op.f('fk_revocations_license_id_licenses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revocations')),
    sa.UniqueConstraint('license_id', name=op.f('uq_revocations_license_id'))
    )
    with op.batch_alter_table('revocations', schema=None) as batch_op:
        batch_op.create_index('ix_revocations_division_decided', ['division_code', 'decision_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_revocations_agency_id'), ['agency_id'], unique=False)


def downgrade():
    with op.batch_alter_table('revocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revocations_agency_id'))
        batch_op.drop_index('ix_revocations_division_decided')

    op.drop_table('revocations')
