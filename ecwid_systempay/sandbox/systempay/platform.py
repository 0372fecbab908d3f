"""State and behaviour of the simulated Systempay platform, in memory.

One :class:`SystempayPlatform` per application (``registry["sandbox.systempay"]``)
holds the shops (keys, notification rules, test table), the payment sessions, the
transactions with their history, the notification deliveries and the e-mail
outbox. Every method is thread-safe: state changes happen under one lock, HTTP
calls to the merchant's notification URL happen outside it.

Notifications (IPN) follow spec section 4 and seed section 6: the first call is
made synchronously (10 s timeout) before the buyer sees the result, as the real
platform does; failed calls are retried by a background thread up to 4 more times,
``retry_interval`` seconds apart, with ``vads_url_check_src=RETRY``, and each
failure sends an alert e-mail to the rule's addresses (or the shop manager's).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import requests

from ...protocol.currencies import BY_NUMERIC, Currency
from ...protocol.signature import HMAC_SHA256, SHA1, compute_signature, verify_signature
from . import checks
from .cards import (
    SCENARIOS,
    TEST_ROWS,
    TestCard,
    ThreeDSPlan,
    find_card,
    plan_3ds,
    row_expects_accepted,
    threeds_fields,
)
from .checks import FormError

log = logging.getLogger(__name__)

RULE_END_OF_PAYMENT = "end_of_payment"
RULE_CANCELLATION = "cancellation"
RULE_BO_OPERATION = "bo_operation"
RULES = (RULE_END_OF_PAYMENT, RULE_CANCELLATION, RULE_BO_OPERATION)
RULE_NAMES: dict[str, tuple[str, str]] = {
    RULE_END_OF_PAYMENT: (
        "URL de notification à la fin du paiement",
        "Instant Payment Notification URL at the end of the payment",
    ),
    RULE_CANCELLATION: (
        "URL de notification sur annulation",
        "Instant Payment Notification URL on cancellation",
    ),
    RULE_BO_OPERATION: (
        "URL de notification sur une opération provenant du Back Office",
        "Instant Payment Notification URL on an operation coming from the Back Office",
    ),
}

#: HTTP codes that count as a delivered notification (no redirect is followed).
SUCCESS_HTTP_CODES = frozenset({200, 201, 202, 203, 204, 205, 206, 301, 302, 303, 307, 308})
MAX_ATTEMPTS = 5  # the first call and up to 4 automatic retries
IPN_TIMEOUT_SECONDS = 10.0
RESPONSE_BYTES = 256
TEST_PURGE = timedelta(days=30)
AUTHORISATION_VALIDITY_DAYS = 7
BO_USER = "sandbox-merchant"

CANCELLABLE = frozenset(
    {"AUTHORISED", "AUTHORISED_TO_VALIDATE", "WAITING_AUTHORISATION", "WAITING_AUTHORISATION_TO_VALIDATE"}
)
TO_VALIDATE = {
    "AUTHORISED_TO_VALIDATE": "AUTHORISED",
    "WAITING_AUTHORISATION_TO_VALIDATE": "WAITING_AUTHORISATION",
}

# Session states.
OPEN = "open"
CHALLENGE = "challenge"
DONE = "done"
ABANDONED = "abandoned"
EXPIRED = "expired"


def utcnow() -> datetime:
    return datetime.now(UTC)


def vads_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def random_key() -> str:
    """A 16-digit shop key, like the platform's numeric keys."""
    return "".join(secrets.choice("0123456789") for _ in range(16))


@dataclass
class NotificationRule:
    """One notification rule of a shop (Settings > Notification rules)."""

    key: str
    enabled: bool = True
    url_test: str = ""
    url_production: str = ""
    emails: list[str] = field(default_factory=list)
    retry: bool = True

    @property
    def name(self) -> str:
        """French name, as in the Back Office history (seed section 3)."""
        return RULE_NAMES[self.key][0]

    @property
    def name_en(self) -> str:
        return RULE_NAMES[self.key][1]

    def url(self, ctx_mode: str) -> str:
        return self.url_production if ctx_mode == "PRODUCTION" else self.url_test


@dataclass
class TestRowStatus:
    """One row of the Back Office test table (seed section 7)."""

    row: int
    cards: tuple[str, str, str, str]
    scenario: str
    expected: str  # "ACCEPTED" or "REFUSED"
    paid_at: datetime | None

    @property
    def done(self) -> bool:
        return self.paid_at is not None


