"""Back Office operations of the simulated platform: transaction list, cancel, validate, resend."""

from __future__ import annotations

from .notifications import Delivery, NotificationCall, Notifier
from .shops import RULE_BO_OPERATION, RULE_CANCELLATION, RULE_END_OF_PAYMENT
from .state import HistoryEntry, PlatformState, Transaction

BO_USER = "sandbox-merchant"

CANCELLABLE = frozenset(
    {"AUTHORISED", "AUTHORISED_TO_VALIDATE", "WAITING_AUTHORISATION", "WAITING_AUTHORISATION_TO_VALIDATE"}
)
TO_VALIDATE = {
    "AUTHORISED_TO_VALIDATE": "AUTHORISED",
    "WAITING_AUTHORISATION_TO_VALIDATE": "WAITING_AUTHORISATION",
}


class BackOffice:
    """What the merchant does on transactions in the Back Office."""

    def __init__(self, state: PlatformState, notifier: Notifier) -> None:
        self.state = state
        self.notifier = notifier

    def transactions(self, site_id: str | None = None, *, include_abandoned: bool = True) -> list[Transaction]:
        """Transactions, newest first (``include_abandoned=False``: what the BO list shows)."""
        with self.state.lock:
            items = [
                tx
                for tx in self.state.transactions.values()
                if (site_id is None or tx.site_id == site_id) and (include_abandoned or tx.visible)
            ]
        return sorted(items, key=lambda tx: tx.created_at, reverse=True)

    def get_transaction(self, transaction_uuid: str) -> Transaction | None:
        with self.state.lock:
            return self.state.transactions.get(transaction_uuid)

    def find_transactions(self, *, trans_id: str | None = None, order_id: str | None = None) -> list[Transaction]:
        """Transactions with this ``vads_trans_id`` and/or ``vads_order_id``, newest first."""
        return [
            tx
            for tx in self.transactions()
            if (trans_id is None or tx.trans_id.upper() == trans_id.upper())
            and (order_id is None or tx.order_id == order_id)
        ]

    def cancel(self, transaction_uuid: str) -> NotificationCall | None:
        """Cancel a transaction from the BO: CANCELLED + MERCH_BO notification. ValueError if not allowed."""
        return self._operation(transaction_uuid, "cancel")

    def validate(self, transaction_uuid: str) -> NotificationCall | None:
        """Validate a transaction created in manual validation: MERCH_BO notification. ValueError if not allowed."""
        return self._operation(transaction_uuid, "validate")

    def _operation(self, transaction_uuid: str, operation: str) -> NotificationCall | None:
        with self.state.lock:
            tx = self.state.transactions[transaction_uuid]
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
            tx.history.append(HistoryEntry(self.state.now(), label, BO_USER, new_status))
            rule = self.state.shops[tx.site_id].rules[RULE_BO_OPERATION]
            delivery = self.notifier.delivery(tx, rule, "MERCH_BO", user=BO_USER) if rule.enabled else None
        if delivery is None:
            return None
        return self.notifier.deliver_now(delivery)

    def resend(self, transaction_uuid: str) -> NotificationCall:
        """"Send IPN" from the BO: source BO, rule URL (not vads_url_check), no automatic retry.

        A successful re-send stops the pending automatic retries of the transaction.
        """
        with self.state.lock:
            tx = self.state.transactions[transaction_uuid]
            rule_key = RULE_END_OF_PAYMENT if tx.visible else RULE_CANCELLATION
            rule = self.state.shops[tx.site_id].rules[rule_key]
            delivery = Delivery(
                transaction_uuid=tx.uuid,
                rule=rule.key,
                url=rule.url(tx.ctx_mode),
                source="BO",
                fields=tx.fields(),
                retry=False,
                user=BO_USER,
            )
        call = self.notifier.deliver_now(delivery)
        if call.success:
            self.notifier.cancel_pending(tx.uuid)
        return call
