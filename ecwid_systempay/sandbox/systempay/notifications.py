"""Notification (IPN) delivery of the simulated platform: rules, calls, retries, failure e-mails.

Spec section 4 and seed section 6: the first call is made synchronously (10 s
timeout) before the buyer sees the result, as the real platform does; failed calls
are retried by a background thread up to 4 more times, ``retry_interval`` seconds
apart, with ``vads_url_check_src=RETRY``, and each failure sends an alert e-mail to
the rule's addresses (or the shop manager's). The same thread also runs a periodic
``on_tick`` callback (the platform uses it to expire payment sessions).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import requests

from .emails import ipn_failure_email
from .shops import NotificationRule
from .state import HistoryEntry, PlatformState, Transaction

log = logging.getLogger(__name__)

#: HTTP codes that count as a delivered notification (no redirect is followed).
SUCCESS_HTTP_CODES = frozenset({200, 201, 202, 203, 204, 205, 206, 301, 302, 303, 307, 308})
MAX_ATTEMPTS = 5  # the first call and up to 4 automatic retries
RESPONSE_BYTES = 256
CALLBACK_PATH = "/callback"


def is_module_callback(url: str, module_url: str) -> bool:
    """Whether ``url`` is the module's notification URL: same scheme, host and port, path ``/callback``.

    The query string (``app-name``) may differ; anything else would let a form make the sandbox
    post to any host or port it can reach.
    """
    try:
        target, module = urlsplit(url), urlsplit(module_url)
        target_port, module_port = target.port, module.port
    except ValueError:
        return False
    defaults = {"http": 80, "https": 443}
    return (
        target.scheme.lower() in defaults
        and target.scheme.lower() == module.scheme.lower()
        and (target.hostname or "") == (module.hostname or "")
        and (target_port or defaults[target.scheme.lower()]) == (module_port or defaults.get(module.scheme.lower()))
        and not target.username
        and not target.password
        and target.path == module.path.rstrip("/") + CALLBACK_PATH
    )


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


@dataclass(eq=False)
class Delivery:
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


class Notifier:
    """Builds, sends and retries notifications; owns the background thread."""

    def __init__(self, state: PlatformState) -> None:
        self.state = state
        #: Called by the background thread about every second (session expiry).
        self.on_tick: Callable[[], object] | None = None
        self._queue: list[Delivery] = []
        self._in_flight = 0
        self._worker: threading.Thread | None = None
        self._stopped = False
        self._http = requests.Session()
        self._http.trust_env = False  # never go through a proxy: the merchant URL is called directly

    # ------------------------------------------------------------------ building

    def delivery(self, tx: Transaction, rule: NotificationRule, source: str, *, user: str) -> Delivery:
        """A notification of ``tx`` through ``rule`` (lock held).

        ``vads_url_check`` overrides the rule URL for PAY, but only when it is the module's callback
        (:func:`is_module_callback`): the sandbox never posts anywhere else. Otherwise it is ignored
        and the transaction's history says so.
        """
        url = rule.url(tx.ctx_mode)
        url_check = tx.request_fields.get("vads_url_check", "") if source == "PAY" else ""
        if url_check and is_module_callback(url_check, self.state.config.module_url):
            url = url_check
        elif url_check:
            module_callback = self.state.config.module_url + CALLBACK_PATH
            note = f"{url_check} is not the module's callback ({module_callback}); the rule URL is called"
            tx.history.append(HistoryEntry(self.state.now(), "vads_url_check ignored", user, note))
            log.warning("sandbox systempay: vads_url_check ignored trans_id=%s: %s", tx.trans_id, note)
        return Delivery(
            transaction_uuid=tx.uuid,
            rule=rule.key,
            url=url,
            source=source,
            fields=tx.fields(),
            retry=rule.retry,
            user=user,
        )

    # ------------------------------------------------------------------ sending

    def dispatch(self, deliveries: list[Delivery]) -> None:
        """First attempt of new notifications: synchronous (default) or by the worker."""
        for delivery in deliveries:
            if self.state.config.synchronous_first_call:
                self.deliver_now(delivery)
            else:
                self._schedule(delivery, delay=0.0)

    def deliver_now(self, delivery: Delivery) -> NotificationCall:
        with self.state.cond:
            self._in_flight += 1
        try:
            return self._attempt(delivery)
        finally:
            with self.state.cond:
                self._in_flight -= 1
                self.state.cond.notify_all()

    def cancel_pending(self, transaction_uuid: str) -> None:
        """Drop the automatic retries still waiting for a transaction."""
        with self.state.cond:
            for pending in self._queue:
                if pending.transaction_uuid == transaction_uuid:
                    pending.cancelled = True
            self._queue = [d for d in self._queue if not d.cancelled]
            self.state.cond.notify_all()

    def drop_all(self) -> None:
        """Forget every pending retry (platform reset)."""
        with self.state.cond:
            for delivery in self._queue:
                delivery.cancelled = True
            self._queue.clear()

    def calls(self, transaction_uuid: str | None = None) -> list[NotificationCall]:
        """Every notification call made (of one transaction), oldest first."""
        with self.state.lock:
            tables = self.state.transactions
            txs = [tables[transaction_uuid]] if transaction_uuid else list(tables.values())
            items = [call for tx in txs for call in tx.calls]
        return sorted(items, key=lambda c: c.at)

    def pending_retries(self) -> int:
        """Number of notifications waiting for an automatic retry."""
        with self.state.lock:
            return len(self._queue)

    def run_retries_now(self) -> list[NotificationCall]:
        """Make the next attempt of every pending notification right now, in this thread."""
        with self.state.cond:
            due = list(self._queue)
            self._queue.clear()
            self._in_flight += len(due)
        calls = []
        for delivery in due:
            try:
                calls.append(self._attempt(delivery))
            finally:
                with self.state.cond:
                    self._in_flight -= 1
                    self.state.cond.notify_all()
        return calls

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no notification is pending or in flight; False on timeout."""
        with self.state.cond:
            return self.state.cond.wait_for(lambda: not self._queue and self._in_flight == 0, timeout)

    def _schedule(self, delivery: Delivery, delay: float) -> None:
        delivery.next_due = time.monotonic() + delay
        with self.state.cond:
            if self._stopped:
                return
            self._queue.append(delivery)
            self.state.cond.notify_all()
        self.ensure_worker()

    def _attempt(self, delivery: Delivery) -> NotificationCall:
        """One HTTP call of the notification URL; records it, e-mails on failure, schedules the retry."""
        state = self.state
        config = state.config
        with state.lock:
            tx = state.transactions[delivery.transaction_uuid]
            shop = state.shops[tx.site_id]
            rule = shop.rules[delivery.rule]
            delivery.attempts += 1
            source = "RETRY" if delivery.attempts > 1 else delivery.source
            fields = dict(delivery.fields)
            fields["vads_url_check_src"] = source
            fields["vads_hash"] = delivery.vads_hash
            fields = state.signed(tx, fields)
            started_at = state.now()
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
                    timeout=config.ipn_timeout,
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
                error = f"timeout after {config.ipn_timeout:g} s"
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
        with state.lock:
            user = "BATCH" if source == "RETRY" else delivery.user
            tx.history.append(HistoryEntry(started_at, "Appel URL de notification", user, call.info, call))
            if not success:
                state.outbox.append(
                    ipn_failure_email(
                        shop, rule, tx, call,
                        last=not will_retry, retry_interval=config.retry_interval, at=state.now(),
                    )
                )
        log.info(
            "sandbox systempay: IPN %s trans_id=%s source=%s attempt=%d -> %s",
            "sent" if success else "failed",
            tx.trans_id,
            source,
            delivery.attempts,
            http_status if http_status is not None else error,
        )
        if will_retry:
            self._schedule(delivery, delay=config.retry_interval)
        return call

    # ------------------------------------------------------------------ worker

    def ensure_worker(self) -> None:
        """Start the background thread (retries and ``on_tick``) unless it runs or was stopped."""
        with self.state.lock:
            if self._stopped or (self._worker is not None and self._worker.is_alive()):
                return
            self._worker = threading.Thread(target=self._run, name="sandbox-systempay-worker", daemon=True)
            self._worker.start()

    def _run(self) -> None:
        cond = self.state.cond
        while True:
            with cond:
                if self._stopped:
                    return
                now = time.monotonic()
                due = [d for d in self._queue if d.next_due <= now]
                if due:
                    self._queue = [d for d in self._queue if d.next_due > now]
                    self._in_flight += len(due)
                else:
                    waits = [d.next_due - now for d in self._queue] + [1.0]
                    cond.wait(max(min(waits), 0.01))
            for delivery in due:
                try:
                    if not delivery.cancelled:
                        self._attempt(delivery)
                except Exception:  # pragma: no cover - keep the worker alive
                    log.exception("sandbox systempay: notification delivery failed")
                finally:
                    with cond:
                        self._in_flight -= 1
                        cond.notify_all()
            try:
                if self.on_tick is not None:
                    self.on_tick()
            except Exception:  # pragma: no cover
                log.exception("sandbox systempay: session expiry failed")

    def close(self) -> None:
        """Stop the background thread (pending retries are dropped)."""
        with self.state.cond:
            self._stopped = True
            self._queue.clear()
            self.state.cond.notify_all()
            worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout=5)
        self._http.close()
