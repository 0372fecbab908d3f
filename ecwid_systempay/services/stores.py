"""Stores: created from Ecwid's verified payloads, and their decrypted gateway settings."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, Protocol

from cryptography.fernet import InvalidToken

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..models import Store
from ..protocol.form import ShopConfig
from ..protocol.languages import LANGUAGES
from ..secrets_box import SecretBox


log = logging.getLogger(__name__)


class StoreNotConfigured(Exception):
    """The store lacks a shop id or the key of its mode."""


#: Built once, with bound parameters (every checkout and notification of the settings reads a store).
_STORE = select(Store).where(Store.brand == bindparam("brand"), Store.ecwid_store_id == bindparam("ecwid_store_id"))
_STORE_FOR_UPDATE = _STORE.with_for_update()


def get_store(dbsession: Session, brand: str, ecwid_store_id: int, *, for_update: bool = False) -> Store | None:
    query = _STORE_FOR_UPDATE if for_update else _STORE
    return dbsession.scalar(query, {"brand": brand, "ecwid_store_id": int(ecwid_store_id)})


def get_or_create_store(dbsession: Session, brand: str, ecwid_store_id: int, default_language: str) -> Store:
    store = get_store(dbsession, brand, ecwid_store_id)
    if store is None:
        store = Store(brand=brand, ecwid_store_id=int(ecwid_store_id), default_language=default_language)
        dbsession.add(store)
        dbsession.flush()
    return store


class StoreSettings(Protocol):
    """What a payment form needs of a store: a :class:`Store`, or a row with these columns."""

    brand: str
    ecwid_store_id: int
    site_id: str
    key_test_enc: str | None
    key_prod_enc: str | None
    ctx_mode: str
    sign_algo: str
    default_language: str
    available_languages: str
    capture_delay: int | None
    validation_mode: str | None
    threeds_manage: bool
    threeds_max_amount: Decimal | None
    redirect_enabled: bool
    redirect_success_timeout: int
    redirect_success_message: str
    redirect_error_timeout: int
    redirect_error_message: str


def shop_config(
    store: StoreSettings, box: SecretBox, *, allow_production: bool, shop_name: str = ""
) -> ShopConfig:
    """The store's settings with its key for the current mode, or :class:`StoreNotConfigured`."""
    if not store.site_id:
        raise StoreNotConfigured("no shop id")
    if store.ctx_mode == "PRODUCTION" and not allow_production:
        raise StoreNotConfigured("production mode disabled in this deployment")
    key = readable_key(store, box, store.ctx_mode)
    if not key:
        raise StoreNotConfigured(f"no {store.ctx_mode} key")
    return ShopConfig(
        site_id=store.site_id,
        ctx_mode=store.ctx_mode,
        key=key,
        sign_algo=store.sign_algo,
        default_language=store.default_language,
        available_languages=tuple(code for code in store.available_languages.split(";") if code),
        capture_delay=store.capture_delay,
        validation_mode=store.validation_mode,
        threeds_manage=store.threeds_manage,
        threeds_max_amount=Decimal(store.threeds_max_amount) if store.threeds_max_amount is not None else None,
        redirect_enabled=store.redirect_enabled,
        redirect_success_timeout=store.redirect_success_timeout,
        redirect_success_message=store.redirect_success_message,
        redirect_error_timeout=store.redirect_error_timeout,
        redirect_error_message=store.redirect_error_message,
        shop_name=shop_name,
    )


def readable_key(store: StoreSettings, box: SecretBox, mode: str) -> str | None:
    """The store's ``mode`` key, or None when none is saved or the configured secret_keys cannot read it
    (logged as an error naming the store: the merchant must enter it again in the settings)."""
    try:
        return box.decrypt_key(store.key_prod_enc if mode == "PRODUCTION" else store.key_test_enc)
    except (InvalidToken, ValueError):
        log.error(
            "store %s:%s: its saved %s key cannot be decrypted with the configured secret_keys "
            "(wrong or retired key?); the merchant must enter it again in the settings",
            store.brand,
            store.ecwid_store_id,
            mode,
        )
        return None


class StoreKeys(Protocol):
    """A store's name and encrypted keys: a :class:`Store`, or a row holding these columns."""

    brand: str
    ecwid_store_id: int
    key_test_enc: str | None
    key_prod_enc: str | None


def key_for_mode(store: StoreKeys, box: SecretBox, mode: str, *, allow_production: bool) -> str | None:
    """The key that signs ``mode`` messages for this store (None if unusable)."""
    if mode == "PRODUCTION" and not allow_production:
        return None
    try:
        return box.decrypt_key(store.key_prod_enc if mode == "PRODUCTION" else store.key_test_enc)
    except (InvalidToken, ValueError):
        # Not "no key": the notification is answered as an error, so the gateway retries once
        # the operator has put the right secret_keys back.
        log.error("store %s:%s: its saved %s key cannot be decrypted with the configured secret_keys", store.brand, store.ecwid_store_id, mode)
        raise


def apply_settings(store: Store, values: dict[str, Any], box: SecretBox) -> None:
    """Save validated form values; an empty key field keeps the stored key."""
    for name in (
        "site_id",
        "ctx_mode",
        "sign_algo",
        "default_language",
        "capture_delay",
        "threeds_manage",
        "threeds_max_amount",
        "redirect_enabled",
        "redirect_success_timeout",
        "redirect_success_message",
        "redirect_error_timeout",
        "redirect_error_message",
    ):
        setattr(store, name, values[name])
    store.validation_mode = values["validation_mode"] or None
    chosen = set(values["available_languages"])
    store.available_languages = ";".join(code for code in LANGUAGES if code in chosen)
    if values.get("key_test"):
        store.key_test_enc = box.encrypt(values["key_test"].strip())
    if values.get("key_prod"):
        store.key_prod_enc = box.encrypt(values["key_prod"].strip())
