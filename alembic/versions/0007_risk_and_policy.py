"""risk signals and decision policy: perceptual hashes and editing marks of files, each promotion's
fast-track policy (on/off, daily cap, audit sample), the signals and audit state kept with each claim,
and the audit of policy changes (issue 18)

Revision ID: 0007_risk_and_policy
Revises: 0006_account_language
Create Date: 2026-11-29 21:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel column types


revision: str = '0007_risk_and_policy'
down_revision: Union[str, Sequence[str], None] = '0006_account_language'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table('storedfile') as batch:
        batch.add_column(sa.Column('phash', _text(length=64), server_default='', nullable=False))
        batch.add_column(sa.Column('edited_with', _text(length=80), server_default='', nullable=False))
    with op.batch_alter_table('promotion') as batch:
        batch.add_column(sa.Column('auto_decide', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('auto_daily_cap', sa.Integer(), server_default='100', nullable=False))
        batch.add_column(sa.Column('audit_sample_percent', sa.Integer(), server_default='10', nullable=False))
    with op.batch_alter_table('redemption') as batch:
        batch.add_column(sa.Column('risk_signals', sa.Text(), server_default='', nullable=False))
        batch.add_column(sa.Column('risk_score', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('decided_automatically', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.add_column(sa.Column('audit_state', _text(length=10), server_default='', nullable=False))
        batch.add_column(sa.Column('audited_by', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('audited_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('audit_note', _text(length=500), server_default='', nullable=False))
        batch.create_foreign_key('fk_redemption_audited_by_user', 'user', ['audited_by'], ['id'])
        batch.create_index('ix_redemption_audit_state', ['audit_state'], unique=False)
    op.create_table(
        'policychange',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('promotion_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('before', _text(length=500), nullable=False),
        sa.Column('after', _text(length=500), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id']),
        sa.ForeignKeyConstraint(['promotion_id'], ['promotion.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_policychange_promotion_id', 'policychange', ['promotion_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_policychange_promotion_id', table_name='policychange')
    op.drop_table('policychange')
    with op.batch_alter_table('redemption') as batch:
        batch.drop_index('ix_redemption_audit_state')
        batch.drop_constraint('fk_redemption_audited_by_user', type_='foreignkey')
        for name in ('audit_note', 'audited_at', 'audited_by', 'audit_state', 'decided_automatically', 'risk_score', 'risk_signals'):
            batch.drop_column(name)
    with op.batch_alter_table('promotion') as batch:
        for name in ('audit_sample_percent', 'auto_daily_cap', 'auto_decide'):
            batch.drop_column(name)
    with op.batch_alter_table('storedfile') as batch:
        batch.drop_column('edited_with')
        batch.drop_column('phash')
