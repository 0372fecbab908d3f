"""The buyer's return from the payment page.

The buyer is sent to the ``returnUrl`` Ecwid gave us (never to a URL from the
browser) only once the Ecwid order is up to date: the queued update is delivered
right here when the worker has not done it yet. Until the notification arrives,
a "payment being confirmed" page checks again. Browser data is only trusted when
signed; a signed success with no notification completes the payment and marks
the store's notification URL as not working (seed section 3).

This service opens its own short transactions: it must not hold one while it
calls Ecwid.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..config import AppSettings
from ..models import PaymentAttempt, Store, UpdateState
from ..models.meta import utcnow
from ..protocol.messages import message
from ..protocol.notification import MalformedNotification, Notification, parse_pairs
from ..protocol.statuses import AttemptStatus
from ..secrets_box import SecretBox
from .ipn import apply_notification, is_success, verify_and_store
from .updates import UpdateWorker, latest_update

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReturnDecision:
    kind: str  # "redirect", "wait" or "not_found"
    url: str | None = None
    lang: str = "en"


def with_error(return_url: str, text: str | None) -> str:
    if not text:
        return return_url
    separator = "&" if "?" in return_url else "?"
    return f"{return_url}{separator}{urlencode({'errorMsg': text})}"


def error_text(payment_status: str | None, gateway_status: str | None, lang: str) -> str | None:
    if payment_status in ("PAID", "AWAITING_PAYMENT", "REFUNDED", "PARTIALLY_REFUNDED"):
        return None
    if gateway_status in ("ABANDONED", "NOT_CREATED"):
        return message("cancelled", lang)
    if gateway_status == "REFUSED":
        return message("refused", lang)
    return message("failed", lang)


def signed_data(pairs: list[tuple[str, str]]) -> Notification | None:
    if not any(name.startswith("vads_") for name, _ in pairs):
        return None
    try:
        return parse_pairs(pairs)
    except MalformedNotification:
        return None


class ReturnHandler:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        worker: UpdateWorker,
        box: SecretBox,
        app_settings: AppSettings,
    ) -> None:
        self.session_factory = session_factory
        self.worker = worker
        self.box = box
        self.settings = app_settings

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
                "lang": attempt.lang,
                "return_url": attempt.return_url,
                "store_id": attempt.store_id,
                "brand": attempt.store.brand,
                "reference": attempt.reference_transaction_id,
                "job_state": job.state if job else None,
                "job_status": job.payment_status if job else None,
            }

    def _complete_from_return(self, snap: dict[str, Any], note: Notification) -> bool:
        """Apply a signed return when no notification came; True if it was applied."""
        verified = verify_and_store(
            self.session_factory, note, brand=snap["brand"], kind="RETURN", box=self.box, app_settings=self.settings
        )
        if verified.case or verified.attempt_id != snap["id"] or verified.notification_id is None:
            log.warning("return data for attempt %s not usable: %s", snap["id"], verified.case or "other attempt")
            return False
        with self.session_factory() as session, session.begin():
            case, changed = apply_notification(
                session,
                note,
                attempt_id=snap["id"],
                notification_id=verified.notification_id,
                source="RETURN",
                is_ipn=False,
            )
            if changed and is_success(note):
                store = session.get(Store, snap["store_id"])
                assert store is not None
                store.ipn_failure_at = utcnow()
                log.error(
                    "store %s: payment completed from the buyer's return, the notification URL did not work",
                    store.ecwid_store_id,
                )
        return case not in ("mode_mismatch", "site_mismatch", "amount_error", "currency_error", "store_mismatch")

    def handle(self, public_id: str, pairs: list[tuple[str, str]], check: int) -> ReturnDecision:
        snap = self._snapshot(public_id)
        if snap is None:
            return ReturnDecision("not_found")
        lang = snap["lang"]
        patience = self.settings.return_wait_checks
        note = signed_data(pairs)

        if not snap["notified"] and snap["status"] == AttemptStatus.NEW.value:
            abandoned = note is not None and note.trans_status in ("ABANDONED", "NOT_CREATED")
            if check < patience and not abandoned:
                return ReturnDecision("wait", lang=lang)
            if note is not None and self._complete_from_return(snap, note):
                snap = self._snapshot(public_id) or snap
            elif abandoned:
                return ReturnDecision("redirect", with_error(snap["return_url"], message("cancelled", lang)), lang)
            elif check < 3 * patience:
                return ReturnDecision("wait", lang=lang)
            else:
                return ReturnDecision(
                    "redirect", with_error(snap["return_url"], message("confirming_title", lang)), lang
                )

        if snap["job_state"] is None:
            text = error_text(None, snap["gateway_status"], lang) if snap["status"] != "PENDING" else None
            return ReturnDecision("redirect", with_error(snap["return_url"], text), lang)
        if snap["job_state"] == UpdateState.PENDING.value:
            self.worker.run_once(store_id=snap["store_id"], reference=snap["reference"])
            snap = self._snapshot(public_id) or snap
        if snap["job_state"] in (UpdateState.DONE.value, UpdateState.DEAD.value) or check >= 3 * patience:
            text = error_text(snap["job_status"], snap["gateway_status"], lang)
            return ReturnDecision("redirect", with_error(snap["return_url"], text), lang)
        return ReturnDecision("wait", lang=lang)

