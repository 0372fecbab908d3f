"""What the settings page shows besides the form: brand, notification diagnostics, test phase.

The texts are in the template (``templates/settings.pt``); here are the facts, read
with one query each (:mod:`..services.diagnostics`, :mod:`..services.test_phase`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from translationstring import TranslationString

from ..config import Brand
from ..i18n import admin_message as _
from ..models.meta import utcnow
from ..services.diagnostics import MODES, ModeDiagnostics, notification_diagnostics
from ..services.reconcile import unnotified_attempts
from ..protocol.test_phase import COLUMNS
from ..services.test_phase import ScenarioProgress, scenario_progress

#: What a notification's source (``vads_url_check_src``) means for the merchant.
SOURCES: dict[str, TranslationString] = {
    "PAY": _("payment or cancellation"),
    "RETRY": _("automatic retry"),
    "BO": _("sent again from the Back Office"),
    "MERCH_BO": _("Back Office operation"),
    "BATCH": _("status update by the platform"),
    "BATCH_AUTO": _("deferred authorisation"),
    "REC": _("recurring payment"),
}
#: What each row of the test table checks (seed section 7, spec section 8).
SCENARIO_LABELS: dict[int, TranslationString] = {
    1: _("Accepted payment"),
    2: _("Accepted payment, without payment guarantee"),
    3: _("Refused payment: 3-D Secure authentication failed"),
    4: _("Refused payment: card limit exceeded"),
}


def iso_utc(moment: datetime | None) -> str:
    """ISO 8601 in UTC to the second (``2026-12-01T10:00:00Z``), empty for None: for ``data-at``."""
    if moment is None:
        return ""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def shown_utc(moment: datetime | None) -> str:
    """How a time reads on the page: ``2026-12-01 10:00 UTC``."""
    if moment is None:
        return ""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class BrandView:
    name: str
    title: str
    logo_url: str
    back_office_url: str


def brand_view(request: Any, brand: Brand) -> BrandView:
    return BrandView(brand.name, brand.title, request.static_url(brand.logo), brand.back_office_url)


def settings_facts(request: Any, store: Any) -> dict[str, Any]:
    """The template values of everything the page reports about the store."""
    settings = request.app_settings
    session = request.dbsession
    now = utcnow()
    diagnostics = notification_diagnostics(session, store.id, now, settings.reconcile_after_seconds)
    progress: list[ScenarioProgress] = (
        scenario_progress(session, store.id, store.site_id, now) if store.ctx_mode == "TEST" else []
    )
    modes: list[ModeDiagnostics] = [diagnostics[mode] for mode in MODES]
    return {
        "brand_view": brand_view(request, settings.brand(store.brand)),
        "diagnostics": modes,
        "any_warning": any(d.warning for d in modes),
        "reconcile_hours": max(1, round(settings.reconcile_after_seconds / 3600)),
        "progress": progress,
        "tests_done": bool(progress) and all(p.done for p in progress),
        "tests_count": sum(p.done for p in progress),
        "unnotified": unnotified_attempts(session, now, settings.reconcile_after_seconds, store_id=store.id, limit=20),
        "iso_utc": iso_utc,
        "shown_utc": shown_utc,
        "sources": SOURCES,
        "scenario_labels": SCENARIO_LABELS,
        "columns": COLUMNS,
    }
