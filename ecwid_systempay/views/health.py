"""``GET /health``: 200 when the module can serve, 503 otherwise, with the reason.

Reasons: the database does not answer, or stores hold saved keys or Ecwid tokens
that the configured ``secret_keys`` cannot decrypt (their number; the operator log
names them). Nothing about the platform it runs on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..__about__ import __version__
from ..resources import Root
from ..services.secret_health import SecretsCheck

UNREADABLE_REASON = "saved shop keys or Ecwid tokens cannot be decrypted with the configured ecwid_systempay.secret_keys"


def health(request: Any) -> dict[str, Any]:
    try:
        with request.registry["dbsession_factory"]() as session:
            session.execute(text("SELECT 1"))
        unreadable = request.registry["secrets_check"].problems()
    except SQLAlchemyError:
        request.response.status = 503
        return {"status": "error", "database": "unreachable", "version": __version__}
    if unreadable:
        request.response.status = 503
        return {
            "status": "error",
            "database": "ok",
            "secrets": "unreadable",
            "stores_with_unreadable_secrets": len(unreadable),
            "reason": UNREADABLE_REASON,
        }
    return {"status": "ok", "database": "ok", "version": __version__}


def includeme(config: Any) -> None:
    config.registry["secrets_check"] = SecretsCheck(config.registry["dbsession_factory"], config.registry["secret_box"])
    config.add_view(health, context=Root, name="health", renderer="json", request_method=("GET", "HEAD"))
