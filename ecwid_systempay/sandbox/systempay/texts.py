"""Buyer-facing texts of the simulated payment pages (French and English).

Other languages of the platform fall back to English text, but keep their own
``lang`` attribute and amount format; :func:`texts` never fails.
"""

from __future__ import annotations

from ...protocol.currencies import Currency, from_minor_units

EN: dict[str, str] = {
    "title": "Secure payment",
    "test_mode": "TEST mode: no real card is charged. Use one of the test cards below.",
    "production_mode": "PRODUCTION mode (simulated platform): no real card is charged.",
    "shop": "Shop",
    "order": "Order reference",
    "amount": "Amount",
    "trans_id": "Transaction",
    "card_number": "Card number",
    "expiry": "Expiry date",
    "cvv": "CVV",
    "pay": "Pay",
    "cancel": "Cancel and return to shop",
    "language": "Language",
    "test_cards": "Test cards",
    "test_table": "Back Office test table (one row per scenario)",
    "scenario_cards": "Other scenarios",
    "row": "Row",
    "scenario": "Scenario",
    "card": "Card",
    "session_expires": "Your payment session expires at",
    "unknown_card": "This card number is not a test card of the platform: use one of the cards listed below.",
    "card_not_allowed": "This card type is not accepted by the shop for this payment.",
    "threeds_requested": "3-D Secure: the shop asked for a frictionless authentication",
    "threeds_honoured": "sent to the issuer",
    "threeds_ignored": "ignored (EUR payment of 30 EUR or more): no preference sent",
    "challenge_title": "3-D Secure authentication",
    "challenge_text": "Your bank asks you to confirm this payment (simulated ACS challenge).",
    "challenge_approve": "Confirm (authentication succeeds)",
    "challenge_fail": "Fail the authentication",
    "accepted_title": "Payment accepted",
    "to_validate_title": "Payment accepted, pending validation by the shop",
    "refused_title": "Payment refused",
    "cancelled_title": "Payment cancelled",
    "expired_title": "Payment session expired",
    "expired_text": "Your payment session has expired (10 minutes maximum). No payment was made.",
    "return_to_shop": "Return to shop",
    "redirect_default": "Redirection to the shop in a few moments",
    "status": "Status",
    "error_title": "Payment request rejected",
    "error_text": "The payment form sent by the shop is invalid.",
    "error_code": "Error code",
}

FR: dict[str, str] = {
    "title": "Paiement sécurisé",
    "test_mode": "Mode TEST : aucune carte réelle n'est débitée. Utilisez une des cartes de test ci-dessous.",
    "production_mode": "Mode PRODUCTION (plateforme simulée) : aucune carte réelle n'est débitée.",
    "shop": "Boutique",
    "order": "Référence de la commande",
    "amount": "Montant",
    "trans_id": "Transaction",
    "card_number": "Numéro de carte",
    "expiry": "Date d'expiration",
    "cvv": "Cryptogramme visuel",
    "pay": "Valider",
    "cancel": "Annuler et retourner à la boutique",
    "language": "Langue",
    "test_cards": "Cartes de test",
    "test_table": "Tableau des tests du Back Office (une ligne par scénario)",
    "scenario_cards": "Autres scénarios",
    "row": "Ligne",
    "scenario": "Scénario",
    "card": "Carte",
    "session_expires": "Votre session de paiement expire à",
    "unknown_card": "Ce numéro n'est pas une carte de test de la plateforme : utilisez une des cartes ci-dessous.",
    "card_not_allowed": "Ce type de carte n'est pas accepté par la boutique pour ce paiement.",
    "threeds_requested": "3-D Secure : la boutique a demandé une authentification sans interaction (frictionless)",
    "threeds_honoured": "transmise à l'émetteur",
    "threeds_ignored": "ignorée (paiement en euro de 30 EUR ou plus) : aucune préférence transmise",
    "challenge_title": "Authentification 3-D Secure",
    "challenge_text": "Votre banque vous demande de confirmer ce paiement (challenge ACS simulé).",
    "challenge_approve": "Confirmer (authentification réussie)",
    "challenge_fail": "Faire échouer l'authentification",
    "accepted_title": "Paiement accepté",
    "to_validate_title": "Paiement accepté, en attente de validation par la boutique",
    "refused_title": "Paiement refusé",
    "cancelled_title": "Paiement annulé",
    "expired_title": "Session de paiement expirée",
    "expired_text": "Votre session de paiement a expiré (10 minutes au maximum). Aucun paiement n'a été effectué.",
    "return_to_shop": "Retourner à la boutique",
    "redirect_default": "Redirection vers la boutique dans quelques instants",
    "status": "Statut",
    "error_title": "Demande de paiement rejetée",
    "error_text": "Le formulaire de paiement envoyé par la boutique est invalide.",
    "error_code": "Code d'erreur",
}

_TEXTS = {"en": EN, "fr": FR}
_DECIMAL_COMMA = frozenset({"fr", "de", "es", "it", "nl", "pl", "pt", "ru", "sv", "tr"})


def texts(lang: str) -> dict[str, str]:
    """Texts for ``lang``; English for languages without their own texts."""
    return _TEXTS.get(lang, EN)


def format_amount(minor: int, currency: Currency, lang: str) -> str:
    """``12.30 EUR`` (en) / ``12,30 EUR`` (fr): the currency exponent decides the decimals."""
    text = f"{from_minor_units(minor, currency):.{currency.exponent}f}"
    if lang in _DECIMAL_COMMA:
        text = text.replace(".", ",")
    return f"{text} {currency.alpha}"
