"""Database wiring (Pyramid cookiecutter style): engine, session factory, ``request.dbsession``.

SQLite (the embedded default) runs every transaction as ``BEGIN IMMEDIATE`` so that
concurrent writers queue instead of failing late; PostgreSQL uses row locks
(``SELECT ... FOR UPDATE``/``SKIP LOCKED``) where it matters.
"""

from __future__ import annotations

import time
from typing import Any

import zope.sqlalchemy
from sqlalchemy import engine_from_config, event
from sqlalchemy import exc as exc_module
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


#: A pooled connection idle for longer than this is pinged before use (see :func:`_ping_idle_connections`).
PING_AFTER_IDLE_SECONDS = 10.0


def _ping_idle_connections(engine: Engine) -> None:
    """Pessimistic disconnect handling for connections that sat unused, not for every checkout.

    ``pool_pre_ping`` costs one round trip per checkout, which on the notification path
    is one of a dozen. A connection in steady use is not pinged; one idle for longer
    than :data:`PING_AFTER_IDLE_SECONDS` (a database restart, a proxy's idle timeout)
    is, and a dead one is replaced before anything runs on it. A connection that dies
    in between fails its statement: the request is retried (``pyramid_retry``) and the
    pool is emptied of connections as old as it.
    """

    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("checked_in_at")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # new, or in steady use
        try:
            engine.dialect.do_ping(dbapi_connection)  # what pool_pre_ping sends: SELECT 1, autocommit
        except Exception as exc:
            raise exc_module.DisconnectionError() from exc  # the pool replaces the connection


def get_engine(settings: dict[str, Any], prefix: str = "sqlalchemy.") -> Engine:
    url = settings[prefix + "url"]
    options: dict[str, Any] = {}
    if url.startswith("sqlite"):
        options["connect_args"] = {"timeout": 30, "check_same_thread": False}
    engine = engine_from_config(settings, prefix, **options)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    else:
        _ping_idle_connections(engine)
    return engine


#: zope.sqlalchemy's session events; those whose first argument is a context name its session.
_SESSION_EVENTS = ("after_begin", "after_attach", "after_flush", "before_commit")
_CONTEXT_EVENTS = ("after_bulk_update", "after_bulk_delete", "do_orm_execute")


def _to_transaction_events(name: str, *, via_context: bool) -> Any:
    def listener(first: Any, *args: Any) -> None:
        session = first.session if via_context else first
        events = session.info.get("transaction_events")
        if events is not None:
            getattr(events, name)(first, *args)

    return listener


def get_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; those made by :func:`get_tm_session` follow their transaction manager.

    ``zope.sqlalchemy.register`` on each request's session adds seven event listeners
    to it, about 50 µs of CPU per request. Here the listeners are added once, to the
    factory, and hand each event to the session's own ``ZopeTransactionEvents``
    (zope.sqlalchemy's, in ``session.info``); a session without one (the worker's,
    the scripts') commits itself.
    """
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    for name in _SESSION_EVENTS + _CONTEXT_EVENTS:
        event.listen(factory, name, _to_transaction_events(name, via_context=name in _CONTEXT_EVENTS))
    return factory


def get_tm_session(session_factory: sessionmaker[Session], transaction_manager: Any, request: Any = None) -> Session:
    """A session joined to ``transaction_manager``: committed or aborted with it."""
    events = zope.sqlalchemy.ZopeTransactionEvents(transaction_manager=transaction_manager)
    return session_factory(
        info={"request": request, "transaction_manager": transaction_manager, "transaction_events": events}
    )


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
