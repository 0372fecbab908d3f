"""Every verified gateway notification, stored before it is acted upon, and the audit trail.

``fields`` holds only what :meth:`~ecwid_systempay.protocol.notification.Notification.storable_fields`
keeps: the payment's identity and result, the card brand, BIN and last four digits; never the
buyer's personal data, the 3-D Secure CAVV, the card number or its expiry.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base, UTCDateTime, utcnow


class StoredNotification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # The settings page's diagnostics and test phase (services/diagnostics.py, services/test_phase.py):
        # a store's last notification per mode, its last return used without notification.
        Index("ix_notifications_store_kind_mode_received", "store_id", "kind", "ctx_mode", "received_at"),
        Index("ix_notifications_store_kind_mode_processed", "store_id", "kind", "ctx_mode", "processed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(8), default="IPN")  # IPN or RETURN
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("payment_attempts.id"), nullable=True, index=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), nullable=True)
    site_id: Mapped[str] = mapped_column(String(8))
    ctx_mode: Mapped[str] = mapped_column(String(10))
    trans_id: Mapped[str] = mapped_column(String(6))
    trans_date: Mapped[str] = mapped_column(String(14))
    trans_status: Mapped[str] = mapped_column(String(40), default="")
    source: Mapped[str] = mapped_column(String(20), default="")
    operation_type: Mapped[str] = mapped_column(String(20), default="")
    trans_uuid: Mapped[str] = mapped_column(String(64), default="")
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency_numeric: Mapped[str] = mapped_column(String(3))
    fields: Mapped[dict] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Transition(Base):
    """Audit: one row per change of an attempt's state, with what caused it."""

    __tablename__ = "transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("payment_attempts.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    source: Mapped[str] = mapped_column(String(20))
    trans_status: Mapped[str] = mapped_column(String(40), default="")
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
