"""Database wiring (Pyramid cookiecutter style): engine, session factory, ``request.dbsession``.

SQLite (the embedded default) runs every transaction as ``BEGIN IMMEDIATE`` so that
concurrent writers queue instead of failing late; PostgreSQL uses row locks
(``SELECT ... FOR UPDATE``/``SKIP LOCKED``) where it matters.
"""

from __future__ import annotations

from typing import Any

import zope.sqlalchemy
from sqlalchemy import engine_from_config, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, configure_mappers, sessionmaker

from .attempt import PaymentAttempt, TransIdCounter  # noqa: F401
from .ecwid_update import EcwidUpdate, UpdateState  # noqa: F401
from .meta import Base  # noqa: F401
from .notification import StoredNotification, Transition  # noqa: F401
from .store import Store  # noqa: F401

configure_mappers()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def get_engine(settings: dict[str, Any], prefix: str = "sqlalchemy.") -> Engine:
    url = settings[prefix + "url"]
    options: dict[str, Any] = {}
    if url.startswith("sqlite"):
        options["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        options.setdefault("pool_pre_ping", True)
    engine = engine_from_config(settings, prefix, **options)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def get_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_tm_session(session_factory: sessionmaker[Session], transaction_manager: Any, request: Any = None) -> Session:
    """A session joined to ``transaction_manager``: committed or aborted with it."""
    dbsession = session_factory(info={"request": request, "transaction_manager": transaction_manager})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def mark_changed(session: Session) -> None:
    """Core INSERT/UPDATE statements went through ``session``: have its transaction manager commit them.

    zope.sqlalchemy only notices the ORM's flushes (a session it saw no write in is rolled
    back); a session that is not joined to a transaction manager commits itself.
    """
    manager = session.info.get("transaction_manager")
    if manager is not None:
        zope.sqlalchemy.mark_changed(session, transaction_manager=manager)


def includeme(config: Any) -> None:
    """``request.dbsession`` under pyramid_tm, with pyramid_retry on conflicts."""
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    config.include("pyramid_tm")
    config.include("pyramid_retry")

    from pyramid_retry import mark_error_retryable
    from sqlalchemy.exc import IntegrityError, OperationalError
    from sqlalchemy.orm.exc import StaleDataError

    for error in (IntegrityError, OperationalError, StaleDataError):
        mark_error_retryable(error)

    dbengine = settings.get("dbengine") or get_engine(settings)
    session_factory = get_session_factory(dbengine)
    config.registry["dbengine"] = dbengine
    config.registry["dbsession_factory"] = session_factory

    def dbsession(request: Any) -> Session:
        session = request.environ.get("app.dbsession")
        if session is None:
            session = get_tm_session(session_factory, request.tm, request=request)
        return session

    config.add_request_method(dbsession, reify=True)
