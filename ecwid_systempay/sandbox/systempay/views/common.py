"""What the platform's pages share: the platform of a request, template rendering, dates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response

from ..platform import SystempayPlatform
from ..texts import texts

TEMPLATES = "ecwid_systempay.sandbox:templates/"
P = "sandbox.systempay."  # route name prefix


def platform_of(request: Request) -> SystempayPlatform:
    return request.registry["sandbox.systempay"]


def render(request: Request, template: str, status: int = 200, **values: Any) -> Response:
    values.setdefault("lang", "en")
    values.setdefault("bo", False)
    values.setdefault("head_refresh", None)
    values.setdefault("site_id", None)
    values["t"] = texts(values["lang"])
    values["css_url"] = request.static_url("ecwid_systempay.sandbox:static/systempay.css")
    values["js_url"] = request.static_url("ecwid_systempay.sandbox:static/systempay.js")
    values["route"] = lambda name, **kw: request.route_url(P + name, **kw)
    response = render_to_response(TEMPLATES + template, values, request=request)
    response.status_int = status
    response.headers["Cache-Control"] = "no-store"
    return response


def fmt_date(moment: datetime | None) -> str:
    return moment.strftime("%d/%m/%Y %H:%M:%S") if moment else ""

