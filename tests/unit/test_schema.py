from sqlalchemy import inspect


def test_migrations_build_every_table(engine):
    tables = set(inspect(engine).get_table_names())
    assert {"user", "redemption", "promotioncode", "registeredproduct", "emailmessage"} <= tables
