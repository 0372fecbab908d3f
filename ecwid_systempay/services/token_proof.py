"""Proof that an Ecwid access token belongs to the store a settings payload names.

Neither form of the settings payload is authenticated: the CBC ``?payload=`` can be
bit-flipped (the IV rewrites ``store_id`` in the first block) and the default-auth
fragment is plain JSON. So the store id is trusted only once Ecwid's store profile,
read with the payload's own token, names that same store.

A positive answer is remembered on the store row (the encrypted token and
``ecwid_token_proven_at``) for ``max_age`` seconds: every process of a deployment
shares it, a different token is always proven again, and a revoked token stops
working after ``max_age`` at the latest.
"""

from __future__ import annotations

import enum
import hmac
import logging
from datetime import datetime, timedelta
from typing import Any, Callable

from cryptography.fernet import InvalidToken
from sqlalchemy.orm import Session, sessionmaker

from ..models import Store
from ..models.meta import utcnow
from ..secrets_box import SecretBox
from .ecwid_client import ProfileReader
from .stores import get_store

log = logging.getLogger(__name__)

#: Ecwid tokens are short ASCII strings (``secret_...``); anything else is not worth a call.
MAX_TOKEN_LENGTH = 512


class Proof(enum.Enum):
    CONFIRMED = "confirmed"  # Ecwid's store profile, just now
    REMEMBERED = "remembered"  # the same token was confirmed less than max_age ago
    REFUSED = "refused"  # Ecwid says this token is not this store's (401/403/404, another store)
    UNAVAILABLE = "unavailable"  # Ecwid could not answer (5xx, 429, timeout): try again later

    @property
    def ok(self) -> bool:
        return self in (Proof.CONFIRMED, Proof.REMEMBERED)


def stored_token_matches(store: Store | None, token: str, box: SecretBox) -> bool:
    """Whether ``store`` holds exactly ``token`` (constant-time; an unreadable secret never matches)."""
    if store is None or not store.ecwid_token_enc:
        return False
    try:
        saved = box.decrypt(store.ecwid_token_enc) or ""
    except (InvalidToken, ValueError):
        return False
    return hmac.compare_digest(saved.encode("utf-8"), token.encode("utf-8"))


def recently_proven(store: Store | None, token: str, box: SecretBox, now: datetime, max_age: int) -> bool:
    if store is None or store.ecwid_token_proven_at is None:
        return False
    age = now - store.ecwid_token_proven_at
    return timedelta(0) <= age <= timedelta(seconds=max_age) and stored_token_matches(store, token, box)


class TokenProver:
    """Asks Ecwid (or the shared cache) whether a token is the named store's."""

    def __init__(
        self,
        reader: ProfileReader,
        session_factory: sessionmaker[Session],
        box: SecretBox,
        max_age: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.reader = reader
        self.session_factory = session_factory
        self.box = box
        self.max_age = max_age
        self.clock = clock

    def prove(self, brand: str, ecwid_store_id: int, token: str) -> Proof:
        """Call this before any write of the request: it may wait for Ecwid."""
        if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii() or not token.isprintable():
            return Proof.REFUSED
        if self.max_age > 0:
            # Own short transaction: no database lock is held while Ecwid answers.
            with self.session_factory() as session:
                store = get_store(session, brand, ecwid_store_id)
                if recently_proven(store, token, self.box, self.clock(), self.max_age):
                    return Proof.REMEMBERED
        answer = self.reader.get_store_profile(ecwid_store_id, token)
        if answer.ok and answer.store_id == int(ecwid_store_id):
            return Proof.CONFIRMED
        if answer.ok:
            log.warning("settings payload for store %s carried the token of store %s", ecwid_store_id, answer.store_id)
            return Proof.REFUSED
        if answer.retryable:
            log.warning("store %s: token could not be checked (%s)", ecwid_store_id, answer.error)
            return Proof.UNAVAILABLE
        log.warning("store %s: token refused by the store profile (%s)", ecwid_store_id, answer.error)
        return Proof.REFUSED

    def remember(self, store: Store, token: str, proof: Proof) -> None:
        """After a proof: keep the token (encrypted) and when Ecwid confirmed it, in the request's transaction.

        A remembered proof does not move the date: the token is asked again after ``max_age``.
        """
        if not proof.ok:
            raise ValueError("only a proven token is stored")
        if not stored_token_matches(store, token, self.box):
            store.ecwid_token_enc = self.box.encrypt(token)
        if proof is Proof.CONFIRMED:
            store.ecwid_token_proven_at = self.clock()


def includeme(config: Any) -> None:
    from .ecwid_client import EcwidClient

    registry = config.registry
    settings = registry["app_settings"]
    reader = registry.get("ecwid_profile_reader") or EcwidClient(settings.ecwid_api_url, min(settings.ecwid_timeout, 10.0))
    registry["token_prover"] = TokenProver(
        reader, registry["dbsession_factory"], registry["secret_box"], settings.token_proof_max_age
    )
