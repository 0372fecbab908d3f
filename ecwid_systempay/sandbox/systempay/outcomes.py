"""The result fields of a finished payment session (pure: no state, no I/O).

What the platform adds to the request fields once the buyer paid, failed or left:
``vads_trans_status``, ``vads_result``, the card and 3-D Secure fields, dates...
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .cards import SCENARIOS, threeds_fields
from .state import vads_date

if TYPE_CHECKING:  # pragma: no cover
    from .sessions import PaymentSession
    from .shops import Shop

AUTHORISATION_VALIDITY_DAYS = 7


def abandoned_results(now: datetime, *, expired: bool) -> dict[str, str]:
    """An ABANDONED payment (``vads_result=17``); an expired session adds ``vads_payment_error=149``."""
    results = {
        "vads_trans_status": "ABANDONED",
        "vads_result": "17",
        "vads_extra_result": "",
        "vads_auth_result": "",
        "vads_trans_uuid": uuid.uuid4().hex,
        "vads_operation_type": "DEBIT",
        "vads_effective_creation_date": vads_date(now),
    }
    if expired:
        results["vads_payment_error"] = "149"
    return results


def payment_results(
    session: PaymentSession, shop: Shop, challenge_ok: bool | None, now: datetime
) -> tuple[dict[str, str], bool]:
    """The result fields of a card payment with its scenario, and whether it was accepted."""
    card = session.card
    plan = session.plan
    assert card is not None and plan is not None
    scenario = SCENARIOS[card.scenario]
    tds, warranty = threeds_fields(card, plan, challenge_ok)
    if tds["vads_threeds_status"] == "Y":
        tds["vads_threeds_cavv"] = secrets.token_urlsafe(21)[:28]
    threeds_ok = tds["vads_threeds_status"] != "N"
    accepted = scenario.accepted and threeds_ok
    validation = session.fields.get("vads_validation_mode") or shop.validation_mode
    delay_text = session.fields.get("vads_capture_delay", "")
    delay = min(int(delay_text), 365) if delay_text else shop.capture_delay
    results: dict[str, str] = {
        "vads_operation_type": "DEBIT",
        "vads_trans_uuid": uuid.uuid4().hex,
        "vads_extra_result": "",
        "vads_payment_error": "",
        "vads_card_brand": card.brand,
        "vads_card_number": card.masked,
        "vads_expiry_month": session.expiry_month,
        "vads_expiry_year": session.expiry_year,
        "vads_card_country": "FR",
        "vads_bank_label": "Banque simulée",
        "vads_validation_mode": validation,
        "vads_capture_delay": str(delay),
        "vads_sequence_number": "1",
        "vads_effective_amount": session.fields["vads_amount"],
        "vads_effective_currency": session.fields["vads_currency"],
        "vads_effective_creation_date": vads_date(now),
        "vads_presentation_date": vads_date(now + timedelta(days=delay)),
        "vads_warranty_result": warranty if accepted else "",
        "vads_contract_used": "5555555",
        **tds,
    }
    if accepted:
        waiting = delay > AUTHORISATION_VALIDITY_DAYS
        status = "WAITING_AUTHORISATION" if waiting else "AUTHORISED"
        if validation == "1":
            status += "_TO_VALIDATE"
        results.update(
            vads_trans_status=status,
            vads_result="00",
            vads_auth_result="00",
            vads_auth_mode="MARK" if waiting else "FULL",
            vads_auth_number=f"{secrets.randbelow(10**6):06d}",
        )
    else:
        results.update(
            vads_trans_status="REFUSED",
            vads_result="05",
            vads_auth_result=scenario.auth_result if threeds_ok else "",
            vads_auth_mode="FULL" if threeds_ok else "",
            vads_auth_number="",
        )
    return results, accepted
