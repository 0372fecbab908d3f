"""Stored secrets the configured Fernet keys cannot read.

A deployment started with the wrong ``ecwid_systempay.secret_keys`` (or with a key
retired before ``ecwid_systempay_rotate_keys`` ran) still serves, but the shop keys
and Ecwid tokens saved with the other key are unreadable. Nothing answers a 500 for
that: the store's checkout says the method is not available, its settings page asks
for the keys again (a saved key or a proven token is encrypted with the current key),
``/health`` answers 503 with the number of stores concerned, and the operator log
names them. Never a secret in any of these.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from cryptography.fernet import InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..models import Store
from ..secrets_box import SecretBox

log = logging.getLogger(__name__)

#: The encrypted columns of a store, and how the log calls them.
STORE_SECRETS = (("key_test_enc", "TEST key"), ("key_prod_enc", "PRODUCTION key"), ("ecwid_token_enc", "Ecwid token"))


class SecretState(enum.Enum):
    MISSING = "missing"
    SAVED = "saved"
    UNREADABLE = "unreadable"


def secret_state(box: SecretBox, encrypted: str | None) -> SecretState:
    if not encrypted:
        return SecretState.MISSING
    try:
        box.decrypt(encrypted)
    except (InvalidToken, ValueError):
        return SecretState.UNREADABLE
    return SecretState.SAVED


@dataclass(frozen=True)
class UnreadableStore:
    brand: str
    ecwid_store_id: int
    secrets: tuple[str, ...]  # e.g. ("TEST key", "Ecwid token")

    def __str__(self) -> str:
        return f"{self.brand}:{self.ecwid_store_id} ({', '.join(self.secrets)})"


def unreadable_secrets(store: Store, box: SecretBox) -> tuple[str, ...]:
    """Which of the store's secrets the configured keys cannot read."""
    return tuple(label for column, label in STORE_SECRETS if secret_state(box, getattr(store, column)) is SecretState.UNREADABLE)


def unreadable_stores(session: Session, box: SecretBox) -> list[UnreadableStore]:
    columns = [getattr(Store, column) for column, _ in STORE_SECRETS]
    query = select(Store.brand, Store.ecwid_store_id, *columns).order_by(Store.id).execution_options(yield_per=500)
    found = []
    for brand, ecwid_store_id, *values in session.execute(query):
        labels = tuple(
            label for (_, label), value in zip(STORE_SECRETS, values) if secret_state(box, value) is SecretState.UNREADABLE
        )
        if labels:
            found.append(UnreadableStore(brand, ecwid_store_id, labels))
    return found


class SecretsCheck:
    """``/health``'s view of the stored secrets.

    A clean result is kept ``max_age`` seconds (a monitor may poll every few
    seconds); while stores are unreadable every call checks again, so the answer
    turns 200 as soon as they are repaired. The stores are logged when the set changes.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        box: SecretBox,
        max_age: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session_factory = session_factory
        self.box = box
        self.max_age = max_age
        self.clock = clock
        self._lock = threading.Lock()
        self._clean_until: float | None = None
        self._logged: list[UnreadableStore] = []

    def problems(self) -> list[UnreadableStore]:
        with self._lock:
            if self._clean_until is not None and self.clock() < self._clean_until:
                return []
            with self.session_factory() as session:
                found = unreadable_stores(session, self.box)
            self._clean_until = None if found else self.clock() + self.max_age
            if found and found != self._logged:
                log.error(
                    "%d store(s) hold secrets the configured secret_keys cannot decrypt (wrong or retired key?): %s",
                    len(found),
                    "; ".join(str(store) for store in found[:50]),
                )
            self._logged = found
            return found
