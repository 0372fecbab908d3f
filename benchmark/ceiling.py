"""The ceilings: the fastest a bare Pyramid view can answer on this stack.

``GET /text`` returns a short text; ``POST /insert`` inserts one row and commits under
``pyramid_tm``, through the module's own engine factory and session wiring (same
SQLAlchemy settings, SQLite pragmas and ``BEGIN IMMEDIATE``, zope.sqlalchemy). Served
by pserve with the module's waitress configuration (``use = call:benchmark.ceiling:main``).
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.response import Response
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, func, insert

from ecwid_systempay.models import get_engine, get_session_factory, get_tm_session

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
    return Response("OK-inserted\n", content_type="text/plain")


def main(global_config: dict[str, Any] | None, **settings: Any) -> Any:
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    engine = get_engine(settings)
    metadata.create_all(engine)
    session_factory = get_session_factory(engine)
    with Configurator(settings=settings) as config:
        config.include("pyramid_tm")
        config.add_request_method(
            lambda request: get_tm_session(session_factory, request.tm, request=request), "dbsession", reify=True
        )
        config.add_route("text", "/text")
        config.add_view(text_view, route_name="text")
        config.add_route("health", "/health")
        config.add_view(text_view, route_name="health")
        config.add_route("insert", "/insert")
        config.add_view(insert_view, route_name="insert", request_method="POST")
    return config.make_wsgi_app()
