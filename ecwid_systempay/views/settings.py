"""The settings form shown in the Ecwid admin iframe.

How the admin opens it (Ecwid's payload, proven with Ecwid) is in
:mod:`.settings_entry`. The form posts to the store's own resource,
``/stores/{store_id}/settings``, carrying a sealed store-bound token (third-party
cookies are blocked in the iframe). Only that token grants the ``manage``
permission on the store.

Texts are message ids of the admin domain, in the admin's language (the
payload's ``lang``, kept as ``stores.admin_lang``): the page's own in
``templates/settings.pt`` (``i18n:translate``), the form's in :mod:`..forms.settings`,
rendered by Deform with the renderer of that language so that Colander's and
Deform's messages ("Required", "There was a problem with your submission") follow.
"""

from __future__ import annotations

import logging
from functools import partial
from importlib.resources import files
from typing import Any

import colander
import deform
from pyramid.interfaces import ILocalizer
from pyramid.renderers import render_to_response

from ..config import Brand
from ..forms.sections import layout
from ..forms.settings import NOTIFICATION_HELP, admin_lang, appstruct_from_store, make_form, settings_schema
from ..i18n import ADMIN_DOMAIN, DOMAIN_LANGUAGES
from ..i18n import admin_message as _
from ..i18n.locale import use_locale
from ..resources import MANAGE, StoreResource
from ..security import TOKEN_FIELD, issue_settings_token
from ..services.secret_health import SecretState, secret_state
from ..services.stores import apply_settings
from .settings_facts import settings_facts

log = logging.getLogger(__name__)

TITLE = _("Payment module settings")
MESSAGES = {
    "bad_payload": _("The store information could not be read. Please reopen this page from the admin."),
    "refused": _("This page cannot be opened for this store. Please reopen the module's settings from your store's admin."),
    "unavailable": _("Your store could not be verified: the service is not answering right now. Please try again in a few moments by reopening this page."),
}


def deform_renderers(registry: Any) -> dict[str, deform.ZPTRendererFactory]:
    """One Deform renderer per admin language, translating with that language's localizer.

    The localizers are the ones built at start-up (``i18n.locale.prepare_localizers``),
    looked up when a term is translated: nothing of one request is kept for another.
    """
    # Our templates for the widgets the form uses (the admin CSS framework's classes) first.
    search_path = (str(files("ecwid_systempay") / "templates" / "deform"), str(files("deform") / "templates"))

    def renderer(lang: str) -> deform.ZPTRendererFactory:
        def translate(term: Any) -> str:
            return registry.getUtility(ILocalizer, name=lang).translate(term)

        return deform.ZPTRendererFactory(search_path, translator=translate)

    return {lang: renderer(lang) for lang in DOMAIN_LANGUAGES[ADMIN_DOMAIN]}


def notification_url(request: Any, brand: str) -> str:
    return request.app_settings.url(f"callback?app-name={brand}")


def request_brand(request: Any) -> Brand | None:
    """The brand named by the request's ``app-name`` (the default one without), None if unknown."""
    try:
        return request.app_settings.brand(request.GET.get("app-name"))
    except KeyError:
        return None


def admin_message_page(
    request: Any, lang: str, title: Any, text: Any, *, status: int, brand: Brand | None = None, level: str = "error"
) -> Any:
    """A one-message page of the admin iframe (the shared admin layout), in the admin's language."""
    localizer = use_locale(request, admin_lang(lang))
    request.frameable = True
    response = render_to_response(
        "ecwid_systempay:templates/admin_message.pt",
        {
            "lang": localizer.locale_name,
            "title": localizer.translate(title),
            "text": localizer.translate(text),
            "brand": brand or request_brand(request),
            "level": level,
        },
        request=request,
    )
    response.status = status
    return response


def message_page(request: Any, lang: str, key: str, *, status: int, brand: Brand | None = None) -> Any:
    """A one-message page of the settings iframe, in the admin's language."""
    level = "warning" if key == "unavailable" else "error"
    return admin_message_page(request, lang, TITLE, MESSAGES[key], status=status, brand=brand, level=level)


