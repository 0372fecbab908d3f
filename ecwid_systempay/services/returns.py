"""The buyer's return from the payment page.

Two steps, so that nothing the gateway sent ever travels further than the
request that brought it (see ``views/returns.py``):

1. :meth:`ReturnHandler.receive` takes the return data the gateway posted (or
   put in the query string of an old form): while the payment has no
   notification it is verified and stored, like a notification, with only the
   fields :meth:`Notification.storable_fields` keeps. The browser then goes to a
   clean URL naming the payment only.
2. :meth:`ReturnHandler.handle` decides, from the database alone, where that
   clean URL leads: the ``returnUrl`` Ecwid gave us (never a URL from the
   browser), once the Ecwid order is up to date (the queued update is delivered
   right here when the worker has not done it yet). Until the notification
   arrives a "payment being confirmed" page checks again; the wait is counted in
   time from the buyer's first return. When no notification came in time, a
   stored signed success completes the payment and marks the store's
   notification URL as not working (seed section 3).

This service opens its own short transactions: it must not hold one while it
calls Ecwid.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ..config import AppSettings
from ..models import PaymentAttempt, Store, StoredNotification, UpdateState
from ..models.meta import utcnow
from ..protocol.notification import Notification
from ..protocol.statuses import AttemptStatus
from ..secrets_box import SecretBox
from .ipn import apply_notification, is_success, verify_and_store
from .updates import UpdateWorker, latest_update

log = logging.getLogger(__name__)

CANCELLED_STATUSES = ("ABANDONED", "NOT_CREATED")
REJECTIONS = ("mode_mismatch", "site_mismatch", "amount_error", "currency_error", "store_mismatch")


@dataclass(frozen=True)
class ReturnDecision:
    """What to do with the buyer; ``error`` names the buyer message for ``errorMsg``."""

    kind: str  # "redirect", "wait" or "not_found"
    url: str | None = None  # Ecwid's stored returnUrl
    lang: str = "en"
    error: str | None = None  # a key of protocol.messages


@dataclass(frozen=True)
class StoredReturn:
    """A verified return, as stored: enough to apply it, nothing the browser still has to carry."""

    notification_id: int
    note: Notification
    outcome: str | None

    @property
    def cancelled(self) -> bool:
        return self.note.trans_status in CANCELLED_STATUSES


def with_error(return_url: str, text: str | None) -> str:
    if not text:
        return return_url
    separator = "&" if "?" in return_url else "?"
    return f"{return_url}{separator}{urlencode({'errorMsg': text})}"


def error_key(payment_status: str | None, gateway_status: str | None) -> str | None:
    """The buyer message for the checkout page, None when the payment went through."""
    if payment_status in ("PAID", "AWAITING_PAYMENT", "REFUNDED", "PARTIALLY_REFUNDED"):
        return None
    if gateway_status in CANCELLED_STATUSES:
        return "cancelled"
    if gateway_status == "REFUSED":
        return "refused"
    return "failed"


def latest_return(session: Session, attempt_id: int) -> StoredReturn | None:
    """The last verified return stored for the attempt, rebuilt as a notification."""
    stored = session.scalar(
        select(StoredNotification)
        .where(StoredNotification.attempt_id == attempt_id, StoredNotification.kind == "RETURN")
        .order_by(StoredNotification.id.desc())
        .limit(1)
    )
    if stored is None:
        return None
    fields = {k: v for k, v in stored.fields.items() if k.startswith("vads_")}
    return StoredReturn(stored.id, Notification(fields=fields, signature="", extras={}), stored.outcome)


def describes(note: Notification, snap: dict[str, Any]) -> bool:
    """True if the return data names the attempt it was posted for (shop, UTC day, trans id)."""
    named = (note.site_id, note.trans_day, note.trans_id.upper())
    return named == (snap["site_id"], snap["trans_day"], snap["trans_id"])


class ReturnHandler:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        worker: UpdateWorker,
        box: SecretBox,
        app_settings: AppSettings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.session_factory = session_factory
        self.worker = worker
        self.box = box
        self.settings = app_settings
        self.clock = clock

    @property
    def patience(self) -> timedelta:
        """How long the buyer waits for the notification before a stored return is used."""
        return timedelta(seconds=self.settings.return_wait_checks * self.settings.return_check_seconds)

    def _snapshot(self, public_id: str) -> dict[str, Any] | None:
        with self.session_factory() as session, session.begin():
            attempt = session.scalar(select(PaymentAttempt).where(PaymentAttempt.public_id == public_id))
            if attempt is None:
                return None
            job = latest_update(session, attempt.store_id, attempt.reference_transaction_id)
            return {
                "id": attempt.id,
                "status": attempt.status,
                "gateway_status": attempt.gateway_status,
                "notified": attempt.notified_at is not None,
                "returned_at": attempt.returned_at,
                "lang": attempt.lang,
                "return_url": attempt.return_url,
                "store_id": attempt.store_id,
                "brand": attempt.store.brand,
                "reference": attempt.reference_transaction_id,
                "site_id": attempt.site_id,
                "trans_id": attempt.trans_id,
                "trans_day": attempt.trans_day,
                "job_state": job.state if job else None,
                "job_status": job.payment_status if job else None,
                "stored_return": latest_return(session, attempt.id),
            }

    def _returned_at(self, snap: dict[str, Any]) -> datetime:
        """When the buyer first came back, recorded now if this is the first time."""
        if snap["returned_at"] is not None:
            return snap["returned_at"]
        now = self.clock()
        with self.session_factory() as session, session.begin():
            # A bulk UPDATE leaves the attempt's version alone: a notification being
            # applied at the same time is not made to fail.
            session.execute(
                update(PaymentAttempt)
                .where(PaymentAttempt.id == snap["id"], PaymentAttempt.returned_at.is_(None))
                .values(returned_at=now)
                .execution_options(synchronize_session=False)
            )
        return now

    def receive(self, public_id: str, note: Notification | None) -> bool:
        """Record the buyer's return and keep its signed data if it may be needed; False if unknown."""
        snap = self._snapshot(public_id)
        if snap is None:
            return False
        self._returned_at(snap)
        if note is None or snap["notified"] or snap["status"] != AttemptStatus.NEW.value:
            return True  # nothing to keep: the notification came, or the data is unusable
        if not describes(note, snap):
            log.warning("return data for attempt %s describes another payment: not kept", snap["id"])
            return True
        stored: StoredReturn | None = snap["stored_return"]
        if stored is not None and stored.note.trans_status == note.trans_status:
            return True  # the same return again (back button, second tab)
        with self.session_factory() as session, session.begin():
            verified = verify_and_store(
                session,
                note,
                brand=snap["brand"],
                kind="RETURN",
                box=self.box,
                app_settings=self.settings,
            )
        if verified.case:
            log.warning("return data for attempt %s not kept: %s", snap["id"], verified.case)
        return True

    def _complete_from_return(self, snap: dict[str, Any], stored: StoredReturn) -> bool:
        """Apply the stored return when no notification came; True if it was usable."""
        if stored.outcome is not None:  # already applied (or rejected) by an earlier visit
            return stored.outcome != "rejected"
        with self.session_factory() as session, session.begin():
            case, changed = apply_notification(
                session,
                stored.note,
                attempt_id=snap["id"],
                notification_id=stored.notification_id,
                source="RETURN",
                is_ipn=False,
            )
            if changed and is_success(stored.note):
                store = session.get(Store, snap["store_id"])
                assert store is not None
                store.ipn_failure_at = utcnow()
                log.error(
                    "store %s: payment completed from the buyer's return, the notification URL did not work",
                    store.ecwid_store_id,
                )
        return case not in REJECTIONS

    def handle(self, public_id: str) -> ReturnDecision:
        """Where the buyer goes now, from what the database holds."""
        snap = self._snapshot(public_id)
        if snap is None:
            return ReturnDecision("not_found")
        lang = snap["lang"]
        waited = self.clock() - self._returned_at(snap)
        patience = self.patience
        stored: StoredReturn | None = snap["stored_return"]

        if not snap["notified"] and snap["status"] == AttemptStatus.NEW.value:
            cancelled = stored is not None and stored.cancelled
            if waited < patience and not cancelled:
                return ReturnDecision("wait", lang=lang)
            if stored is not None and self._complete_from_return(snap, stored):
                snap = self._snapshot(public_id) or snap
            elif cancelled:
                return ReturnDecision("redirect", snap["return_url"], lang, "cancelled")
            elif waited < 3 * patience:
                return ReturnDecision("wait", lang=lang)
            else:
                return ReturnDecision("redirect", snap["return_url"], lang, "confirming_title")

        if snap["job_state"] is None:
            error = error_key(None, snap["gateway_status"]) if snap["status"] != "PENDING" else None
            return ReturnDecision("redirect", snap["return_url"], lang, error)
        if snap["job_state"] == UpdateState.PENDING.value:
            self.worker.run_once(store_id=snap["store_id"], reference=snap["reference"])
            snap = self._snapshot(public_id) or snap
        if snap["job_state"] in (UpdateState.DONE.value, UpdateState.DEAD.value) or waited >= 3 * patience:
            error = error_key(snap["job_status"], snap["gateway_status"])
            return ReturnDecision("redirect", snap["return_url"], lang, error)
        return ReturnDecision("wait", lang=lang)
