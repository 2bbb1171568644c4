"""Alembic environment: migrations run as the owner role, one at a time.

Like warehouse, we take an advisory lock so two concurrent ``bulkreg migrate`` calls (a
compose ``migrate`` service and a developer, say) serialize instead of racing, and set a
``lock_timeout`` so a migration waits for a busy table only so long.
"""

from alembic import context
from sqlalchemy import create_engine, text

MIGRATION_LOCK_ID = 0x62756C6B  # "bulk"

url = context.config.get_main_option("sqlalchemy.url")
assert url, "persistence.migrate sets sqlalchemy.url"
engine = create_engine(url)
with engine.connect() as connection:
    connection.execute(text("select pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    connection.execute(text("set lock_timeout = '10s'"))
    connection.commit()
    try:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        connection.execute(text("select pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
        connection.commit()
engine.dispose()
