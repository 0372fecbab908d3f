"""Progress of a store's test phase: which of the four test scenarios its TEST notifications completed.

A row is done when the module received (kind IPN, so the notification rule works too) a
TEST notification of the store's current shop ID, for a payment (``DEBIT``) with one of
the row's cards and the row's expected result, within the platform's 30 days of test
history; a notification the module rejected does not count. One grouped query, on the
notifications index of the store, mode and time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..models import StoredNotification
from ..protocol.test_phase import KEPT_DAYS, SCENARIOS, TEST_BINS, Scenario, ticks


@dataclass(frozen=True)
class ScenarioProgress:
    scenario: Scenario
    #: When the first matching notification was received; None while the row is not done.
    done_at: datetime | None

    @property
    def done(self) -> bool:
        return self.done_at is not None


def scenario_progress(session: Session, store_id: int, site_id: str, now: datetime) -> list[ScenarioProgress]:
    """The four rows, in order, each with the time it was completed (or None)."""
    card_bin = StoredNotification.fields["card_bin"].as_string()
    card_last4 = StoredNotification.fields["card_last4"].as_string()
    rows = session.execute(
        select(card_bin, card_last4, StoredNotification.trans_status, func.min(StoredNotification.received_at))
        .where(
            StoredNotification.store_id == store_id,
            StoredNotification.kind == "IPN",
            StoredNotification.ctx_mode == "TEST",
            StoredNotification.received_at > now - timedelta(days=KEPT_DAYS),
            StoredNotification.site_id == site_id,
            StoredNotification.operation_type == "DEBIT",
            or_(StoredNotification.outcome.is_(None), StoredNotification.outcome != "rejected"),
            card_bin.in_(sorted(TEST_BINS)),
        )
        .group_by(card_bin, card_last4, StoredNotification.trans_status)
    )
    done: dict[int, datetime] = {}
    for bin_, last4, trans_status, first_at in rows:
        row = ticks(bin_, last4, trans_status)
        if row is not None:
            first_at = first_at if first_at.tzinfo else first_at.replace(tzinfo=timezone.utc)
            done[row] = min(first_at, done.get(row, first_at))
    return [ScenarioProgress(scenario, done.get(scenario.row)) for scenario in SCENARIOS]
