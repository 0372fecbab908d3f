"""The Alembic migrations: one line of history, and a schema that matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from ecwid_systempay.models.meta import Base
from ecwid_systempay.scripts.initialize_db import alembic_config, upgrade


def test_the_migrations_have_a_single_head():
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads} (set down_revision to the current head)"


def test_the_migrated_schema_matches_the_models(db_url):
    engine = create_engine(db_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ (write a migration): {diff}"
