"""Languages: the two gettext domains, their message factories and the languages each covers.

``buyer_message`` marks a text a buyer reads (payment, return and error pages, the
``errorMsg`` Ecwid shows at checkout): the 13 payment page languages.
``admin_message`` marks a text of the merchant's settings pages: French and English.
Message ids are the English texts, so English needs no catalog and every other
language falls back to English. Pure: the Pyramid wiring is in :mod:`.locale`.
"""

from __future__ import annotations

from translationstring import TranslationStringFactory

from ..protocol.languages import LANGUAGES

BUYER_DOMAIN = "ecwid_systempay_buyer"
ADMIN_DOMAIN = "ecwid_systempay_admin"
SOURCE_LANGUAGE = "en"

#: The languages each domain must translate completely (English is the message id itself).
DOMAIN_LANGUAGES: dict[str, tuple[str, ...]] = {
    BUYER_DOMAIN: tuple(LANGUAGES),
    ADMIN_DOMAIN: ("en", "fr"),
}

buyer_message = TranslationStringFactory(BUYER_DOMAIN)
admin_message = TranslationStringFactory(ADMIN_DOMAIN)

__all__ = [
    "ADMIN_DOMAIN",
    "BUYER_DOMAIN",
    "DOMAIN_LANGUAGES",
    "SOURCE_LANGUAGE",
    "admin_message",
    "buyer_message",
]
