"""A payment attempt: one signed form sent to the gateway, one ``vads_trans_id``."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..protocol.statuses import AttemptStatus
from .meta import Base, UTCDateTime, utcnow
from .store import Store


def new_public_id() -> str:
    return secrets.token_urlsafe(18)


class PaymentAttempt(Base):
    __tablename__ = "payment_attempts"
    __table_args__ = (
        UniqueConstraint("site_id", "trans_day", "trans_id"),
        Index("ix_payment_attempts_order", "store_id", "reference_transaction_id"),
        # The merchant's payment history: newest first per store, and search by Ecwid order number.
        Index("ix_payment_attempts_store_created", "store_id", "created_at"),
        Index("ix_payment_attempts_store_order_number", "store_id", "ecwid_order_id"),
        # The operator's status and reconciliation: recent payments of every store.
        Index("ix_payment_attempts_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    ecwid_order_id: Mapped[str] = mapped_column(String(64))
    reference_transaction_id: Mapped[str] = mapped_column(String(128))
    return_url: Mapped[str] = mapped_column(Text)
    ecwid_token_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    lang: Mapped[str] = mapped_column(String(8), default="en")
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    currency_numeric: Mapped[str] = mapped_column(String(3))
    mode: Mapped[str] = mapped_column(String(10))
    site_id: Mapped[str] = mapped_column(String(8))
    sign_algo: Mapped[str] = mapped_column(String(16))
    trans_date: Mapped[datetime] = mapped_column(UTCDateTime)
    trans_day: Mapped[date] = mapped_column(Date)
    trans_id: Mapped[str] = mapped_column(String(6))
    #: Identity of the form sent, trans id aside (``protocol.form.form_digest``, HMAC under the shop key):
    #: a replayed checkout answers it again only if identical.
    form_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(24), default=AttemptStatus.NEW.value)
    gateway_status: Mapped[str | None] = mapped_column(String(40), nullable=True)
    gateway_trans_uuid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: When the buyer first came back from the payment page (the "being confirmed" wait counts from it).
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attention: Mapped[str | None] = mapped_column(String(255), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    store: Mapped[Store] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @property
    def attempt_status(self) -> AttemptStatus:
        return AttemptStatus(self.status)

    def __repr__(self) -> str:
        return f"<PaymentAttempt {self.site_id}/{self.trans_day}/{self.trans_id} {self.status}>"


class TransIdCounter(Base):
    """Per shop and UTC day allocator of ``vads_trans_id`` (000000-899999)."""

    __tablename__ = "trans_id_counters"

    site_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    start: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer, default=0)
