"""The payment history page, inside the admin iframe next to the settings.

It is reached from the settings page by a form carrying the store's sealed
settings token (third-party cookies are blocked in the iframe), and every step
from there (pages, search, sending a dead letter again, back to the settings)
is a POST form carrying a fresh token, so the token never appears in a URL.
``GET`` also works with the ``X-Settings-Token`` header (for ``fetch``). Only
the token's own store is shown: ``manage`` permission on its ``StoreResource``.
The page is in the language of the settings page it came from (kept in the token).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from typing import Any

from pyramid.renderers import render_to_response

from ..forms.settings import admin_lang
from ..i18n.locale import use_locale
from ..models import Store
from ..resources import MANAGE, StoreResource
from ..security import TOKEN_FIELD, issue_settings_token
from ..services.history import payment_history, resend_dead_letter
from . import history_texts as texts
from .settings import build_form, render_page

log = logging.getLogger(__name__)

MAX_PAGE = 100_000
RESEND_STATUS = {"queued": 200, "not_found": 404, "not_dead": 409, "superseded": 409}


@dataclass(frozen=True)
class HistoryLink:
    """What the settings page needs for its "Payment history" button."""

    url: str
    token_field: str
    token: str
    label: Any  # a message id, translated by the template


def store_url(request: Any, store: Store, name: str) -> str:
    return request.resource_url(request.root, "stores", str(store.ecwid_store_id), name, query={"app-name": store.brand})


def history_link(request: Any, store: Store) -> HistoryLink:
    """``request.history_link(store)``: the history's URL, a fresh token for the store (in the
    settings page's language), the button's label."""
    token = issue_settings_token(request, store.brand, store.ecwid_store_id, admin_lang(request.locale_name))
    return HistoryLink(store_url(request, store, "history"), TOKEN_FIELD, token, texts.TITLE)


def page_lang(request: Any, store: Store) -> str:
    """The language of the page the admin opened (kept in the token), else the store's last one."""
    return admin_lang((request.identity or {}).get("l") or store.admin_lang)


def read_page(value: Any) -> int:
    try:
        page = int(str(value))
    except (TypeError, ValueError):
        return 1
    return page if 1 <= page <= MAX_PAGE else 1


def iso(moment: datetime) -> str:
    """For the ``datetime`` attribute: UTC, ISO 8601."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def shown(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def render_history(
    request: Any, store: Store, *, page: int, search: str, flash: tuple[str, Any] | None = None, status: int = 200
) -> Any:
    request.frameable = True
    lang = page_lang(request, store)
    use_locale(request, lang)
    history = payment_history(request.dbsession, store.id, page=page, search=search)
    response = render_to_response(
        "ecwid_systempay:templates/history.pt",
        {
            "lang": lang,
            "brand": request.app_settings.brand(store.brand),
            "title": texts.TITLE,
            "history": history,
            "flash": flash,
            "token_field": TOKEN_FIELD,
            "token": issue_settings_token(request, store.brand, store.ecwid_store_id, lang),
            "history_url": store_url(request, store, "history"),
            "resend_url": store_url(request, store, "history-resend"),
            "settings_url": store_url(request, store, "settings-form"),
            "order_status": partial(texts.label, texts.ORDER_STATUSES),
            "attempt_status": partial(texts.label, texts.ATTEMPT_STATUSES),
            "update_state": partial(texts.label, texts.UPDATE_STATES),
            "outcome": partial(texts.label, texts.OUTCOMES),
            "return_kept": texts.RETURN_KEPT,
            "iso": iso,
            "shown": shown,
        },
        request=request,
    )
    response.status = status
    return response


def show_history(context: StoreResource, request: Any) -> Any:
    params = request.POST if request.method == "POST" else request.GET
    return render_history(request, context.store, page=read_page(params.get("page")), search=params.get("q", ""))


def resend_update(context: StoreResource, request: Any) -> Any:
    """POST: send one of the store's dead letters again (``replay_dead`` limited to the store)."""
    store = context.store
    page, search = read_page(request.POST.get("page")), request.POST.get("q", "")
    try:
        update_id = int(request.POST.get("update_id", ""))
    except ValueError:
        flash = ("error", texts.FLASH["bad_request"])
        return render_history(request, store, page=page, search=search, flash=flash, status=400)
    result = resend_dead_letter(request.dbsession, store.id, update_id)
    log.info("store %s (%s): resend of update %s from the history: %s", store.ecwid_store_id, store.brand, update_id, result)
    flash = ("ok" if result == "queued" else "error", texts.FLASH[result])
    return render_history(request, store, page=page, search=search, flash=flash, status=RESEND_STATUS[result])


def back_to_settings(context: StoreResource, request: Any) -> Any:
    """POST: the settings form again, for the token's store (the admin's payload is not needed)."""
    store = context.store
    lang = page_lang(request, store)
    return render_page(request, store, build_form(request, store, lang), lang)


def includeme(config: Any) -> None:
    config.add_request_method(history_link, "history_link")
    config.add_view(show_history, context=StoreResource, name="history", request_method=("GET", "POST"), permission=MANAGE)
    config.add_view(resend_update, context=StoreResource, name="history-resend", request_method="POST", permission=MANAGE)
    config.add_view(back_to_settings, context=StoreResource, name="settings-form", request_method="POST", permission=MANAGE)
