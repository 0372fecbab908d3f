"""Texts a buyer reads, as message ids of the buyer's gettext domain.

Used for the error pages, the redirect and "payment being confirmed" pages and the
``errorMsg`` appended to Ecwid's ``returnUrl``. A view translates them with the
request's localizer (:func:`ecwid_systempay.i18n.locale.use_locale`); the
translations live in ``ecwid_systempay/locale/<lang>/LC_MESSAGES/ecwid_systempay_buyer.po``
for the 13 payment page languages, other languages get the English message id.
"""

from __future__ import annotations

from translationstring import TranslationString

from ..i18n import buyer_message as _
from .languages import normalize_language

MESSAGES: dict[str, TranslationString] = {
    "refused": _("Your payment was refused."),
    "cancelled": _("Your payment was cancelled."),
    "failed": _("Your payment could not be completed."),
    "confirming_title": _("Your payment is being confirmed"),
    "confirming_body": _("Please wait a few seconds: this page refreshes by itself."),
    "back_to_shop": _("Back to the shop"),
    "unsupported_currency": _("This payment method does not accept the currency of your order."),
    "not_configured": _("This payment method is not available yet. Please choose another one or contact the shop."),
    "invalid_request": _("The payment request could not be read. Please go back to the shop and try again."),
    "redirecting": _("You are being redirected to the secure payment page…"),
    "continue": _("Continue to payment"),
    "error_title": _("Payment unavailable"),
    "not_found": _("This payment could not be found."),
    # Refusals of a checkout: an unverifiable legacy request, too many attempts, no trans id left.
    "unverified_request": _("This payment request could not be verified. Please go back to the shop and try again."),
    "too_many_attempts": _("Too many payment attempts were made for this order. Please contact the shop."),
    "temporarily_unavailable": _("This payment method is temporarily unavailable. Please try again later or contact the shop."),
}


def message(key: str) -> TranslationString:
    """The message id named ``key`` (translate it with a localizer)."""
    return MESSAGES[key]


def buyer_language(lang: str | None) -> str:
    """One of the 13 payment page languages, else English."""
    return normalize_language(lang) or "en"
