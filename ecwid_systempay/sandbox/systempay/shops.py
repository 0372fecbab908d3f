"""Shops of the simulated platform: keys, configuration, notification rules, test table, production key."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ...protocol.signature import HMAC_SHA256, SHA1
from .cards import TEST_ROWS, row_expects_accepted
from .emails import production_key_email
from .state import PlatformState

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
TEST_PURGE = timedelta(days=30)


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


class ShopService:
    """Creates and configures shops (Settings > Shop in the Back Office)."""

    def __init__(self, state: PlatformState) -> None:
        self.state = state

    def default_rule_url(self, brand: str | None = None) -> str:
        """The module's notification URL for ``brand`` (default: the demo shop's)."""
        return f"{self.state.config.module_url}/callback?app-name={brand or self.state.config.brand}"

    def add_demo_shops(self) -> Shop:
        """The demo shop of the settings (``sandbox.site_id``, ``sandbox.key_test``), then one per other brand."""
        config = self.state.config
        failure_emails = [config.failure_email] if config.failure_email else []
        demo = self.add_shop(
            config.site_id,
            config.key_test,
            name="Demo shop",
            manager_email=config.manager_email,
            failure_emails=failure_emails,
        )
        for brand, site_id, key_test in config.brand_shops:
            self.add_shop(
                site_id,
                key_test,
                name=f"Demo shop ({brand})",
                manager_email=config.manager_email,
                failure_emails=failure_emails,
                rule_url=self.default_rule_url(brand),
            )
        return demo

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
            return_url=self.state.config.module_url + "/" if return_url is None else return_url,
            rules=rules,
        )
        with self.state.lock:
            self.state.shops[site_id] = shop
        return shop

    def get_shop(self, site_id: str | None = None) -> Shop:
        """The shop ``site_id`` (default: the demo shop); KeyError if unknown."""
        with self.state.lock:
            return self.state.shops[site_id or self.state.config.site_id]

    def shops(self) -> list[Shop]:
        with self.state.lock:
            return list(self.state.shops.values())

    def keys(self, site_id: str | None = None) -> dict[str, str | None]:
        """``{"site_id", "key_test", "key_production", "algorithm"}`` of a shop."""
        shop = self.get_shop(site_id)
        with self.state.lock:
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
        with self.state.lock:
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
        with self.state.lock:
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
        with self.state.lock:
            if algorithm != shop.algorithm:
                shop.previous_algorithm = shop.algorithm
                shop.algorithm_changed_at = self.state.now()
                shop.algorithm = algorithm

    def test_rows(self, site_id: str | None = None) -> list[TestRowStatus]:
        """The Back Office test table with each row's last successful payment date."""
        shop = self.get_shop(site_id)
        limit = self.state.now() - TEST_PURGE
        with self.state.lock:
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
        with self.state.lock:
            if shop.key_production is None:
                shop.key_production = random_key()
                shop.production_key_generated_at = self.state.now()
                shop.production_key_visible = True
                if shop.manager_email:
                    self.state.outbox.append(production_key_email(shop, at=self.state.now()))
            return shop.key_production
