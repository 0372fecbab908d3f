"""A store (tenant): one Ecwid store using one brand's app, and its gateway settings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base, UTCDateTime, utcnow


class Store(Base):
    __tablename__ = "stores"
    __table_args__ = (UniqueConstraint("brand", "ecwid_store_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand: Mapped[str] = mapped_column(String(32), default="systempay")
    ecwid_store_id: Mapped[int] = mapped_column(BigInteger)
    admin_lang: Mapped[str] = mapped_column(String(8), default="en")
    ecwid_token_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: When Ecwid last confirmed (store profile) that the stored token belongs to this store.
    ecwid_token_proven_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    site_id: Mapped[str] = mapped_column(String(8), default="")
    key_test_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    key_prod_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    ctx_mode: Mapped[str] = mapped_column(String(10), default="TEST")
    sign_algo: Mapped[str] = mapped_column(String(16), default="HMAC-SHA-256")
    default_language: Mapped[str] = mapped_column(String(2), default="fr")
    available_languages: Mapped[str] = mapped_column(String(64), default="")
    capture_delay: Mapped[int | None] = mapped_column(Integer, nullable=True)
    validation_mode: Mapped[str | None] = mapped_column(String(1), nullable=True)
    threeds_manage: Mapped[bool] = mapped_column(Boolean, default=False)
    threeds_max_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 3), nullable=True)
    redirect_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    redirect_success_timeout: Mapped[int] = mapped_column(Integer, default=5)
    redirect_success_message: Mapped[str] = mapped_column(
        String(255), default="Redirection vers la boutique dans quelques instants"
    )
    redirect_error_timeout: Mapped[int] = mapped_column(Integer, default=5)
    redirect_error_message: Mapped[str] = mapped_column(
        String(255), default="Redirection vers la boutique dans quelques instants"
    )

    production_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ipn_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: When a notification last came, to the minute (written at most once a minute, and at once after a failure).
    ipn_last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(x for x in self.available_languages.split(";") if x)

    def __repr__(self) -> str:  # never shows keys
        return f"<Store {self.brand}:{self.ecwid_store_id} site={self.site_id} mode={self.ctx_mode}>"
