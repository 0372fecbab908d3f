"""How the Ecwid admin opens the settings iframe, in both of its user-auth modes.

- Enhanced security: ``GET /settings?payload=<AES-128-CBC>&app-name=..``.
- Default user auth: ``GET /settings?app-name=..#<hex JSON>``. The fragment never
  reaches the server, so the answer is a small page whose script
  (``static/settings-shell.js``) posts the fragment back: ``POST /settings``.

Either payload only *claims* a store: its ``access_token`` is proven with Ecwid's
store profile for that ``store_id`` (:mod:`..services.token_proof`) before the
token is stored and a settings token is issued. Ecwid not answering gives a
"try again" page (503), a token that is not the store's a 403.
"""

from __future__ import annotations

import logging
from typing import Any

from pyramid.renderers import render_to_response

from ..config import Brand
from ..forms.settings import admin_lang
from ..i18n import ADMIN_DOMAIN, DOMAIN_LANGUAGES
from ..i18n.locale import accepted_language, use_locale
from ..protocol.admin_payload import AdminPayload, decode_fragment, read_admin_payload
from ..protocol.ecwid_crypto import InvalidPayload, decrypt_any
from ..resources import Root
from ..security import FORM_MAX_BYTES
from ..services.stores import get_or_create_store
from ..services.token_proof import Proof, TokenProver
from .settings import TITLE, build_form, message_page, render_page

log = logging.getLogger(__name__)

FRAGMENT_FIELD = "payload_hex"
RETRY_AFTER_SECONDS = "30"


def browser_lang(request: Any) -> str:
    """The admin's language where no payload says it: Accept-Language, French or English."""
    return accepted_language(request, DOMAIN_LANGUAGES[ADMIN_DOMAIN])


def unreadable(request: Any) -> Any:
    log.warning("settings page opened with an unreadable payload")
    return message_page(request, browser_lang(request), "bad_payload", status=400)


def open_settings(request: Any, brand: Brand, payload: AdminPayload) -> Any:
    """The form for the payload's store, once Ecwid confirmed that its token is that store's."""
    lang = admin_lang(payload.lang)
    use_locale(request, lang)
    prover: TokenProver = request.registry["token_prover"]
    proof = prover.prove(brand.name, payload.store_id, payload.access_token)
    if proof is Proof.UNAVAILABLE:
        response = message_page(request, lang, "unavailable", status=503, brand=brand)
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
        return response
    if not proof.ok:
        return message_page(request, lang, "refused", status=403, brand=brand)
    store = get_or_create_store(request.dbsession, brand.name, payload.store_id, request.app_settings.default_language)
    store.admin_lang = lang
    prover.remember(store, payload.access_token, proof)
    return render_page(request, store, build_form(request, store, lang), lang)


def shell_page(request: Any, brand: Brand) -> Any:
    """Default user auth: a page that posts the URL fragment (read in the browser) back here."""
    lang = browser_lang(request)
    use_locale(request, lang)
    action = request.resource_url(request.root, "settings", query={"app-name": brand.name})
    return render_to_response(
        "ecwid_systempay:templates/settings_shell.pt",
        {"lang": lang, "title": TITLE, "action": action, "field": FRAGMENT_FIELD, "brand": brand},
        request=request,
    )


def settings_page(request: Any) -> Any:
    """GET: Ecwid opens the iframe, with ``?payload=`` or with the payload in the fragment."""
    request.frameable = True
    try:
        brand = request.app_settings.brand(request.GET.get("app-name"))
    except KeyError:
        return unreadable(request)
    if "payload" not in request.GET:
        return shell_page(request, brand)
    try:
        payload = read_admin_payload(decrypt_any(request.GET["payload"], brand.client_secret))
    except InvalidPayload:
        return unreadable(request)
    return open_settings(request, brand, payload)


def settings_from_fragment(request: Any) -> Any:
    """POST: the shell page sends the fragment of default user auth (hex-encoded JSON)."""
    request.frameable = True
    if (request.content_length or 0) > FORM_MAX_BYTES:
        return message_page(request, browser_lang(request), "bad_payload", status=413)
    try:
        brand = request.app_settings.brand(request.GET.get("app-name"))
        payload = read_admin_payload(decode_fragment(request.POST.get(FRAGMENT_FIELD, "")))
    except (KeyError, InvalidPayload):
        return unreadable(request)
    return open_settings(request, brand, payload)


def includeme(config: Any) -> None:
    config.include("..services.token_proof")
    config.add_view(settings_page, context=Root, name="settings", request_method="GET")
    config.add_view(settings_from_fragment, context=Root, name="settings", request_method="POST")
