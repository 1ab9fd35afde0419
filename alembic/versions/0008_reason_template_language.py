"""reason template language: the language a reason template is written in ("en" for the existing ones)

Revision ID: 0008_reason_template_language
Revises: 0007_risk_and_policy
Create Date: 2026-11-29 21:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0008_reason_template_language'
down_revision: Union[str, Sequence[str], None] = '0007_risk_and_policy'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('reasontemplate') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default='en'))


def downgrade() -> None:
    with op.batch_alter_table('reasontemplate') as batch:
        batch.drop_column('language')
