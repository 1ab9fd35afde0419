"""account language: the language an account chose (pages and emails), "" until it chooses one

Revision ID: 0006_account_language
Revises: 0005_claim_evidence_summary
Create Date: 2026-11-29 18:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0006_account_language'
down_revision: Union[str, Sequence[str], None] = '0005_claim_evidence_summary'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('user') as batch:
        batch.drop_column('language')
