"""The simulated Systempay platform, in memory: a thin facade over its parts.

One :class:`SystempayPlatform` per application (``registry["sandbox.systempay"]``)
gives the Python API of the package docstring. The work is done by:

- :mod:`.shops`: shops, keys, configuration, notification rules, test table, production key;
- :mod:`.sessions`: payment sessions (form checks, pay, 3DS challenge, cancel, expiry, return target),
  with :mod:`.outcomes` computing the result fields;
- :mod:`.notifications`: notification delivery (calls, retries in a background thread, failure
  e-mails of :mod:`.emails`);
- :mod:`.backoffice`: transactions and the Back Office operations (cancel, validate, resend);

all sharing one :class:`~.state.PlatformState` (settings, clock, lock, tables). Every method is
thread-safe: state changes happen under one lock, HTTP calls to the merchant's URL outside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from ...protocol.signature import HMAC_SHA256
from .backoffice import BO_USER, CANCELLABLE, TO_VALIDATE, BackOffice
from .emails import Email
from .notifications import MAX_ATTEMPTS, SUCCESS_HTTP_CODES, NotificationCall, Notifier
from .sessions import (
    ABANDONED,
    CHALLENGE,
    DONE,
    EXPIRED,
    OPEN,
    PaymentSession,
    ReturnTarget,
    SessionService,
)
from .shops import (
    RULE_BO_OPERATION,
    RULE_CANCELLATION,
    RULE_END_OF_PAYMENT,
    RULES,
    NotificationRule,
    Shop,
    ShopService,
    TestRowStatus,
)
from .state import IPN_TIMEOUT_SECONDS, HistoryEntry, PlatformConfig, PlatformState, Transaction

__all__ = [
    "ABANDONED", "BO_USER", "CANCELLABLE", "CHALLENGE", "DONE", "EXPIRED", "MAX_ATTEMPTS", "OPEN",
    "RULES", "RULE_BO_OPERATION", "RULE_CANCELLATION", "RULE_END_OF_PAYMENT", "SUCCESS_HTTP_CODES",
    "TO_VALIDATE", "Email", "HistoryEntry", "NotificationCall", "NotificationRule", "PaymentSession",
    "ReturnTarget", "Shop", "SystempayPlatform", "TestRowStatus", "Transaction",
]


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
        brand: str = "systempay",
        brand_shops: Iterable[tuple[str, str, str]] = (),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = PlatformConfig(
            module_url=module_url.rstrip("/"),
            site_id=site_id,
            key_test=key_test,
            retry_interval=float(retry_interval),
            session_timeout=float(session_timeout),
            manager_email=manager_email,
            failure_email=failure_email,
            ipn_timeout=float(ipn_timeout),
            synchronous_first_call=synchronous_first_call,
            brand=brand,
            brand_shops=tuple(brand_shops),
        )
        self._state = PlatformState(self.config, clock)
        self._shops = ShopService(self._state)
        self._notifier = Notifier(self._state)
        self._sessions = SessionService(self._state, self._notifier)
        self._backoffice = BackOffice(self._state, self._notifier)
        self._notifier.on_tick = self._sessions.expire_sessions
        self._shops.add_demo_shops()

    # ------------------------------------------------------------------ settings and time

    module_url = property(lambda self: self.config.module_url)
    default_site_id = property(lambda self: self.config.site_id)
    default_key_test = property(lambda self: self.config.key_test)
    retry_interval = property(lambda self: self.config.retry_interval)
    session_timeout = property(lambda self: self.config.session_timeout)
    ipn_timeout = property(lambda self: self.config.ipn_timeout)
    synchronous_first_call = property(lambda self: self.config.synchronous_first_call)

    @property
    def clock(self) -> Callable[[], datetime]:
        """Current UTC time; tests replace it to move the date checks and session expiry."""
        return self._state.clock

    @clock.setter
    def clock(self, value: Callable[[], datetime]) -> None:
        self._state.clock = value

    def now(self) -> datetime:
        """Current UTC time of the platform (see :attr:`clock`)."""
        return self._state.now()

    # ------------------------------------------------------------------ shops and keys

    def default_rule_url(self, brand: str | None = None) -> str:
        return self._shops.default_rule_url(brand)

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
        return self._shops.add_shop(
            site_id, key_test, name=name, algorithm=algorithm, manager_email=manager_email,
            failure_emails=failure_emails, rule_url=rule_url, return_url=return_url,
        )

    def get_shop(self, site_id: str | None = None) -> Shop:
        return self._shops.get_shop(site_id)

    def shops(self) -> list[Shop]:
        return self._shops.shops()

    def keys(self, site_id: str | None = None) -> dict[str, str | None]:
        return self._shops.keys(site_id)

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
        return self._shops.set_rule(
            rule, site_id=site_id, enabled=enabled, url=url, url_test=url_test,
            url_production=url_production, emails=emails, retry=retry,
        )

    def set_rule_url(self, url: str, *, rule: str | None = None, site_id: str | None = None) -> None:
        self._shops.set_rule_url(url, rule=rule, site_id=site_id)

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
        return self._shops.configure_shop(
            site_id, name=name, manager_email=manager_email, return_url=return_url,
            validation_mode=validation_mode, capture_delay=capture_delay, default_language=default_language,
        )

    def set_algorithm(self, algorithm: str, site_id: str | None = None) -> None:
        self._shops.set_algorithm(algorithm, site_id)

    def test_rows(self, site_id: str | None = None) -> list[TestRowStatus]:
        return self._shops.test_rows(site_id)

    def tests_complete(self, site_id: str | None = None) -> bool:
        return self._shops.tests_complete(site_id)

    def generate_production_key(self, site_id: str | None = None, *, force: bool = False) -> str:
        return self._shops.generate_production_key(site_id, force=force)

    # ------------------------------------------------------------------ payment sessions

    def open_session(self, fields: Mapping[str, str], signature: str | None) -> PaymentSession:
        return self._sessions.open_session(fields, signature)

    def expected_signed_string(self, fields: Mapping[str, str]) -> str | None:
        return self._sessions.expected_signed_string(fields)

    def get_session(self, session_id: str) -> PaymentSession | None:
        return self._sessions.get_session(session_id)

    def session_transaction(self, session: PaymentSession) -> Transaction | None:
        return self._sessions.session_transaction(session)

    def set_language(self, session_id: str, language: str) -> None:
        self._sessions.set_language(session_id, language)

    def pay(self, session_id: str, card_number: str, expiry_month: str = "", expiry_year: str = "") -> PaymentSession:
        return self._sessions.pay(session_id, card_number, expiry_month, expiry_year)

    def answer_challenge(self, session_id: str, approve: bool) -> PaymentSession:
        return self._sessions.answer_challenge(session_id, approve)

    def cancel(self, session_id: str) -> PaymentSession:
        return self._sessions.cancel(session_id)

    def expire_sessions(self) -> list[PaymentSession]:
        return self._sessions.expire_sessions()

    def return_target(self, session: PaymentSession, texts: Mapping[str, str] | None = None) -> ReturnTarget | None:
        return self._sessions.return_target(session, texts)

    # ------------------------------------------------------------------ transactions and Back Office

    def transactions(self, site_id: str | None = None, *, include_abandoned: bool = True) -> list[Transaction]:
        return self._backoffice.transactions(site_id, include_abandoned=include_abandoned)

    def get_transaction(self, transaction_uuid: str) -> Transaction | None:
        return self._backoffice.get_transaction(transaction_uuid)

    def find_transactions(self, *, trans_id: str | None = None, order_id: str | None = None) -> list[Transaction]:
        return self._backoffice.find_transactions(trans_id=trans_id, order_id=order_id)

    def bo_cancel(self, transaction_uuid: str) -> NotificationCall | None:
        return self._backoffice.cancel(transaction_uuid)

    def bo_validate(self, transaction_uuid: str) -> NotificationCall | None:
        return self._backoffice.validate(transaction_uuid)

    def bo_resend(self, transaction_uuid: str) -> NotificationCall:
        return self._backoffice.resend(transaction_uuid)

    # ------------------------------------------------------------------ notifications and outbox

    def calls(self, transaction_uuid: str | None = None) -> list[NotificationCall]:
        return self._notifier.calls(transaction_uuid)

    def pending_retries(self) -> int:
        return self._notifier.pending_retries()

    def run_retries_now(self) -> list[NotificationCall]:
        return self._notifier.run_retries_now()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self._notifier.wait_idle(timeout)

    def outbox(self) -> list[Email]:
        """E-mails "sent" by the platform, oldest first."""
        with self._state.lock:
            return list(self._state.outbox)

    def clear_outbox(self) -> None:
        with self._state.lock:
            self._state.outbox.clear()

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Stop the background thread (pending retries are dropped)."""
        self._notifier.close()

    def reset(self) -> None:
        """Forget everything and recreate the demo shops (keys and rules back to their defaults)."""
        with self._state.cond:
            self._notifier.drop_all()
            self._state.clear()
        self._shops.add_demo_shops()
