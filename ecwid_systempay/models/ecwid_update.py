"""Durable queue of Ecwid order updates (transactional outbox)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base, UTCDateTime, utcnow


class UpdateState(enum.StrEnum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    DEAD = "DEAD"
    SUPERSEDED = "SUPERSEDED"


class EcwidUpdate(Base):
    __tablename__ = "ecwid_updates"
    __table_args__ = (
        Index("ix_ecwid_updates_due", "state", "next_attempt_at"),
        Index("ix_ecwid_updates_order", "store_id", "reference_transaction_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("payment_attempts.id"))
    ecwid_store_id: Mapped[str] = mapped_column(String(32))
    reference_transaction_id: Mapped[str] = mapped_column(String(128))
    ecwid_order_id: Mapped[str] = mapped_column(String(64))
    payment_status: Mapped[str] = mapped_column(String(32))
    external_transaction_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    payment_message: Mapped[str | None] = mapped_column(String(255), nullable=True)
    token_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=UpdateState.PENDING.value)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
