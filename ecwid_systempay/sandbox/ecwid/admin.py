"""The simulated Ecwid admin: an app page in an iframe, handed the store context as Ecwid does.

- The demo admin (``GET /admin``) shows a loader over the app's iframe until the app
  calls ``EcwidApp.init()`` (``autoloadedflag`` false: until ``EcwidApp.ready()``), and
  resizes the iframe on ``setSize`` / ``autoheight``; the messages come from the simulated
  JS SDK by ``postMessage`` and are accepted only from that iframe and its origin
  (``static/ecwid-admin.js``). An app that never calls ``init`` is shown anyway after
  ``sandbox.app_init_timeout_seconds`` (5; ``?init_timeout=0`` waits forever, as Ecwid does)
  with a warning.
- Both of Ecwid's user-auth modes, chosen on the page and remembered in a cookie:
  "enhanced security" ``?payload=`` (AES-128-CBC with the app's client secret) and
  "default user auth", the same JSON hex-encoded in the iframe URL's fragment.
- One installed app per brand (``?app=payzen``, remembered too), and ``?app=sdk-demo``:
  a tiny app page calling the SDK (``GET /sdk-demo``), to see and test the admin's side.
- The SDK and CSS framework themselves: ``GET /sdk/js/1.3.0/ecwid-app.js`` and
  ``GET /sdk/css/1.3.19/ecwid-app-ui.css`` (our own code with the API and class names of
  Ecwid's files; development.ini points ``ecwid_systempay.ecwid_sdk_url``/``ecwid_css_url`` here).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from pyramid.path import AssetResolver
from pyramid.renderers import render_to_response
from pyramid.response import FileResponse, Response

from ...protocol.ecwid_crypto import encrypt_cbc
from .store import EcwidApp, EcwidSandbox, format_money

SDK_DEMO = "sdk-demo"
AUTH_MODES = {
    "payload": "Enhanced security: ?payload= (AES-128-CBC)",
    "fragment": "Default user auth: #hex payload in the URL fragment",
}
APP_COOKIE = "sandbox_admin_app"
AUTH_COOKIE = "sandbox_admin_auth"
STATIC = "ecwid_systempay.sandbox:static/"
SDK_FILES = {
    "sdk_js": ("ecwid-app.js", "application/javascript"),
    "sdk_css": ("ecwid-app-ui.css", "text/css"),
}


def store_context(shop: EcwidSandbox, app: EcwidApp, lang: str) -> dict[str, Any]:
    """What Ecwid hands an app page about the store (both user-auth modes carry the same JSON)."""
    return {
        "store_id": shop.store_id,
        "lang": lang,
        "access_token": app.token,
        "view_mode": "PAGE",
        "public_token": app.public_token,
    }


def app_page_url(base: str, app: EcwidApp, context: dict[str, Any], auth: str, **query: str) -> str:
    """``base`` with the store context the way ``auth`` hands it over."""
    params = {**query, "app-name": app.name}
    if auth == "fragment":
        return f"{base}?{urlencode(params)}#{json.dumps(context).encode('utf-8').hex()}"
    return f"{base}?{urlencode({'payload': encrypt_cbc(context, app.client_secret), **params})}"


def _choice(request: Any, name: str, cookie: str, allowed: list[str], default: str) -> tuple[str, bool]:
    """A switch of the page: from the query (then remembered), else the cookie, else ``default``."""
    asked = request.GET.get(name)
    if asked in allowed:
        return asked, True
    remembered = request.cookies.get(cookie)
    return (remembered if remembered in allowed else default), False


def _init_timeout(request: Any, default: str) -> int:
    value = request.GET.get("init_timeout", default)
    return max(0, min(int(value), 600)) if str(value).isascii() and str(value).isdigit() else 5


def admin(request: Any) -> Response:
    """The demo admin: the chosen app's page in an iframe, and the orders."""
    shop: EcwidSandbox = request.registry["sandbox.ecwid"]
    conf = request.registry["sandbox.ecwid.settings"]
    lang = request.GET.get("lang", "en")
    apps = list(shop.apps)
    app_choice, app_asked = _choice(request, "app", APP_COOKIE, [*apps, SDK_DEMO], shop.default_app.name)
    auth, auth_asked = _choice(request, "auth", AUTH_COOKIE, list(AUTH_MODES), "payload")
    app = shop.app(app_choice)
    context = store_context(shop, app, lang)
    if app_choice == SDK_DEMO:
        demo_query = {k: request.GET[k] for k in ("init_delay_ms", "autoheight", "autoloaded") if k in request.GET}
        src = app_page_url(f"{conf['public_url']}/ecwid/sdk-demo", app, context, auth, **demo_query)
    else:
        src = app_page_url(f"{conf['module_url']}/settings", app, context, auth)
    brand = next(b for b in request.registry["sandbox.brands"] if b.name == app.name)
    hints = {"site_id": brand.site_id, "key_test": brand.key_test}
    platform = request.registry.get("sandbox.systempay")
    if platform is not None:
        try:
            keys = platform.keys(brand.site_id)
            hints = {"site_id": keys["site_id"], "key_test": keys["key_test"]}
        except KeyError:
            pass
    orders = [{"order": o, "total": format_money(o.total, o.currency)} for o in shop.orders()]
    response = render_to_response(
        "ecwid_systempay.sandbox:templates/ecwid_admin.pt",
        {
            "title": "Demo admin",
            "src": src,
            "lang": lang,
            "orders": orders,
            "hints": hints,
            "store_id": shop.store_id,
            "apps": [(a.name, f"{a.title} settings") for a in shop.apps.values()] + [(SDK_DEMO, "SDK demo page")],
            "app_choice": app_choice,
            "app_title": app.title,
            "auth": auth,
            "auth_modes": AUTH_MODES,
            "app_origin": _origin(src),
            "init_timeout": _init_timeout(request, conf["app_init_timeout"]),
            "admin_js": request.static_url(STATIC + "ecwid-admin.js"),
        },
        request=request,
    )
    for asked, cookie, value in ((app_asked, APP_COOKIE, app_choice), (auth_asked, AUTH_COOKIE, auth)):
        if asked:
            response.set_cookie(cookie, value, max_age=365 * 24 * 3600, path="/", samesite="Lax", httponly=True)
    response.headers["Cache-Control"] = "no-store"
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def sdk_demo(request: Any) -> Response:
    """A tiny app page that calls the SDK: init after ``init_delay_ms`` (-1: never), rows to grow, setSize."""
    response = render_to_response(
        "ecwid_systempay.sandbox:templates/ecwid_sdk_demo.pt",
        {
            "sdk_js": request.route_url("sandbox.ecwid.sdk_js"),
            "sdk_css": request.route_url("sandbox.ecwid.sdk_css"),
            "demo_js": request.static_url(STATIC + "sdk-demo.js"),
            "has_query_payload": "payload" in request.GET,
        },
        request=request,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def sdk_file(request: Any) -> Response:
    """The simulated SDK script or CSS framework (any origin may load them, as from Ecwid's CDN)."""
    filename, content_type = SDK_FILES[request.matched_route.name.rsplit(".", 1)[1]]
    path = AssetResolver().resolve(STATIC + filename).abspath()
    response = FileResponse(path, request=request, content_type=content_type)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-cache"
    return response


def add_views(config: Any) -> None:
    config.add_route("sandbox.ecwid.admin", "/admin")
    config.add_route("sandbox.ecwid.sdk_demo", "/sdk-demo")
    config.add_route("sandbox.ecwid.sdk_js", "/sdk/js/1.3.0/ecwid-app.js")
    config.add_route("sandbox.ecwid.sdk_css", "/sdk/css/1.3.19/ecwid-app-ui.css")
    config.add_view(admin, route_name="sandbox.ecwid.admin", request_method="GET")
    config.add_view(sdk_demo, route_name="sandbox.ecwid.sdk_demo", request_method="GET")
    config.add_view(sdk_file, route_name="sandbox.ecwid.sdk_js", request_method="GET")
    config.add_view(sdk_file, route_name="sandbox.ecwid.sdk_css", request_method="GET")