@dataclass
class Shop:
    """A merchant shop: identity, keys, configuration, notification rules, test table."""

    site_id: str
    name: str
    key_test: str
    key_production: str | None = None
    algorithm: str = HMAC_SHA256
    previous_algorithm: str | None = None
    algorithm_changed_at: datetime | None = None
    manager_email: str = ""
    default_language: str = "fr"
    return_url: str = ""
    validation_mode: str = "0"
    capture_delay: int = 0
    rules: dict[str, NotificationRule] = field(default_factory=dict)
    test_results: dict[int, datetime] = field(default_factory=dict)
    production_key_generated_at: datetime | None = None
    production_key_visible: bool = True

    def key(self, ctx_mode: str) -> str | None:
        """The key that signs in ``ctx_mode`` (None: no production key yet)."""
        return self.key_production if ctx_mode == "PRODUCTION" else self.key_test

    def rule(self, key: str) -> NotificationRule:
        return self.rules[key]


@dataclass
class NotificationCall:
    """One call of a notification URL, as listed in the transaction's history."""

    at: datetime
    rule: str
    rule_name: str
    url: str
    source: str  # vads_url_check_src
    attempt: int
    success: bool
    http_status: int | None
    error: str | None
    duration: float
    response: str  # first 256 bytes of the body
    fields: dict[str, str]  # what was posted, signature included

    @property
    def duration_text(self) -> str:
        return f"~{self.duration:.1f}s".replace(".", ",")

    @property
    def info(self) -> str:
        """The Back Office's "Info." line, e.g. ``SENT, rule=..., duration=~1,4s, response=OK-...``."""
        if self.success:
            return f"SENT, rule={self.rule_name}, duration={self.duration_text}, response={self.response}"
        if self.http_status is not None:
            return (
                f"FAILED, rule={self.rule_name}, http_code={self.http_status}, "
                f"duration={self.duration_text}, response={self.response}"
            )
        return f"FAILED, rule={self.rule_name}, error={self.error}, duration={self.duration_text}"


@dataclass
class HistoryEntry:
    """A line of the transaction's history tab."""

    at: datetime
    operation: str
    user: str
    info: str
    call: NotificationCall | None = None


@dataclass
class Transaction:
    """A payment known to the platform (ABANDONED ones are kept but not shown in the BO list)."""

    uuid: str
    site_id: str
    ctx_mode: str
    trans_id: str
    order_id: str
    amount: int
    currency: str
    status: str
    created_at: datetime
    request_fields: dict[str, str]
    result_fields: dict[str, str]
    card_row: int | None = None
    visible: bool = True
    history: list[HistoryEntry] = field(default_factory=list)

    def fields(self) -> dict[str, str]:
        """Request fields echoed and result fields: the body of a notification/return (unsigned)."""
        data = dict(self.request_fields)
        data.update(self.result_fields)
        return data

    @property
    def calls(self) -> list[NotificationCall]:
        return [entry.call for entry in self.history if entry.call is not None]

    @property
    def currency_info(self) -> Currency:
        return BY_NUMERIC[self.currency]

    @property
    def page_action(self) -> str:
        return self.request_fields.get("vads_page_action", "")


@dataclass
class Email:
    """A message of the in-memory outbox (no SMTP)."""

    at: datetime
    to: tuple[str, ...]
    subject: str
    body: str
    kind: str  # "ipn_failure", "production_key"


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


@dataclass(eq=False)
class _Delivery:
    """A notification to deliver, possibly several times."""

    transaction_uuid: str
    rule: str
    url: str
    source: str
    fields: dict[str, str]  # vads_* fields without src/hash/signature
    retry: bool
    user: str
    vads_hash: str = field(default_factory=lambda: secrets.token_hex(32))
    attempts: int = 0
    next_due: float = 0.0
    cancelled: bool = False


