"""E-mails the simulated platform "sends" (kept in the in-memory outbox, no SMTP)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .notifications import NotificationCall
    from .shops import NotificationRule, Shop
    from .state import Transaction


@dataclass
class Email:
    """A message of the in-memory outbox (no SMTP)."""

    at: datetime
    to: tuple[str, ...]
    subject: str
    body: str
    kind: str  # "ipn_failure", "production_key"


def ipn_failure_email(
    shop: Shop,
    rule: NotificationRule,
    tx: Transaction,
    call: NotificationCall,
    *,
    last: bool,
    retry_interval: float,
    at: datetime,
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
        else f"A new attempt will be made automatically in about {retry_interval:g} s."
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
        at=at,
        to=recipients,
        subject=f"FAILURE during the call to your IPN URL [unsuccessful attempt {attempt}]",
        body=body,
        kind="ipn_failure",
    )


def production_key_email(shop: Shop, *, at: datetime) -> Email:
    """The shop manager's notice that the production key exists."""
    return Email(
        at=at,
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
