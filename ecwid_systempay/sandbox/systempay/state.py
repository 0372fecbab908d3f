"""The in-memory state every part of the simulated platform shares.

One :class:`PlatformState` holds the platform's settings, its clock, the lock
(and the condition built on it) and the tables: shops, payment sessions, used
transaction ids, transactions and the e-mail outbox. The services of
:mod:`.shops`, :mod:`.sessions`, :mod:`.notifications` and :mod:`.backoffice`
all work on the same instance, under the same lock; HTTP calls happen outside it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ...protocol.currencies import BY_NUMERIC, Currency
from ...protocol.signature import compute_signature

if TYPE_CHECKING:  # pragma: no cover
    from .emails import Email
    from .notifications import NotificationCall
    from .sessions import PaymentSession
    from .shops import Shop

IPN_TIMEOUT_SECONDS = 10.0


def utcnow() -> datetime:
    return datetime.now(UTC)


def vads_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


@dataclass(frozen=True)
class PlatformConfig:
    """How the platform was configured (``sandbox.*`` settings)."""

    module_url: str = "http://127.0.0.1:6543"
    site_id: str = "12345678"
    key_test: str = "7731553187454211"
    retry_interval: float = 900.0
    session_timeout: float = 600.0
    manager_email: str = "manager@demo-shop.test"
    failure_email: str = "alerts@demo-shop.test"
    ipn_timeout: float = IPN_TIMEOUT_SECONDS
    synchronous_first_call: bool = True
    brand: str = "systempay"  # the demo shop's rules call {module_url}/callback?app-name={brand}
    #: Demo shops of the other brands: (brand, site_id, key_test).
    brand_shops: tuple[tuple[str, str, str], ...] = ()


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


class PlatformState:
    """Settings, clock, lock and tables of one simulated platform."""

    def __init__(self, config: PlatformConfig, clock: Callable[[], datetime] | None = None) -> None:
        self.config = config
        #: Current UTC time; tests replace it to move the date checks and session expiry.
        self.clock: Callable[[], datetime] = clock or utcnow
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.shops: dict[str, Shop] = {}
        self.sessions: dict[str, PaymentSession] = {}
        self.trans_ids: dict[tuple[str, str, str], str] = {}  # (site, day, TRANS_ID) -> session id
        self.transactions: dict[str, Transaction] = {}
        self.outbox: list[Email] = []

    def now(self) -> datetime:
        """Current UTC time of the platform (see :attr:`clock`)."""
        moment = self.clock()
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def signed(self, tx: Transaction, fields: dict[str, str]) -> dict[str, str]:
        """``fields`` plus their ``signature`` with the key of the transaction's mode."""
        shop = self.shops[tx.site_id]
        key = shop.key(tx.ctx_mode) or ""
        signed = dict(fields)
        signed["signature"] = compute_signature(fields, key, shop.algorithm)
        return signed

    def clear(self) -> None:
        """Forget every shop, session, transaction and e-mail (caller holds the lock)."""
        self.shops.clear()
        self.sessions.clear()
        self.trans_ids.clear()
        self.transactions.clear()
        self.outbox.clear()
