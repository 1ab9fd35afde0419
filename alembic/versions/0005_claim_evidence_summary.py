"""claim evidence summary: the evidence pre-check's verdict kept with the claim, for the queue's filter

Revision ID: 0005_claim_evidence_summary
Revises: 0004_evidence_reading
Create Date: 2026-11-29 18:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel column types


revision: str = '0005_claim_evidence_summary'
down_revision: Union[str, Sequence[str], None] = '0004_evidence_reading'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('redemption') as batch:
        batch.add_column(sa.Column('evidence_summary', sqlmodel.sql.sqltypes.AutoString(length=10),
                                   server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('redemption') as batch:
        batch.drop_column('evidence_summary')
