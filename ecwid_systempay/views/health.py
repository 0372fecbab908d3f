"""``GET /health``: 200 when the database answers, 503 otherwise."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..__about__ import __version__
from ..resources import Root


def health(request: Any) -> dict[str, Any]:
    try:
        with request.registry["dbsession_factory"]() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        request.response.status = 503
        return {"status": "error", "database": "unreachable", "version": __version__}
    return {"status": "ok", "database": "ok", "version": __version__}


def includeme(config: Any) -> None:
    config.add_view(health, context=Root, name="health", renderer="json", request_method=("GET", "HEAD"))
