"""Payment sessions of the simulated platform: open, pay, 3DS challenge, cancel, expiry, return target.

A session starts when the shop's form passes the checks (spec 2.1) and ends DONE
(a transaction with the card's scenario), ABANDONED (the buyer cancelled) or
EXPIRED (``session_timeout``); each end is notified through the shop's rules.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from ...protocol.currencies import BY_NUMERIC, Currency
from ...protocol.signature import verify_signature
from . import checks
from .cards import TestCard, ThreeDSPlan, find_card, plan_3ds, row_expects_accepted
from .checks import FormError
from .notifications import Delivery, Notifier
from .outcomes import abandoned_results, payment_results
from .shops import RULE_CANCELLATION, RULE_END_OF_PAYMENT, Shop
from .state import HistoryEntry, PlatformState, Transaction

log = logging.getLogger(__name__)

# Session states.
OPEN = "open"
CHALLENGE = "challenge"
DONE = "done"
ABANDONED = "abandoned"
EXPIRED = "expired"


@dataclass
class PaymentSession:
    """A buyer on the payment page, from the form POST to the end of the payment."""

    id: str
    site_id: str
    fields: dict[str, str]
    signature: str
    created_at: datetime
    language: str
    state: str = OPEN
    card: TestCard | None = None
    expiry_month: str = ""
    expiry_year: str = ""
    plan: ThreeDSPlan | None = None
    error: str | None = None  # text key of a card error on the page
    transaction_uuid: str | None = None

    @property
    def ctx_mode(self) -> str:
        return self.fields["vads_ctx_mode"]

    @property
    def amount(self) -> int:
        return int(self.fields["vads_amount"])

    @property
    def currency(self) -> Currency:
        return BY_NUMERIC[self.fields["vads_currency"]]

    @property
    def available_languages(self) -> list[str]:
        value = self.fields.get("vads_available_languages", "")
        return [code for code in value.split(";") if code]

    def expires_at(self, timeout: float) -> datetime:
        return self.created_at + timedelta(seconds=timeout)


@dataclass
class ReturnTarget:
    """Where and how the buyer goes back to the shop (spec section 5)."""

    action: str  # URL without the return fields
    method: str  # "GET" (query string or no parameters) or "POST" (auto-posted form)
    fields: list[tuple[str, str]]  # signed return data; empty for vads_return_mode NONE/absent
    timeout: int | None  # automatic redirection after this many seconds, when asked by the form
    message: str

    @property
    def url(self) -> str:
        """The link for a GET return: the fields in the query string."""
        if self.method == "POST" or not self.fields:
            return self.action
        separator = "&" if "?" in self.action else "?"
        return self.action + separator + urlencode(self.fields)


class SessionService:
    """The buyer's side of the platform: the payment form and what happens on the payment page."""

    def __init__(self, state: PlatformState, notifier: Notifier) -> None:
        self.state = state
        self.notifier = notifier

    # ------------------------------------------------------------------ payment form

    def open_session(self, fields: Mapping[str, str], signature: str | None) -> PaymentSession:
        """Check a payment form (spec 2.1) and open a payment session; raises :class:`FormError`."""
        state = self.state
        data = {k: v for k, v in fields.items() if k.startswith("vads_")}
        checks.check_header(data)
        with state.lock:
            shop = state.shops.get(data["vads_site_id"])
            if shop is None:
                raise FormError("02", "unknown shop")
            mode = data["vads_ctx_mode"]
            key = shop.key(mode)
            if key is None:
                raise FormError("11", "PRODUCTION mode needs the production key: complete the test phase first")
            if not self._signature_ok(shop, data, signature or "", key):
                raise FormError("00", "the signature does not match the fields and the shop's key")
            now = state.now()
            checks.check_body(data, now)
            trans_date = checks.parse_trans_date(data["vads_trans_date"])
            trans_key = (shop.site_id, trans_date.strftime("%Y%m%d"), data["vads_trans_id"].upper())
            previous_id = state.trans_ids.get(trans_key)
            if previous_id is not None:
                previous = state.sessions.get(previous_id)
                if previous and previous.state in (OPEN, CHALLENGE) and previous.signature == signature:
                    return previous  # the same form posted again (browser back/refresh)
                raise FormError("03", "vads_trans_id was already used by this shop today (UTC)")
            language = data.get("vads_language") or shop.default_language
            available = [c for c in data.get("vads_available_languages", "").split(";") if c]
            if available and language not in available:
                language = available[0]
            session = PaymentSession(
                id=secrets.token_urlsafe(16),
                site_id=shop.site_id,
                fields=data,
                signature=signature or "",
                created_at=now,
                language=language,
            )
            state.sessions[session.id] = session
            state.trans_ids[trans_key] = session.id
        self.notifier.ensure_worker()  # its tick expires the session
        log.info("sandbox systempay: session opened site=%s trans_id=%s mode=%s", shop.site_id,
                 data["vads_trans_id"], mode)
        return session

    def _signature_ok(self, shop: Shop, data: Mapping[str, str], signature: str, key: str) -> bool:
        if verify_signature(data, signature, key, shop.algorithm):
            return True
        recent = shop.algorithm_changed_at and self.state.now() - shop.algorithm_changed_at < timedelta(hours=24)
        if shop.previous_algorithm and recent:
            return verify_signature(data, signature, key, shop.previous_algorithm)
        return False

    @staticmethod
    def expected_signed_string(fields: Mapping[str, str]) -> str | None:
        """The string the platform signs for ``fields``, key masked (TEST-mode error page help)."""
        data = {k: v for k, v in fields.items() if k.startswith("vads_")}
        if not data:
            return None
        values = [data[name] for name in sorted(data)]
        return "+".join([*values, "<key>"])

    # ------------------------------------------------------------------ payment page

    def get_session(self, session_id: str) -> PaymentSession | None:
        """The session, expiring it first when its time is over (which may notify)."""
        outgoing: list[Delivery] = []
        with self.state.lock:
            session = self.state.sessions.get(session_id)
            if session is not None:
                self._expire_if_due(session, outgoing)
        self.notifier.dispatch(outgoing)
        return session

    def session_transaction(self, session: PaymentSession) -> Transaction | None:
        with self.state.lock:
            return self.state.transactions.get(session.transaction_uuid or "")

    def set_language(self, session_id: str, language: str) -> None:
        """Change the page language, within ``vads_available_languages`` when given."""
        from ...protocol.languages import LANGUAGES

        with self.state.lock:
            session = self.state.sessions.get(session_id)
            if session is None or language not in LANGUAGES:
                return
            if session.available_languages and language not in session.available_languages:
                return
            session.language = language

    def pay(self, session_id: str, card_number: str, expiry_month: str = "", expiry_year: str = "") -> PaymentSession:
        """The buyer submits a card. The session ends DONE, goes to CHALLENGE, or keeps an ``error``."""
        outgoing: list[Delivery] = []
        with self.state.lock:
            session = self.state.sessions[session_id]
            self._expire_if_due(session, outgoing)
            if session.state == OPEN:
                card = find_card(card_number)
                allowed = [b for b in session.fields.get("vads_payment_cards", "").split(";") if b]
                if card is None:
                    session.error = "unknown_card"
                elif allowed and not any(brand in allowed for brand in card.brands):
                    session.error = "card_not_allowed"
                else:
                    session.error = None
                    session.card = card
                    session.expiry_month = str(int(expiry_month)) if expiry_month.isascii() and expiry_month.isdigit() else "12"
                    session.expiry_year = expiry_year if len(expiry_year) == 4 and expiry_year.isascii() and expiry_year.isdigit() else str(
                        self.state.now().year + 3
                    )
                    session.plan = plan_3ds(
                        card,
                        session.fields.get("vads_threeds_mpi", ""),
                        session.amount,
                        session.fields["vads_currency"],
                    )
                    if session.plan.challenge:
                        session.state = CHALLENGE
                    else:
                        self._complete(session, None, outgoing)
        self.notifier.dispatch(outgoing)
        return session

    def answer_challenge(self, session_id: str, approve: bool) -> PaymentSession:
        """The buyer passes (``approve``) or fails the 3DS challenge."""
        outgoing: list[Delivery] = []
        with self.state.lock:
            session = self.state.sessions[session_id]
            self._expire_if_due(session, outgoing)
            if session.state == CHALLENGE:
                self._complete(session, approve, outgoing)
        self.notifier.dispatch(outgoing)
        return session

    def cancel(self, session_id: str) -> PaymentSession:
        """"Cancel and return to shop": ABANDONED, notified through the cancellation rule."""
        outgoing: list[Delivery] = []
        with self.state.lock:
            session = self.state.sessions[session_id]
            self._expire_if_due(session, outgoing)
            if session.state in (OPEN, CHALLENGE):
                self._abandon(session, ABANDONED, outgoing)
        self.notifier.dispatch(outgoing)
        return session

    def expire_sessions(self) -> list[PaymentSession]:
        """Expire every session older than the timeout (the worker calls it about every second)."""
        outgoing: list[Delivery] = []
        expired = []
        with self.state.lock:
            for session in list(self.state.sessions.values()):
                if self._expire_if_due(session, outgoing):
                    expired.append(session)
        self.notifier.dispatch(outgoing)
        return expired

    # ------------------------------------------------------------------ end of a session (lock held)

    def _expire_if_due(self, session: PaymentSession, outgoing: list[Delivery]) -> bool:
        if session.state not in (OPEN, CHALLENGE):
            return False
        if self.state.now() < session.expires_at(self.state.config.session_timeout):
            return False
        self._abandon(session, EXPIRED, outgoing)
        return True

    def _abandon(self, session: PaymentSession, state: str, outgoing: list[Delivery]) -> None:
        shop = self.state.shops[session.site_id]
        now = self.state.now()
        tx = self._new_transaction(session, abandoned_results(now, expired=state == EXPIRED), visible=False)
        session.state = state
        session.transaction_uuid = tx.uuid
        why = "Session de paiement expirée" if state == EXPIRED else "Annulation par l'acheteur"
        tx.history.append(HistoryEntry(now, why, "E_COMMERCE", "ABANDONED"))
        rule = shop.rules[RULE_CANCELLATION]
        if rule.enabled:
            outgoing.append(self.notifier.delivery(tx, rule, "PAY", user="E_COMMERCE"))

    def _complete(self, session: PaymentSession, challenge_ok: bool | None, outgoing: list[Delivery]) -> None:
        """End the payment with the card's scenario; create the transaction and notify."""
        shop = self.state.shops[session.site_id]
        card = session.card
        assert card is not None
        now = self.state.now()
        results, accepted = payment_results(session, shop, challenge_ok, now)
        tx = self._new_transaction(session, results, visible=True)
        tx.card_row = card.row
        session.state = DONE
        session.transaction_uuid = tx.uuid
        tx.history.append(HistoryEntry(now, "Création", "E_COMMERCE", results["vads_trans_status"]))
        if tx.ctx_mode == "PRODUCTION":
            shop.production_key_visible = False
        if (
            card.row is not None
            and tx.ctx_mode == "TEST"
            and tx.page_action in ("PAYMENT", "REGISTER_PAY")
            and accepted == row_expects_accepted(card.row)
        ):
            shop.test_results[card.row] = now
        rule = shop.rules[RULE_END_OF_PAYMENT]
        if rule.enabled:
            outgoing.append(self.notifier.delivery(tx, rule, "PAY", user="E_COMMERCE"))

    def _new_transaction(self, session: PaymentSession, results: dict[str, str], *, visible: bool) -> Transaction:
        f = session.fields
        tx = Transaction(
            uuid=results["vads_trans_uuid"],
            site_id=session.site_id,
            ctx_mode=f["vads_ctx_mode"],
            trans_id=f["vads_trans_id"],
            order_id=f.get("vads_order_id", ""),
            amount=int(f["vads_amount"]),
            currency=f["vads_currency"],
            status=results["vads_trans_status"],
            created_at=self.state.now(),
            request_fields=dict(f),
            result_fields=results,
            visible=visible,
        )
        self.state.transactions[tx.uuid] = tx
        return tx

    # ------------------------------------------------------------------ return to shop

    def return_target(self, session: PaymentSession, texts: Mapping[str, str] | None = None) -> ReturnTarget | None:
        """Where "Return to shop" leads after the session ended (None while it is still open)."""
        with self.state.lock:
            tx = self.state.transactions.get(session.transaction_uuid or "")
            if tx is None:
                return None
            shop = self.state.shops[session.site_id]
            f = session.fields
            fallback = f.get("vads_url_return") or f.get("vads_shop_url") or shop.return_url
            timeout: int | None = None
            message = ""
            default_message = (texts or {}).get("redirect_default", "Redirection to the shop in a few moments")
            if session.state == DONE:
                success = tx.result_fields.get("vads_result") == "00"
                kind = "success" if success else "error"
                url = (f.get("vads_url_success") if success else f.get("vads_url_refused")) or fallback
                if f.get(f"vads_redirect_{kind}_timeout", "") != "":
                    timeout = int(f[f"vads_redirect_{kind}_timeout"])
                    message = f.get(f"vads_redirect_{kind}_message") or default_message
            else:
                url = f.get("vads_url_cancel") or fallback
            mode = f.get("vads_return_mode", "")
            data: list[tuple[str, str]] = []
            if mode in ("GET", "POST"):
                values = self.state.signed(tx, tx.fields())
                data = sorted(values.items())
            return ReturnTarget(
                action=url, method="POST" if mode == "POST" else "GET", fields=data, timeout=timeout, message=message
            )