class SystempayPlatform:
    """The simulated platform. Read state through the methods; they return live objects (do not mutate)."""

    def __init__(
        self,
        *,
        module_url: str = "http://127.0.0.1:6543",
        site_id: str = "12345678",
        key_test: str = "7731553187454211",
        retry_interval: float = 900.0,
        session_timeout: float = 600.0,
        manager_email: str = "manager@demo-shop.test",
        failure_email: str = "alerts@demo-shop.test",
        ipn_timeout: float = IPN_TIMEOUT_SECONDS,
        synchronous_first_call: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.module_url = module_url.rstrip("/")
        self.default_site_id = site_id
        self.default_key_test = key_test
        self.retry_interval = float(retry_interval)
        self.session_timeout = float(session_timeout)
        self.default_manager_email = manager_email
        self.default_failure_email = failure_email
        self.ipn_timeout = float(ipn_timeout)
        self.synchronous_first_call = synchronous_first_call
        #: Current UTC time; tests replace it to move the date checks and session expiry.
        self.clock: Callable[[], datetime] = clock or utcnow
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._shops: dict[str, Shop] = {}
        self._sessions: dict[str, PaymentSession] = {}
        self._trans_ids: dict[tuple[str, str, str], str] = {}  # (site, day, TRANS_ID) -> session id
        self._transactions: dict[str, Transaction] = {}
        self._outbox: list[Email] = []
        self._queue: list[_Delivery] = []
        self._in_flight = 0
        self._worker: threading.Thread | None = None
        self._stopped = False
        self._http = requests.Session()
        self._http.trust_env = False  # never go through a proxy: the merchant URL is called directly
        self.add_shop(
            site_id,
            key_test,
            name="Demo shop",
            manager_email=manager_email,
            failure_emails=[failure_email] if failure_email else [],
        )

    # ------------------------------------------------------------------ time

    def now(self) -> datetime:
        """Current UTC time of the platform (see :attr:`clock`)."""
        moment = self.clock()
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    # ------------------------------------------------------------------ shops

    def default_rule_url(self) -> str:
        return f"{self.module_url}/callback?app-name=systempay"

    def add_shop(
        self,
        site_id: str,
        key_test: str,
        *,
        name: str = "Shop",
        algorithm: str = HMAC_SHA256,
        manager_email: str = "",
        failure_emails: Iterable[str] = (),
        rule_url: str | None = None,
        return_url: str | None = None,
    ) -> Shop:
        """Create (or replace) a shop with its three rules enabled on ``rule_url`` and retry on."""
        url = self.default_rule_url() if rule_url is None else rule_url
        rules = {
            key: NotificationRule(key, True, url, url, list(failure_emails), True) for key in RULES
        }
        shop = Shop(
            site_id=site_id,
            name=name,
            key_test=key_test,
            algorithm=algorithm,
            manager_email=manager_email,
            return_url=self.module_url + "/" if return_url is None else return_url,
            rules=rules,
        )
        with self._lock:
            self._shops[site_id] = shop
        return shop

    def get_shop(self, site_id: str | None = None) -> Shop:
        """The shop ``site_id`` (default: the demo shop); KeyError if unknown."""
        with self._lock:
            return self._shops[site_id or self.default_site_id]

    def shops(self) -> list[Shop]:
        with self._lock:
            return list(self._shops.values())

    def keys(self, site_id: str | None = None) -> dict[str, str | None]:
        """``{"site_id", "key_test", "key_production", "algorithm"}`` of a shop."""
        shop = self.get_shop(site_id)
        with self._lock:
            return {
                "site_id": shop.site_id,
                "key_test": shop.key_test,
                "key_production": shop.key_production,
                "algorithm": shop.algorithm,
            }

    def set_rule(
        self,
        rule: str,
        *,
        site_id: str | None = None,
        enabled: bool | None = None,
        url: str | None = None,
        url_test: str | None = None,
        url_production: str | None = None,
        emails: Iterable[str] | None = None,
        retry: bool | None = None,
    ) -> NotificationRule:
        """Change a notification rule; ``url`` sets both TEST and PRODUCTION URLs."""
        shop = self.get_shop(site_id)
        with self._lock:
            target = shop.rules[rule]
            if enabled is not None:
                target.enabled = enabled
            if url is not None:
                target.url_test = target.url_production = url
            if url_test is not None:
                target.url_test = url_test
            if url_production is not None:
                target.url_production = url_production
            if emails is not None:
                target.emails = [e.strip() for e in emails if e.strip()]
            if retry is not None:
                target.retry = retry
            return target

    def set_rule_url(self, url: str, *, rule: str | None = None, site_id: str | None = None) -> None:
        """Point one rule (default: all three) at ``url`` in TEST and PRODUCTION."""
        for key in [rule] if rule else RULES:
            self.set_rule(key, site_id=site_id, url=url)

    def configure_shop(
        self,
        site_id: str | None = None,
        *,
        name: str | None = None,
        manager_email: str | None = None,
        return_url: str | None = None,
        validation_mode: str | None = None,
        capture_delay: int | None = None,
        default_language: str | None = None,
    ) -> Shop:
        """Change the shop configuration (Settings > Shop > Configuration)."""
        shop = self.get_shop(site_id)
        with self._lock:
            if name is not None:
                shop.name = name
            if manager_email is not None:
                shop.manager_email = manager_email.strip()
            if return_url is not None:
                shop.return_url = return_url
            if validation_mode is not None:
                shop.validation_mode = validation_mode
            if capture_delay is not None:
                shop.capture_delay = capture_delay
            if default_language is not None:
                shop.default_language = default_language
        return shop

    def set_algorithm(self, algorithm: str, site_id: str | None = None) -> None:
        """Switch the signature algorithm; both are accepted for 24 h after a switch."""
        if algorithm not in (HMAC_SHA256, SHA1):
            raise ValueError(algorithm)
        shop = self.get_shop(site_id)
        with self._lock:
            if algorithm != shop.algorithm:
                shop.previous_algorithm = shop.algorithm
                shop.algorithm_changed_at = self.now()
                shop.algorithm = algorithm

    def test_rows(self, site_id: str | None = None) -> list[TestRowStatus]:
        """The Back Office test table with each row's last successful payment date."""
        shop = self.get_shop(site_id)
        limit = self.now() - TEST_PURGE
        with self._lock:
            rows = []
            for row, (scenario, cards) in TEST_ROWS.items():
                paid_at = shop.test_results.get(row)
                rows.append(
                    TestRowStatus(
                        row=row,
                        cards=cards,
                        scenario=scenario,
                        expected="ACCEPTED" if row_expects_accepted(row) else "REFUSED",
                        paid_at=paid_at if paid_at and paid_at >= limit else None,
                    )
                )
            return rows

    def tests_complete(self, site_id: str | None = None) -> bool:
        return all(row.done for row in self.test_rows(site_id))

    def generate_production_key(self, site_id: str | None = None, *, force: bool = False) -> str:
        """Generate the production key once the four test rows succeeded (``force``: skip the tests).

        Raises ``RuntimeError`` when tests are missing. The shop manager gets an e-mail.
        """
        shop = self.get_shop(site_id)
        if not force and not self.tests_complete(shop.site_id):
            raise RuntimeError("the test phase is not complete")
        with self._lock:
            if shop.key_production is None:
                shop.key_production = random_key()
                shop.production_key_generated_at = self.now()
                shop.production_key_visible = True
                if shop.manager_email:
                    self._outbox.append(
                        Email(
                            at=self.now(),
                            to=(shop.manager_email,),
                            subject=f"[{shop.site_id}] Production key generated for shop {shop.name}",
                            body=(
                                f"The production key of shop {shop.name} ({shop.site_id}) has been generated.\n"
                                "It is available in the Merchant Back Office: Settings > Shop > Keys.\n"
                                "For security reasons it is no longer displayed once a first PRODUCTION "
                                "transaction has been made.\n"
                            ),
                            kind="production_key",
                        )
                    )
            return shop.key_production

    # ------------------------------------------------------------------ payment form

    def open_session(self, fields: Mapping[str, str], signature: str | None) -> PaymentSession:
        """Check a payment form (spec 2.1) and open a payment session; raises :class:`FormError`."""
        data = {k: v for k, v in fields.items() if k.startswith("vads_")}
        checks.check_header(data)
        with self._lock:
            shop = self._shops.get(data["vads_site_id"])
            if shop is None:
                raise FormError("02", "unknown shop")
            mode = data["vads_ctx_mode"]
            key = shop.key(mode)
            if key is None:
                raise FormError("11", "PRODUCTION mode needs the production key: complete the test phase first")
            if not self._signature_ok(shop, data, signature or "", key):
                raise FormError("00", "the signature does not match the fields and the shop's key")
            now = self.now()
            checks.check_body(data, now)
            trans_date = checks.parse_trans_date(data["vads_trans_date"])
            trans_key = (shop.site_id, trans_date.strftime("%Y%m%d"), data["vads_trans_id"].upper())
            previous_id = self._trans_ids.get(trans_key)
            if previous_id is not None:
                previous = self._sessions.get(previous_id)
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
            self._sessions[session.id] = session
            self._trans_ids[trans_key] = session.id
        self._ensure_worker()
        log.info("sandbox systempay: session opened site=%s trans_id=%s mode=%s", shop.site_id,
                 data["vads_trans_id"], mode)
        return session

    def _signature_ok(self, shop: Shop, data: Mapping[str, str], signature: str, key: str) -> bool:
        if verify_signature(data, signature, key, shop.algorithm):
            return True
        recent = shop.algorithm_changed_at and self.now() - shop.algorithm_changed_at < timedelta(hours=24)
        if shop.previous_algorithm and recent:
            return verify_signature(data, signature, key, shop.previous_algorithm)
        return False

    def expected_signed_string(self, fields: Mapping[str, str]) -> str | None:
        """The string the platform signs for ``fields``, key masked (TEST-mode error page help)."""
        data = {k: v for k, v in fields.items() if k.startswith("vads_")}
        if not data:
            return None
        values = [data[name] for name in sorted(data)]
        return "+".join([*values, "<key>"])

    # ------------------------------------------------------------------ payment session

    def get_session(self, session_id: str) -> PaymentSession | None:
        """The session, expiring it first when its time is over (which may notify)."""
        outgoing: list[_Delivery] = []
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None:
                self._expire_if_due(session, outgoing)
        self._dispatch(outgoing)
        return session

    def session_transaction(self, session: PaymentSession) -> Transaction | None:
        with self._lock:
            return self._transactions.get(session.transaction_uuid or "")

    def set_language(self, session_id: str, language: str) -> None:
        """Change the page language, within ``vads_available_languages`` when given."""
        from ...protocol.languages import LANGUAGES

        with self._lock:
            session = self._sessions.get(session_id)
            if session is None or language not in LANGUAGES:
                return
            if session.available_languages and language not in session.available_languages:
                return
            session.language = language

    def pay(self, session_id: str, card_number: str, expiry_month: str = "", expiry_year: str = "") -> PaymentSession:
        """The buyer submits a card. The session ends DONE, goes to CHALLENGE, or keeps an ``error``."""
        outgoing: list[_Delivery] = []
        with self._lock:
            session = self._sessions[session_id]
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
                    session.expiry_month = str(int(expiry_month)) if expiry_month.isdigit() else "12"
                    session.expiry_year = expiry_year if len(expiry_year) == 4 and expiry_year.isdigit() else str(
                        self.now().year + 3
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
        self._dispatch(outgoing)
        return session

    def answer_challenge(self, session_id: str, approve: bool) -> PaymentSession:
        """The buyer passes (``approve``) or fails the 3DS challenge."""
        outgoing: list[_Delivery] = []
        with self._lock:
            session = self._sessions[session_id]
            self._expire_if_due(session, outgoing)
            if session.state == CHALLENGE:
                self._complete(session, approve, outgoing)
        self._dispatch(outgoing)
        return session

    def cancel(self, session_id: str) -> PaymentSession:
        """"Cancel and return to shop": ABANDONED, notified through the cancellation rule."""
        outgoing: list[_Delivery] = []
        with self._lock:
            session = self._sessions[session_id]
            self._expire_if_due(session, outgoing)
            if session.state in (OPEN, CHALLENGE):
                self._abandon(session, ABANDONED, outgoing)
        self._dispatch(outgoing)
        return session

    def expire_sessions(self) -> list[PaymentSession]:
        """Expire every session older than the timeout (the worker calls it about every second)."""
        outgoing: list[_Delivery] = []
        expired = []
        with self._lock:
            for session in list(self._sessions.values()):
                if self._expire_if_due(session, outgoing):
                    expired.append(session)
        self._dispatch(outgoing)
        return expired

    def _expire_if_due(self, session: PaymentSession, outgoing: list[_Delivery]) -> bool:
        if session.state not in (OPEN, CHALLENGE):
            return False
        if self.now() < session.expires_at(self.session_timeout):
            return False
        self._abandon(session, EXPIRED, outgoing)
        return True

    def _abandon(self, session: PaymentSession, state: str, outgoing: list[_Delivery]) -> None:
        shop = self._shops[session.site_id]
        now = self.now()
        results = {
            "vads_trans_status": "ABANDONED",
            "vads_result": "17",
            "vads_extra_result": "",
            "vads_auth_result": "",
            "vads_trans_uuid": uuid.uuid4().hex,
            "vads_operation_type": "DEBIT",
            "vads_effective_creation_date": vads_date(now),
        }
        if state == EXPIRED:
            results["vads_payment_error"] = "149"
        tx = self._new_transaction(session, results, visible=False)
        session.state = state
        session.transaction_uuid = tx.uuid
        why = "Session de paiement expirée" if state == EXPIRED else "Annulation par l'acheteur"
        tx.history.append(HistoryEntry(now, why, "E_COMMERCE", "ABANDONED"))
        rule = shop.rules[RULE_CANCELLATION]
        if rule.enabled:
            outgoing.append(self._delivery(tx, rule, "PAY", user="E_COMMERCE"))

    def _complete(self, session: PaymentSession, challenge_ok: bool | None, outgoing: list[_Delivery]) -> None:
        """End the payment with the card's scenario; create the transaction and notify."""
        shop = self._shops[session.site_id]
        card = session.card
        plan = session.plan
        assert card is not None and plan is not None
        scenario = SCENARIOS[card.scenario]
        now = self.now()
        tds, warranty = threeds_fields(card, plan, challenge_ok)
        if tds["vads_threeds_status"] == "Y":
            tds["vads_threeds_cavv"] = secrets.token_urlsafe(21)[:28]
        threeds_ok = tds["vads_threeds_status"] != "N"
        accepted = scenario.accepted and threeds_ok
        validation = session.fields.get("vads_validation_mode") or shop.validation_mode
        delay_text = session.fields.get("vads_capture_delay", "")
        delay = min(int(delay_text), 365) if delay_text else shop.capture_delay
        results: dict[str, str] = {
            "vads_operation_type": "DEBIT",
            "vads_trans_uuid": uuid.uuid4().hex,
            "vads_extra_result": "",
            "vads_payment_error": "",
            "vads_card_brand": card.brand,
            "vads_card_number": card.masked,
            "vads_expiry_month": session.expiry_month,
            "vads_expiry_year": session.expiry_year,
            "vads_card_country": "FR",
            "vads_bank_label": "Banque simulée",
            "vads_validation_mode": validation,
            "vads_capture_delay": str(delay),
            "vads_sequence_number": "1",
            "vads_effective_amount": session.fields["vads_amount"],
            "vads_effective_currency": session.fields["vads_currency"],
            "vads_effective_creation_date": vads_date(now),
            "vads_presentation_date": vads_date(now + timedelta(days=delay)),
            "vads_warranty_result": warranty if accepted else "",
            "vads_contract_used": "5555555",
            **tds,
        }
        if accepted:
            waiting = delay > AUTHORISATION_VALIDITY_DAYS
            status = "WAITING_AUTHORISATION" if waiting else "AUTHORISED"
            if validation == "1":
                status += "_TO_VALIDATE"
            results.update(
                vads_trans_status=status,
                vads_result="00",
                vads_auth_result="00",
                vads_auth_mode="MARK" if waiting else "FULL",
                vads_auth_number=f"{secrets.randbelow(10**6):06d}",
            )
        else:
            results.update(
                vads_trans_status="REFUSED",
                vads_result="05",
                vads_auth_result=scenario.auth_result if threeds_ok else "",
                vads_auth_mode="FULL" if threeds_ok else "",
                vads_auth_number="",
            )
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
            outgoing.append(self._delivery(tx, rule, "PAY", user="E_COMMERCE"))

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
            created_at=self.now(),
            request_fields=dict(f),
            result_fields=results,
            visible=visible,
        )
        self._transactions[tx.uuid] = tx
        return tx

    # ------------------------------------------------------------------ return to shop

    def return_target(self, session: PaymentSession, texts: Mapping[str, str] | None = None) -> ReturnTarget | None:
        """Where "Return to shop" leads after the session ended (None while it is still open)."""
        with self._lock:
            tx = self._transactions.get(session.transaction_uuid or "")
            if tx is None:
                return None
            shop = self._shops[session.site_id]
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
                values = self._signed(tx, tx.fields())
                data = sorted(values.items())
            return ReturnTarget(
                action=url, method="POST" if mode == "POST" else "GET", fields=data, timeout=timeout, message=message
            )

    def _signed(self, tx: Transaction, fields: dict[str, str]) -> dict[str, str]:
        shop = self._shops[tx.site_id]
        key = shop.key(tx.ctx_mode) or ""
        signed = dict(fields)
        signed["signature"] = compute_signature(fields, key, shop.algorithm)
        return signed

    # ------------------------------------------------------------------ transactions / Back Office

    def transactions(self, site_id: str | None = None, *, include_abandoned: bool = True) -> list[Transaction]:
        """Transactions, newest first (``include_abandoned=False``: what the BO list shows)."""
        with self._lock:
            items = [
                tx
                for tx in self._transactions.values()
                if (site_id is None or tx.site_id == site_id) and (include_abandoned or tx.visible)
            ]
        return sorted(items, key=lambda tx: tx.created_at, reverse=True)

    def get_transaction(self, transaction_uuid: str) -> Transaction | None:
        with self._lock:
            return self._transactions.get(transaction_uuid)

    def find_transactions(self, *, trans_id: str | None = None, order_id: str | None = None) -> list[Transaction]:
        """Transactions with this ``vads_trans_id`` and/or ``vads_order_id``, newest first."""
        return [
            tx
            for tx in self.transactions()
            if (trans_id is None or tx.trans_id.upper() == trans_id.upper())
            and (order_id is None or tx.order_id == order_id)
        ]

    def bo_cancel(self, transaction_uuid: str) -> NotificationCall | None:
        """Cancel a transaction from the BO: CANCELLED + MERCH_BO notification. ValueError if not allowed."""
        return self._bo_operation(transaction_uuid, "cancel")

    def bo_validate(self, transaction_uuid: str) -> NotificationCall | None:
        """Validate a transaction created in manual validation: MERCH_BO notification. ValueError if not allowed."""
        return self._bo_operation(transaction_uuid, "validate")

    def _bo_operation(self, transaction_uuid: str, operation: str) -> NotificationCall | None:
        with self._lock:
            tx = self._transactions[transaction_uuid]
            if operation == "cancel":
                if tx.status not in CANCELLABLE:
                    raise ValueError(f"a {tx.status} transaction cannot be cancelled")
                new_status, label = "CANCELLED", "Annulation"
            else:
                if tx.status not in TO_VALIDATE:
                    raise ValueError(f"a {tx.status} transaction cannot be validated")
                new_status, label = TO_VALIDATE[tx.status], "Validation"
            tx.status = new_status
            tx.result_fields["vads_trans_status"] = new_status
            tx.history.append(HistoryEntry(self.now(), label, BO_USER, new_status))
            rule = self._shops[tx.site_id].rules[RULE_BO_OPERATION]
            delivery = self._delivery(tx, rule, "MERCH_BO", user=BO_USER) if rule.enabled else None
        if delivery is None:
            return None
        return self._deliver_now(delivery)

    def bo_resend(self, transaction_uuid: str) -> NotificationCall:
        """"Send IPN" from the BO: source BO, rule URL (not vads_url_check), no automatic retry.

        A successful re-send stops the pending automatic retries of the transaction.
        """
        with self._lock:
            tx = self._transactions[transaction_uuid]
            rule_key = RULE_END_OF_PAYMENT if tx.visible else RULE_CANCELLATION
            rule = self._shops[tx.site_id].rules[rule_key]
            delivery = _Delivery(
                transaction_uuid=tx.uuid,
                rule=rule.key,
                url=rule.url(tx.ctx_mode),
                source="BO",
                fields=tx.fields(),
                retry=False,
                user=BO_USER,
            )
        call = self._deliver_now(delivery)
        if call.success:
            with self._cond:
                for pending in self._queue:
                    if pending.transaction_uuid == tx.uuid:
                        pending.cancelled = True
                self._queue = [d for d in self._queue if not d.cancelled]
                self._cond.notify_all()
        return call

    # ------------------------------------------------------------------ outbox

    def outbox(self) -> list[Email]:
        """E-mails "sent" by the platform, oldest first."""
        with self._lock:
            return list(self._outbox)

    def clear_outbox(self) -> None:
        with self._lock:
            self._outbox.clear()

    # ------------------------------------------------------------------ notifications

    def calls(self, transaction_uuid: str | None = None) -> list[NotificationCall]:
        """Every notification call made (of one transaction), oldest first."""
        with self._lock:
            txs = [self._transactions[transaction_uuid]] if transaction_uuid else list(self._transactions.values())
            items = [call for tx in txs for call in tx.calls]
        return sorted(items, key=lambda c: c.at)

    def pending_retries(self) -> int:
        """Number of notifications waiting for an automatic retry."""
        with self._lock:
            return len(self._queue)

    def run_retries_now(self) -> list[NotificationCall]:
        """Make the next attempt of every pending notification right now, in this thread."""
        with self._cond:
            due = list(self._queue)
            self._queue.clear()
            self._in_flight += len(due)
        calls = []
        for delivery in due:
            try:
                calls.append(self._attempt(delivery))
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()
        return calls

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no notification is pending or in flight; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and self._in_flight == 0, timeout)

    def _delivery(self, tx: Transaction, rule: NotificationRule, source: str, *, user: str) -> _Delivery:
        url = rule.url(tx.ctx_mode)
        if source == "PAY" and tx.request_fields.get("vads_url_check"):
            url = tx.request_fields["vads_url_check"]
        return _Delivery(
            transaction_uuid=tx.uuid,
            rule=rule.key,
            url=url,
            source=source,
            fields=tx.fields(),
            retry=rule.retry,
            user=user,
        )

    def _dispatch(self, deliveries: list[_Delivery]) -> None:
        """First attempt of new notifications: synchronous (default) or by the worker."""
        for delivery in deliveries:
            if self.synchronous_first_call:
                self._deliver_now(delivery)
            else:
                self._schedule(delivery, delay=0.0)

    def _deliver_now(self, delivery: _Delivery) -> NotificationCall:
        with self._cond:
            self._in_flight += 1
        try:
            return self._attempt(delivery)
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    def _schedule(self, delivery: _Delivery, delay: float) -> None:
        delivery.next_due = time.monotonic() + delay
        with self._cond:
            if self._stopped:
                return
            self._queue.append(delivery)
            self._cond.notify_all()
        self._ensure_worker()

    def _attempt(self, delivery: _Delivery) -> NotificationCall:
        """One HTTP call of the notification URL; records it, e-mails on failure, schedules the retry."""
        with self._lock:
            tx = self._transactions[delivery.transaction_uuid]
            shop = self._shops[tx.site_id]
            rule = shop.rules[delivery.rule]
            delivery.attempts += 1
            source = "RETRY" if delivery.attempts > 1 else delivery.source
            fields = dict(delivery.fields)
            fields["vads_url_check_src"] = source
            fields["vads_hash"] = delivery.vads_hash
            fields = self._signed(tx, fields)
            started_at = self.now()
        http_status: int | None = None
        error: str | None = None
        response = ""
        started = time.monotonic()
        if not delivery.url:
            error = f"no URL configured for the {tx.ctx_mode} mode"
        else:
            try:
                with self._http.post(
                    delivery.url,
                    data=fields,
                    timeout=self.ipn_timeout,
                    allow_redirects=False,
                    stream=True,
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "User-Agent": "Systempay-Sandbox/1.0 (IPN)",
                    },
                ) as answer:
                    http_status = answer.status_code
                    raw = answer.raw.read(RESPONSE_BYTES, decode_content=True) or b""
                    response = raw.decode("utf-8", "replace")
            except requests.Timeout:
                error = f"timeout after {self.ipn_timeout:g} s"
            except requests.RequestException as exc:
                error = f"connection failed ({type(exc).__name__})"
        duration = time.monotonic() - started
        success = http_status in SUCCESS_HTTP_CODES
        call = NotificationCall(
            at=started_at,
            rule=rule.key,
            rule_name=rule.name,
            url=delivery.url,
            source=source,
            attempt=delivery.attempts,
            success=success,
            http_status=http_status,
            error=error,
            duration=duration,
            response=response,
            fields=fields,
        )
        will_retry = (
            not success and delivery.retry and delivery.attempts < MAX_ATTEMPTS and not delivery.cancelled
        )
        with self._lock:
            user = "BATCH" if source == "RETRY" else delivery.user
            tx.history.append(HistoryEntry(started_at, "Appel URL de notification", user, call.info, call))
            if not success:
                self._outbox.append(self._failure_email(shop, rule, tx, call, last=not will_retry))
        log.info(
            "sandbox systempay: IPN %s trans_id=%s source=%s attempt=%d -> %s",
            "sent" if success else "failed",
            tx.trans_id,
            source,
            delivery.attempts,
            http_status if http_status is not None else error,
        )
        if will_retry:
            self._schedule(delivery, delay=self.retry_interval)
        return call

    def _failure_email(
        self, shop: Shop, rule: NotificationRule, tx: Transaction, call: NotificationCall, *, last: bool
    ) -> Email:
        """The alert e-mail of seed section 6.4 (rule addresses, else the shop manager: seed 004)."""
        recipients = tuple(rule.emails) or ((shop.manager_email,) if shop.manager_email else ())
        attempt = "#last" if last else f"#{call.attempt}"
        if call.http_status is not None:
            problem = f"HTTP code {call.http_status}"
            if call.http_status in (404, 410):
                analysis = "The URL does not exist on the merchant website: check the rule's URL."
            elif 300 <= call.http_status < 400:
                analysis = "The merchant website answered with a redirection, which is not followed: " \
                           "declare the final URL in the rule."
            elif call.http_status in (401, 403):
                analysis = "The merchant website refused access (maintenance mode, IP filtering?)."
            else:
                analysis = "The merchant website answered with an error."
        else:
            problem = call.error or "unknown error"
            analysis = "The merchant website could not be reached (server down, wrong host or port, timeout)."
        retry_text = (
            "No further automatic attempt will be made."
            if last
            else f"A new attempt will be made automatically in about {self.retry_interval:g} s."
        )
        body = (
            f"Shop: {shop.name} ({shop.site_id})\n"
            f"Transaction: {tx.trans_id} (order {tx.order_id or '-'}), mode {tx.ctx_mode}, "
            f"status {call.fields.get('vads_trans_status', '')}\n"
            f"Rule: {rule.name}\n"
            f"URL called: {call.url}\n"
            f"Source: {call.source}, attempt {call.attempt}\n"
            f"Error: {problem}\n"
            f"Analysis: {analysis}\n"
            f"Consequence: the merchant website was not notified of the payment result; "
            f"the order may not be up to date.\n"
            f"{retry_text}\n"
            f"To send the notification again: Merchant Back Office > Transactions > "
            f"transaction {tx.trans_id} > Resend the notification.\n"
        )
        return Email(
            at=self.now(),
            to=recipients,
            subject=f"FAILURE during the call to your IPN URL [unsuccessful attempt {attempt}]",
            body=body,
            kind="ipn_failure",
        )

    # ------------------------------------------------------------------ worker

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._stopped or (self._worker is not None and self._worker.is_alive()):
                return
            self._worker = threading.Thread(target=self._run, name="sandbox-systempay-worker", daemon=True)
            self._worker.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stopped:
                    return
                now = time.monotonic()
                due = [d for d in self._queue if d.next_due <= now]
                if due:
                    self._queue = [d for d in self._queue if d.next_due > now]
                    self._in_flight += len(due)
                else:
                    waits = [d.next_due - now for d in self._queue] + [1.0]
                    self._cond.wait(max(min(waits), 0.01))
            for delivery in due:
                try:
                    if not delivery.cancelled:
                        self._attempt(delivery)
                except Exception:  # pragma: no cover - keep the worker alive
                    log.exception("sandbox systempay: notification delivery failed")
                finally:
                    with self._cond:
                        self._in_flight -= 1
                        self._cond.notify_all()
            try:
                self.expire_sessions()
            except Exception:  # pragma: no cover
                log.exception("sandbox systempay: session expiry failed")

    def close(self) -> None:
        """Stop the background thread (pending retries are dropped)."""
        with self._cond:
            self._stopped = True
            self._queue.clear()
            self._cond.notify_all()
            worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout=5)
        self._http.close()

    def reset(self) -> None:
        """Forget everything and recreate the demo shop (keys and rules back to their defaults)."""
        with self._cond:
            for delivery in self._queue:
                delivery.cancelled = True
            self._queue.clear()
            self._shops.clear()
            self._sessions.clear()
            self._trans_ids.clear()
            self._transactions.clear()
            self._outbox.clear()
        self.add_shop(
            self.default_site_id,
            self.default_key_test,
            name="Demo shop",
            manager_email=self.default_manager_email,
            failure_emails=[self.default_failure_email] if self.default_failure_email else [],
        )
