"""The settings form shown in the Ecwid admin iframe.

How the admin opens it (Ecwid's payload, proven with Ecwid) is in
:mod:`.settings_entry`. The form posts to the store's own resource,
``/stores/{store_id}/settings``, carrying a sealed store-bound token (third-party
cookies are blocked in the iframe). Only that token grants the ``manage``
permission on the store.
"""

from __future__ import annotations

import logging
from typing import Any

import colander
import deform
from importlib.resources import files
from pyramid.renderers import render_to_response

from ..forms.settings import NOTIFICATION_HELP, admin_lang, appstruct_from_store, make_form, settings_schema
from ..i18n.locale import use_locale
from ..models.meta import utcnow
from ..resources import MANAGE, StoreResource
from ..security import TOKEN_FIELD, issue_settings_token
from ..services.reconcile import unnotified_attempts
from ..services.stores import apply_settings

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
        "refused": "Cette page ne peut pas être ouverte pour cette boutique. Rouvrez les paramètres du module depuis l'administration de votre boutique.",
        "unavailable": "Votre boutique n'a pas pu être vérifiée : le service ne répond pas pour le moment. Réessayez dans quelques instants en rouvrant cette page.",
        "loading": "Chargement des paramètres…",
        "needs_js": "Activez JavaScript pour afficher les paramètres du module.",
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
        "refused": "This page cannot be opened for this store. Please reopen the module's settings from your store's admin.",
        "unavailable": "Your store could not be verified: the service is not answering right now. Please try again in a few moments by reopening this page.",
        "loading": "Loading the settings…",
        "needs_js": "Please enable JavaScript to show the module's settings.",
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


def message_page(request: Any, lang: str, key: str, *, status: int) -> Any:
    """A one-message page of the settings iframe, in the admin's language."""
    lang = admin_lang(lang)
    request.frameable = True
    text = PAGE_TEXT[lang]
    response = render_to_response(
        "ecwid_systempay:templates/message.pt",
        {"lang": lang, "title": text["title"], "text": text[key], "back_url": None, "back_label": ""},
        request=request,
    )
    response.status = status
    return response


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


def save_settings(context: StoreResource, request: Any) -> Any:
    """POST: validate and save; errors are shown next to their fields."""
    store = context.store
    lang = admin_lang(store.admin_lang)
    use_locale(request, lang)
    form = build_form(request, store, lang)
    try:
        values = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return render_page(request, store, form, lang, rendered=failure.render(), status="errors")
    apply_settings(store, values, request.secret_box)
    log.info("settings saved for store %s (%s, mode %s)", store.ecwid_store_id, store.brand, store.ctx_mode)
    return render_page(request, store, build_form(request, store, lang), lang, status="saved")


def includeme(config: Any) -> None:
    config.add_view(save_settings, context=StoreResource, name="settings", request_method="POST", permission=MANAGE)