def render_page(
    request: Any, store: Any, form: deform.Form, lang: str, *, rendered: str | None = None, status: str | None = None
) -> Any:
    lang = admin_lang(lang)
    use_locale(request, lang)
    request.frameable = True
    appstruct = appstruct_from_store(store)
    appstruct[TOKEN_FIELD] = form.settings_token
    html = rendered if rendered is not None else form.render(appstruct)
    keys = key_states(request, store)
    response = render_to_response(
        "ecwid_systempay:templates/settings.pt",
        {
            "lang": lang,
            "title": TITLE,
            "form": html,
            "status": status,
            "store": store,
            "brand": request.app_settings.brand(store.brand),
            "notification_url": notification_url(request, store.brand),
            "notification_help": NOTIFICATION_HELP,
            "allow_production": request.app_settings.allow_production,
            **settings_facts(request, store),
            "key_states": keys,
            "keys_unreadable": SecretState.UNREADABLE in keys.values(),
        },
        request=request,
    )
    if status == "errors":
        response.status = 400
    return response


def key_states(request: Any, store: Any) -> dict[str, SecretState]:
    """Each mode's key: saved, missing, or unreadable with the configured secret_keys (logged, naming the store)."""
    states = {
        "TEST": secret_state(request.secret_box, store.key_test_enc),
        "PRODUCTION": secret_state(request.secret_box, store.key_prod_enc),
    }
    unreadable = [mode for mode, state in states.items() if state is SecretState.UNREADABLE]
    if unreadable:
        log.error(
            "store %s:%s: saved %s key(s) cannot be decrypted with the configured secret_keys; "
            "the settings page asks the merchant to enter them again",
            store.brand,
            store.ecwid_store_id,
            " and ".join(unreadable),
        )
    return states


def build_form(request: Any, store: Any, lang: str, issued_at: int | None = None) -> deform.Form:
    """The form with a fresh settings token, or one dated ``issued_at`` (the first token's).

    An unreadable saved key counts as none: the field asks for it, PRODUCTION needs it again.
    """
    box = request.secret_box
    schema = settings_schema(
        allow_production=request.app_settings.allow_production,
        has_key_test=secret_state(box, store.key_test_enc) is SecretState.SAVED,
        has_key_prod=secret_state(box, store.key_prod_enc) is SecretState.SAVED,
    )
    schema.add(colander.SchemaNode(colander.String(), name=TOKEN_FIELD, widget=deform.widget.HiddenWidget(), missing=""))
    token = issue_settings_token(request, store.brand, store.ecwid_store_id, admin_lang(lang), issued_at)
    action = request.resource_url(request.root, "stores", str(store.ecwid_store_id), "settings", query={"app-name": store.brand})
    renderer = request.registry["deform_renderers"][admin_lang(lang)]
    form = make_form(schema, action, token, renderer=renderer)
    form.layout = partial(layout, form)  # the seed's sections (templates/deform/form.pt)
    return form


def save_settings(context: StoreResource, request: Any) -> Any:
    """POST: validate and save; errors are shown next to their fields."""
    store = context.store
    # The language of the page this admin opened (another admin of the store may use another one).
    identity = request.identity or {}
    lang = admin_lang(identity.get("l") or store.admin_lang)
    use_locale(request, lang)
    issued_at = identity.get("iat")
    form = build_form(request, store, lang, issued_at)
    try:
        values = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return render_page(request, store, form, lang, rendered=failure.render(), status="errors")
    apply_settings(store, values, request.secret_box)
    log.info("settings saved for store %s (%s, mode %s)", store.ecwid_store_id, store.brand, store.ctx_mode)
    return render_page(request, store, build_form(request, store, lang, issued_at), lang, status="saved")


def includeme(config: Any) -> None:
    config.registry["deform_renderers"] = deform_renderers(config.registry)
    config.add_view(save_settings, context=StoreResource, name="settings", request_method="POST", permission=MANAGE)
