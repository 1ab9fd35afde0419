"""evidence reading: what an uploaded invoice or S/N photo says (OCR lines, barcodes), read once per file

Revision ID: 0004_evidence_reading
Revises: 0003_registration_draft
Create Date: 2026-11-29 14:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel column types


revision: str = '0004_evidence_reading'
down_revision: Union[str, Sequence[str], None] = '0003_registration_draft'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('evidencereading',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('engine', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['storedfile.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('file_id')
    )
    op.create_index(op.f('ix_evidencereading_owner_id'), 'evidencereading', ['owner_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_evidencereading_owner_id'), table_name='evidencereading')
    op.drop_table('evidencereading')
