"""The ceilings: the fastest a bare Pyramid view can answer on this stack.

``GET /text`` returns a short text; ``POST /insert`` inserts one row and commits under
``pyramid_tm``, through the module's engine factory (same SQLAlchemy settings, SQLite
pragmas and ``BEGIN IMMEDIATE``) and the Pyramid cookiecutter's session wiring: a
``sessionmaker`` and ``zope.sqlalchemy.register`` on each request's session. Served
by pserve with the module's waitress configuration (``use = call:benchmark.ceiling:main``).
"""

from __future__ import annotations

from typing import Any

import zope.sqlalchemy
from pyramid.config import Configurator
from pyramid.response import Response
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, func, insert
from sqlalchemy.orm import sessionmaker

from ecwid_systempay.models import get_engine

metadata = MetaData()
rows = Table(
    "bench_ceiling_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime, server_default=func.now()),
    Column("body", String(255)),
)


def text_view(request: Any) -> Response:
    return Response("OK-ceiling\n", content_type="text/plain")


def insert_view(request: Any) -> Response:
    request.dbsession.execute(insert(rows).values(body=request.body[:255].decode("latin-1")))
    # A Core statement: without this, zope.sqlalchemy sees no write and rolls the transaction back.
    zope.sqlalchemy.mark_changed(request.dbsession, transaction_manager=request.tm)
    return Response("OK-inserted\n", content_type="text/plain")


def main(global_config: dict[str, Any] | None, **settings: Any) -> Any:
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    engine = get_engine(settings)
    metadata.create_all(engine)
    session_factory = sessionmaker(bind=engine)

    def dbsession(request: Any) -> Any:
        session = session_factory()
        zope.sqlalchemy.register(session, transaction_manager=request.tm)
        return session

    with Configurator(settings=settings) as config:
        config.include("pyramid_tm")
        config.add_request_method(dbsession, "dbsession", reify=True)
        config.add_route("text", "/text")
        config.add_view(text_view, route_name="text")
        config.add_route("health", "/health")
        config.add_view(text_view, route_name="health")
        config.add_route("insert", "/insert")
        config.add_view(insert_view, route_name="insert", request_method="POST")
    return config.make_wsgi_app()
