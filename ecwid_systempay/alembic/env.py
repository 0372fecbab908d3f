"""Alembic environment: the database comes from the app's INI (env overrides applied),
or from a connection handed over by :func:`ecwid_systempay.scripts.initialize_db.upgrade`."""

from __future__ import annotations

from alembic import context
from pyramid.paster import get_appsettings, setup_logging

from ecwid_systempay.config import apply_environment
from ecwid_systempay.models import get_engine
from ecwid_systempay.models.meta import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    setup_logging(config.config_file_name)
    settings = dict(get_appsettings(config.config_file_name))
    apply_environment(settings)
    engine = get_engine(settings)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations()
