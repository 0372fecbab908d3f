"""The page that takes the buyer to the payment page: the signed form, posted by a script.

Every checkout answers it, so it is not rendered by Chameleon each time. The page
around the form (layout, title, button, script) depends only on the language, the
gateway's URL and the static URLs: it is rendered from ``redirect.pt`` once per such
combination, with a marker where the hidden fields go, and kept as the text before
and after the marker. Each checkout then writes only its fields, escaped as Chameleon
escapes attribute values. A page that drew a CSP nonce is never kept (its nonce must
be new on every answer).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyramid.renderers import render
from pyramid.response import Response

TEMPLATE = "ecwid_systempay:templates/redirect.pt"
FIELDS_MARKER = "<!--payment-form-fields-->"
#: Shells kept per process; beyond that a page is rendered every time (a bound for odd Host values).
MAX_SHELLS = 256

_shells: dict[tuple[str, ...], tuple[str, str]] = {}


def attribute(value: str) -> str:
    """An attribute value as Chameleon writes it (``&``, ``<``, ``>`` and ``"`` escaped)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def hidden_inputs(fields: Mapping[str, str]) -> str:
    return "".join(
        f'<input type="hidden" name="{attribute(name)}" value="{attribute(value)}">' for name, value in sorted(fields.items())
    )


def _shell(request: Any, values: dict[str, Any]) -> tuple[str, str]:
    key = (
        values["lang"],
        values["action"],
        values["title"],
        values["button"],
        request.static_url("ecwid_systempay:static/app.css"),
        request.static_url("ecwid_systempay:static/autosubmit.js"),
    )
    shell = _shells.get(key)
    if shell is None:
        html = render(TEMPLATE, {**values, "fields_html": FIELDS_MARKER}, request=request)
        before, marker, after = html.partition(FIELDS_MARKER)
        assert marker, "redirect.pt lost its fields' slot"
        shell = (before, after)
        if "csp_nonce" not in request.__dict__ and len(_shells) < MAX_SHELLS:
            _shells[key] = shell
    return shell


def redirect_response(request: Any, *, lang: str, action: str, fields: Mapping[str, str], title: str, button: str) -> Response:
    """The HTML answer of a checkout: ``fields`` posted to ``action`` in the buyer's language."""
    before, after = _shell(request, {"lang": lang, "action": action, "title": title, "button": button})
    return Response(before + hidden_inputs(fields) + after, content_type="text/html", charset="utf-8")
