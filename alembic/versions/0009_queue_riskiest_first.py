"""queue riskiest first: the indexes the reviewer's queue walks when it reads the riskiest claims first

Revision ID: 0009_queue_riskiest_first
Revises: 0008_reason_template_language
Create Date: 2026-11-30 01:45:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0009_queue_riskiest_first'
down_revision: Union[str, Sequence[str], None] = '0008_reason_template_language'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # (status, risk_score DESC, due_on, id): a page riskiest first is an index range walk, forwards or back.
    op.create_index('ix_redemption_risk_queue', 'redemption',
                    ['status', sa.text('risk_score DESC'), 'due_on', 'id'], unique=False)
    # The same within one promotion (the queue filtered by promotion).
    op.create_index('ix_redemption_promotion_risk_queue', 'redemption',
                    ['promotion_id', 'status', sa.text('risk_score DESC'), 'due_on', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_redemption_promotion_risk_queue', table_name='redemption')
    op.drop_index('ix_redemption_risk_queue', table_name='redemption')
