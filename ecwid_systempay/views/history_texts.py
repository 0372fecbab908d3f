"""Texts of the payment history page (French and English, like the settings page).

White-label: nothing here names the e-commerce platform; its order status is
"the order's payment status".
"""

from __future__ import annotations

PAGE = {
    "fr": {
        "title": "Historique des paiements",
        "open": "Historique des paiements",
        "intro": "Les paiements de la boutique, du plus récent au plus ancien. Heures en UTC.",
        "search_label": "Numéro de commande",
        "search_placeholder": "ex. XJ12H",
        "search": "Rechercher",
        "show_all": "Tout afficher",
        "back": "Retour aux paramètres",
        "date": "Date",
        "order": "Commande",
        "amount": "Montant",
        "mode": "Mode",
        "gateway_status": "Statut plateforme",
        "order_status": "Statut de paiement de la commande",
        "update": "Mise à jour de la commande",
        "attempt": "Transaction",
        "notifications": "Notifications",
        "no_notification": "Aucune notification reçue pour cette transaction.",
        "received": "Reçue",
        "source": "Source",
        "status": "Statut",
        "outcome": "Résultat",
        "empty": "Aucun paiement pour le moment.",
        "no_match": "Aucun paiement pour ce numéro de commande.",
        "page_empty": "Cette page est vide.",
        "page": "Page {page}",
        "previous": "Page précédente",
        "next": "Page suivante",
        "tries": "essais : {tries}",
        "last_error": "Dernière erreur :",
        "return_kept": "Conservé : la notification fait foi",
        "resend": "Renvoyer",
        "no_update": "Aucune",
        "flash_queued": "La mise à jour a été remise en file : elle sera envoyée dans quelques secondes.",
        "flash_not_found": "Cette mise à jour n'existe pas dans cette boutique.",
        "flash_not_dead": "Cette mise à jour n'est plus abandonnée : rien à renvoyer.",
        "flash_superseded": "Une mise à jour plus récente de cette commande existe : celle-ci n'est pas renvoyée.",
        "flash_bad_request": "Demande incomplète : rouvrez l'historique.",
    },
    "en": {
        "title": "Payment history",
        "open": "Payment history",
        "intro": "The store's payments, newest first. Times are in UTC.",
        "search_label": "Order number",
        "search_placeholder": "e.g. XJ12H",
        "search": "Search",
        "show_all": "Show all",
        "back": "Back to settings",
        "date": "Date",
        "order": "Order",
        "amount": "Amount",
        "mode": "Mode",
        "gateway_status": "Platform status",
        "order_status": "Order payment status",
        "update": "Order update",
        "attempt": "Transaction",
        "notifications": "Notifications",
        "no_notification": "No notification received for this transaction.",
        "received": "Received",
        "source": "Source",
        "status": "Status",
        "outcome": "Result",
        "empty": "No payment yet.",
        "no_match": "No payment for this order number.",
        "page_empty": "This page is empty.",
        "page": "Page {page}",
        "previous": "Previous page",
        "next": "Next page",
        "tries": "tries: {tries}",
        "last_error": "Last error:",
        "return_kept": "Kept: the notification decides",
        "resend": "Send again",
        "no_update": "None",
        "flash_queued": "The update is queued again: it will be sent within a few seconds.",
        "flash_not_found": "This update does not exist in this store.",
        "flash_not_dead": "This update is no longer given up: nothing to send again.",
        "flash_superseded": "A newer update of this order exists: this one is not sent again.",
        "flash_bad_request": "Incomplete request: please reopen the history.",
    },
}

#: State of the order update: queued, failed (retrying), sent, dead letter.
UPDATE_STATES = {
    "fr": {
        "queued": "En file d'attente",
        "failed": "Échec, nouvel essai prévu",
        "sent": "Envoyée",
        "dead": "Abandonnée",
    },
    "en": {
        "queued": "Queued",
        "failed": "Failed, will retry",
        "sent": "Sent",
        "dead": "Given up",
    },
}

#: The order's payment status as the store knows it.
ORDER_STATUSES = {
    "fr": {
        "AWAITING_PAYMENT": "En attente de paiement",
        "PAID": "Payée",
        "INCOMPLETE": "Incomplète",
        "CANCELLED": "Annulée",
        "REFUNDED": "Remboursée",
        "PARTIALLY_REFUNDED": "Partiellement remboursée",
    },
    "en": {
        "AWAITING_PAYMENT": "Awaiting payment",
        "PAID": "Paid",
        "INCOMPLETE": "Incomplete",
        "CANCELLED": "Cancelled",
        "REFUNDED": "Refunded",
        "PARTIALLY_REFUNDED": "Partially refunded",
    },
}

#: State of one payment attempt (transaction).
ATTEMPT_STATUSES = {
    "fr": {
        "NEW": "Envoyée à la page de paiement",
        "PENDING": "En attente",
        "PAID": "Payée",
        "FAILED": "Échouée",
        "CANCELLED": "Annulée",
        "REFUNDED": "Remboursée",
        "PARTIALLY_REFUNDED": "Partiellement remboursée",
    },
    "en": {
        "NEW": "Sent to the payment page",
        "PENDING": "Pending",
        "PAID": "Paid",
        "FAILED": "Failed",
        "CANCELLED": "Cancelled",
        "REFUNDED": "Refunded",
        "PARTIALLY_REFUNDED": "Partially refunded",
    },
}

#: What a notification did to its payment.
OUTCOMES = {
    "fr": {
        "payment_ok": "Paiement accepté",
        "payment_pending": "Paiement en attente",
        "payment_ko": "Paiement échoué",
        "payment_ok_already_done": "Déjà pris en compte",
        "payment_ko_already_done": "Échec déjà pris en compte",
        "payment_ko_on_order_ok": "Échec ignoré : commande déjà payée",
        "cancelled": "Paiement annulé",
        "refunded": "Remboursement",
        "abandoned_ignored": "Abandon ignoré",
        "rejected": "Refusée",
        None: "Non traitée",
    },
    "en": {
        "payment_ok": "Payment accepted",
        "payment_pending": "Payment pending",
        "payment_ko": "Payment failed",
        "payment_ok_already_done": "Already taken into account",
        "payment_ko_already_done": "Failure already taken into account",
        "payment_ko_on_order_ok": "Failure ignored: order already paid",
        "cancelled": "Payment cancelled",
        "refunded": "Refund",
        "abandoned_ignored": "Abandonment ignored",
        "rejected": "Rejected",
        None: "Not processed",
    },
}


def label(table: dict[str, dict], lang: str, value: object) -> str:
    """The translated label of ``value``, or the value itself when it has none."""
    found = table[lang].get(value)  # type: ignore[call-overload]
    return found if found is not None else ("" if value is None else str(value))
