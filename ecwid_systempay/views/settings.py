"""The settings page shown in the Ecwid admin iframe.

``GET /settings?payload=...`` decrypts Ecwid's payload (CBC, or GCM), records the
store and its token, and renders the form. The form posts to the store's own
resource, ``/stores/{store_id}/settings``, carrying a sealed store-bound token
(third-party cookies are blocked in the iframe). Only that token grants the
``manage`` permission on the store.
"""

from __future__ import annotations

import logging
from typing import Any

import colander
import deform
from importlib.resources import files
from pyramid.renderers import render_to_response

from ..forms.settings import NOTIFICATION_HELP, admin_lang, appstruct_from_store, make_form, settings_schema
from ..models.meta import utcnow
from ..protocol.ecwid_crypto import InvalidPayload, decrypt_any
from ..resources import MANAGE, Root, StoreResource
from ..security import TOKEN_FIELD, issue_settings_token
from ..services.reconcile import unnotified_attempts
from ..services.stores import apply_settings, get_or_create_store

log = logging.getLogger(__name__)

PAGE_TEXT = {
    "fr": {
        "title": "Paramètres du module de paiement",
        "saved": "Paramètres enregistrés.",
        "errors": "Le formulaire contient des erreurs : corrigez les champs signalés.",
        "mode": "Mode actuel",
        "notification_url": "URL de notification",
        "ipn_failure": "Attention : un paiement a été confirmé par le retour de l'acheteur car l'URL de notification n'a pas été appelée. Vérifiez les règles de notification de votre Back Office Marchand.",
        "unnotified": "Paiements sans notification de la plateforme (à vérifier dans le Back Office Marchand)",
        "bad_payload": "Impossible de lire les informations de la boutique. Rouvrez cette page depuis l'administration.",
        "key_set": "Clé enregistrée",
        "key_missing": "Aucune clé enregistrée",
        "key_hidden": "masquée depuis le premier paiement en production",
        "production_disabled": "Ce déploiement n'accepte que le mode TEST.",
    },
    "en": {
        "title": "Payment module settings",
        "saved": "Settings saved.",
        "errors": "The form has errors: please correct the highlighted fields.",
        "mode": "Current mode",
        "notification_url": "Notification URL",
        "ipn_failure": "Warning: a payment was confirmed from the buyer's return because the notification URL was not called. Check the notification rules in your Merchant Back Office.",
        "unnotified": "Payments without a notification from the platform (check them in the Merchant Back Office)",
        "bad_payload": "The store information could not be read. Please reopen this page from the admin.",
        "key_set": "Key saved",
        "key_missing": "No key saved",
        "key_hidden": "hidden since the first production payment",
        "production_disabled": "This deployment only accepts TEST mode.",
    },
}


def deform_renderer(request: Any) -> Any:
    """Deform's templates with colander/deform messages in the admin's language (cached per language)."""
    lang = request.locale_name
    cache = request.registry.setdefault("deform_renderers", {})
    if lang not in cache:
        localizer = request.localizer

        def translator(term: Any) -> str:
            return localizer.translate(term)

        cache[lang] = deform.ZPTRendererFactory((str(files("deform") / "templates"),), translator=translator)
    return cache[lang]


def notification_url(request: Any, brand: str) -> str:
    return request.app_settings.url(f"callback?app-name={brand}")


def render_page(
    request: Any, store: Any, form: deform.Form, lang: str, *, rendered: str | None = None, status: str | None = None
) -> Any:
    lang = admin_lang(lang)
    request.frameable = True
    text = PAGE_TEXT[lang]
    appstruct = appstruct_from_store(store)
    appstruct[TOKEN_FIELD] = form.settings_token
    html = rendered if rendered is not None else form.render(appstruct)
    pending = unnotified_attempts(
        request.dbsession, utcnow(), request.app_settings.reconcile_after_seconds, store_id=store.id, limit=20
    )
    response = render_to_response(
        "ecwid_systempay:templates/settings.pt",
        {
            "lang": lang,
            "t": text,
            "form": html,
            "status": status,
            "store": store,
            "brand": request.app_settings.brand(store.brand),
            "notification_url": notification_url(request, store.brand),
            "notification_help": NOTIFICATION_HELP[lang],
            "allow_production": request.app_settings.allow_production,
            "unnotified": pending,
        },
        request=request,
    )
    if status == "errors":
        response.status = 400
    return response


def build_form(request: Any, store: Any, lang: str) -> deform.Form:
    schema = settings_schema(
        lang,
        allow_production=request.app_settings.allow_production,
        has_key_test=bool(store.key_test_enc),
        has_key_prod=bool(store.key_prod_enc),
    )
    schema.add(colander.SchemaNode(colander.String(), name=TOKEN_FIELD, widget=deform.widget.HiddenWidget(), missing=""))
    token = issue_settings_token(request, store.brand, store.ecwid_store_id)
    action = request.resource_url(request.root, "stores", str(store.ecwid_store_id), "settings", query={"app-name": store.brand})
    return make_form(schema, action, lang, token, renderer=deform_renderer(request))


def settings_page(request: Any) -> Any:
    """GET: Ecwid opens the iframe with its encrypted payload."""
    request.frameable = True
    try:
        brand = request.app_settings.brand(request.GET.get("app-name"))
        payload = decrypt_any(request.GET.get("payload", ""), brand.client_secret)
        store_id = int(payload["store_id"])
    except (KeyError, ValueError, TypeError, InvalidPayload):
        log.warning("settings page opened with an unreadable payload")
        lang = admin_lang(request.accept_language.lookup(["fr", "en"], default="en"))
        response = render_to_response(
            "ecwid_systempay:templates/message.pt",
            {"lang": lang, "title": PAGE_TEXT[lang]["title"], "text": PAGE_TEXT[lang]["bad_payload"], "back_url": None, "back_label": ""},
            request=request,
        )
        response.status = 400
        return response
    lang = admin_lang(str(payload.get("lang") or ""))
    request._LOCALE_ = lang
    store = get_or_create_store(request.dbsession, brand.name, store_id, request.app_settings.default_language)
    store.admin_lang = lang
    token = payload.get("access_token")
    if isinstance(token, str) and token and request.secret_box.decrypt(store.ecwid_token_enc) != token:
        store.ecwid_token_enc = request.secret_box.encrypt(token)
    return render_page(request, store, build_form(request, store, lang), lang)


def save_settings(context: StoreResource, request: Any) -> Any:
    """POST: validate and save; errors are shown next to their fields."""
    store = context.store
    lang = admin_lang(store.admin_lang)
    request._LOCALE_ = lang
    form = build_form(request, store, lang)
    try:
        values = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return render_page(request, store, form, lang, rendered=failure.render(), status="errors")
    apply_settings(store, values, request.secret_box)
    log.info("settings saved for store %s (%s, mode %s)", store.ecwid_store_id, store.brand, store.ctx_mode)
    return render_page(request, store, build_form(request, store, lang), lang, status="saved")


def includeme(config: Any) -> None:
    config.add_translation_dirs("colander:locale/", "deform:locale/")
    config.add_view(settings_page, context=Root, name="settings", request_method="GET")
    config.add_view(save_settings, context=StoreResource, name="settings", request_method="POST", permission=MANAGE)
