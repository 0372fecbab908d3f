"""The store settings form: every setting of the seed guide (section 5.3).

Labels and help texts come from the seed (French) with English versions; the
admin's language picks one. Keys are never rendered back; an empty key field
keeps the stored key.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import colander
import deform

from ..protocol.languages import LANGUAGES
from ..protocol.signature import ALGORITHMS

NOTIFICATION_HELP = {
    "fr": "URL de notification à renseigner dans le Back Office Marchand (Paramétrage > Règles de notifications) "
    "pour les règles « fin du paiement », « annulation » et « opération provenant du Back Office », "
    "en mode TEST et en mode PRODUCTION.",
    "en": "Notification URL to enter in the Merchant Back Office (Settings > Notification rules) for the rules "
    "“end of payment”, “cancellation” and “operation coming from the Back Office”, in TEST and PRODUCTION mode.",
}

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    # name: {lang: (title, description)}
    "site_id": {
        "fr": ("Identifiant boutique", "Indiquez l'identifiant boutique sur 8 chiffres, disponible sur votre Back Office Marchand (Menu : Paramétrage > Boutiques > Clés)."),
        "en": ("Shop ID", "The 8-digit shop ID, shown in your Merchant Back Office (Settings > Shop > Keys)."),
    },
    "key_test": {
        "fr": ("Clé en mode test", "Indiquez la clé de test disponible depuis votre Back Office Marchand (Menu : Paramétrage > Boutiques > Clés). Laissez vide pour conserver la clé enregistrée."),
        "en": ("Key in test mode", "The test key from your Merchant Back Office (Settings > Shop > Keys). Leave empty to keep the saved key."),
    },
    "key_prod": {
        "fr": ("Clé en mode production", "Indiquez la clé de production disponible dans votre Back Office Marchand (Menu : Paramétrage > Boutiques > Clés). Attention cette clé de production n'est disponible qu'après avoir réalisé la phase de test. Laissez vide pour conserver la clé enregistrée."),
        "en": ("Key in production mode", "The production key from your Merchant Back Office (Settings > Shop > Keys); it is only available once the test phase is done. Leave empty to keep the saved key."),
    },
    "ctx_mode": {
        "fr": ("Mode", "Permet d'indiquer le mode de fonctionnement du module (TEST ou PRODUCTION). Le mode PRODUCTION n'est disponible qu'après avoir réalisé la phase de test. Le mode TEST est toujours disponible."),
        "en": ("Mode", "The module's mode (TEST or PRODUCTION). PRODUCTION is only available once the test phase is done; TEST is always available."),
    },
    "sign_algo": {
        "fr": ("Algorithme de signature", "Doit être identique à l'algorithme choisi dans le Back Office Marchand (Paramétrage > Boutique > Clés). HMAC-SHA-256 est recommandé."),
        "en": ("Signature algorithm", "Must match the algorithm selected in the Merchant Back Office (Settings > Shop > Keys). HMAC-SHA-256 is recommended."),
    },
    "default_language": {
        "fr": ("Langue par défaut", "Cette option permet de choisir la langue de la page de paiement par défaut dans le cas où la langue de la boutique ne serait pas connue par la plateforme de paiement."),
        "en": ("Default language", "Language of the payment page when the shop's language is not one the payment platform knows."),
    },
    "available_languages": {
        "fr": ("Langues disponibles", "Permet de personnaliser l'affichage des langues sur la page de paiement. Si vous ne sélectionnez aucune langue, alors toutes les langues seront proposées."),
        "en": ("Available languages", "Languages the buyer can switch to on the payment page. Select none to offer them all."),
    },
    "capture_delay": {
        "fr": ("Délai avant remise en banque", "Indique le délai en nombre de jours avant remise en banque. Par défaut ce paramètre est géré dans votre Back Office Marchand. Il est conseillé de ne pas renseigner ce paramètre."),
        "en": ("Capture delay", "Number of days before the payment is captured. Leave empty to use the Back Office setting (recommended)."),
    },
    "validation_mode": {
        "fr": ("Mode de validation", "Configuration Back Office : valeur conseillée. Manuelle : les transactions devront être validées depuis le Back Office Marchand avant la date d'expiration de la demande d'autorisation ; activez aussi l'URL de notification sur une opération provenant du Back Office."),
        "en": ("Validation mode", "Back Office configuration is recommended. Manual: each payment must be validated in the Back Office before its authorisation expires; enable the Back Office operation notification too."),
    },
    "threeds_manage": {
        "fr": ("Gérer le 3DS", "Demande une authentification sans interaction (frictionless 3DS2). Nécessite l'option Frictionless 3DS2. En euro, la demande n'est transmise que sous 30 € ; si elle est acceptée par l'émetteur, le marchand perd la garantie de paiement."),
        "en": ("Manage 3DS", "Request a frictionless 3DS2 authentication (needs the Frictionless 3DS2 option). In euro it is only sent below €30; if the issuer accepts it, the payment guarantee is lost."),
    },
    "threeds_max_amount": {
        "fr": ("Montant maximum pour le 3DS personnalisé", "La demande frictionless n'est envoyée que pour les commandes d'un montant inférieur. Vide : quel que soit le montant."),
        "en": ("Maximum amount for custom 3DS", "Frictionless is only requested for orders below this amount. Empty: any amount."),
    },
    "redirect_enabled": {
        "fr": ("Redirection automatique", "Redirige automatiquement l'acheteur vers la boutique à la fin du paiement. Option désactivée par défaut."),
        "en": ("Automatic redirection", "Sends the buyer back to the shop automatically after the payment. Off by default."),
    },
    "redirect_success_timeout": {
        "fr": ("Temps avant redirection (succès)", "Délai en secondes avant que votre client soit redirigé vers votre boutique dans le cas d'un paiement réussi."),
        "en": ("Time before redirection (success)", "Seconds before the buyer is sent back after a successful payment."),
    },
    "redirect_success_message": {
        "fr": ("Message avant redirection (succès)", "Message inscrit sur la plateforme suite à un paiement réussi avant que votre client soit redirigé vers la boutique."),
        "en": ("Message before redirection (success)", "Message shown by the payment platform after a successful payment, before the redirection."),
    },
    "redirect_error_timeout": {
        "fr": ("Temps avant redirection (échec)", "Délai en secondes avant que votre client soit redirigé vers votre boutique dans le cas d'un paiement échoué."),
        "en": ("Time before redirection (failure)", "Seconds before the buyer is sent back after a failed payment."),
    },
    "redirect_error_message": {
        "fr": ("Message avant redirection (échec)", "Message inscrit sur la plateforme suite à un échec de paiement avant que votre client soit redirigé vers la boutique."),
        "en": ("Message before redirection (failure)", "Message shown by the payment platform after a failed payment, before the redirection."),
    },
}

CHOICES = {
    "fr": {
        "bo": "Configuration Back Office",
        "auto": "Automatique",
        "manual": "Manuelle",
        "save": "Mettre à jour",
        "key_required": "Aucune clé enregistrée pour ce mode : saisissez-la.",
        "prod_disabled": "Le mode PRODUCTION n'est pas disponible sur ce déploiement.",
        "amount": "Montant invalide",
        "prod_needs_key": "Saisissez la clé de production pour passer en mode PRODUCTION.",
        "site_id_format": "L'identifiant boutique compte exactement 8 chiffres.",
        "key_format": "La clé compte de 1 à 128 caractères, sans espace.",
    },
    "en": {
        "bo": "Back Office configuration",
        "auto": "Automatic",
        "manual": "Manual",
        "save": "Update",
        "key_required": "No key saved for this mode: enter it.",
        "prod_disabled": "PRODUCTION mode is not available on this deployment.",
        "amount": "Invalid amount",
        "prod_needs_key": "Enter the production key to switch to PRODUCTION mode.",
        "site_id_format": "The shop ID has exactly 8 digits.",
        "key_format": "The key has 1 to 128 characters, without spaces.",
    },
}

DEFAULT_REDIRECT_MESSAGE = "Redirection vers la boutique dans quelques instants"

LANGUAGE_NAMES = {
    "fr": {
        "de": "allemand", "en": "anglais", "zh": "chinois", "es": "espagnol", "fr": "français", "it": "italien",
        "ja": "japonais", "nl": "néerlandais", "pl": "polonais", "pt": "portugais", "ru": "russe", "sv": "suédois",
        "tr": "turc",
    },
    "en": {
        "de": "German", "en": "English", "zh": "Chinese", "es": "Spanish", "fr": "French", "it": "Italian",
        "ja": "Japanese", "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "ru": "Russian", "sv": "Swedish",
        "tr": "Turkish",
    },
}


def admin_lang(lang: str | None) -> str:
    return "fr" if (lang or "").lower().startswith("fr") else "en"


def _node(typ: Any, name: str, lang: str, **kw: Any) -> colander.SchemaNode:
    title, description = TEXTS[name][lang]
    return colander.SchemaNode(typ, name=name, title=title, description=description, **kw)


def settings_schema(
    lang: str,
    *,
    allow_production: bool,
    has_key_test: bool,
    has_key_prod: bool,
) -> colander.Schema:
    """The schema, bound to what the store already has saved."""
    lang = admin_lang(lang)
    c = CHOICES[lang]
    modes = [("TEST", "TEST")] + ([("PRODUCTION", "PRODUCTION")] if allow_production else [])
    languages = [(code, LANGUAGE_NAMES[lang][code]) for code in LANGUAGES]
    schema = colander.Schema()
    schema.add(_node(colander.String(), "site_id", lang, validator=colander.Regex(r"^\d{8}$", msg=c["site_id_format"]), default="12345678"))
    for name, saved in (("key_test", has_key_test), ("key_prod", has_key_prod)):
        schema.add(
            _node(
                colander.String(),
                name,
                lang,
                missing="",
                validator=colander.Regex(r"^[\x21-\x7e]{1,128}$", msg=c["key_format"]),
                widget=deform.widget.PasswordWidget(
                    redisplay=False,
                    attributes={"autocomplete": "new-password", "placeholder": "••••••••" if saved else ""},
                ),
            )
        )
    schema.add(
        _node(
            colander.String(),
            "ctx_mode",
            lang,
            default="TEST",
            validator=colander.OneOf([m for m, _ in modes]),
            widget=deform.widget.SelectWidget(values=modes),
        )
    )
    schema.add(
        _node(
            colander.String(),
            "sign_algo",
            lang,
            default="HMAC-SHA-256",
            validator=colander.OneOf(ALGORITHMS),
            widget=deform.widget.SelectWidget(values=[(a, a) for a in ALGORITHMS]),
        )
    )
    schema.add(
        _node(
            colander.String(),
            "default_language",
            lang,
            default="fr",
            validator=colander.OneOf(list(LANGUAGES)),
            widget=deform.widget.SelectWidget(values=languages),
        )
    )
    schema.add(
        _node(
            colander.Set(),
            "available_languages",
            lang,
            missing=(),
            default=(),
            validator=colander.ContainsOnly(list(LANGUAGES)),
            widget=deform.widget.SelectWidget(values=languages, multiple=True, size=6),
        )
    )
    schema.add(_node(colander.Integer(), "capture_delay", lang, missing=None, validator=colander.Range(0, 365)))
    schema.add(
        _node(
            colander.String(),
            "validation_mode",
            lang,
            missing="",
            default="",
            validator=colander.OneOf(["", "0", "1"]),
            widget=deform.widget.SelectWidget(values=[("", c["bo"]), ("0", c["auto"]), ("1", c["manual"])]),
        )
    )
    schema.add(_node(colander.Boolean(), "threeds_manage", lang, missing=False, default=False))
    schema.add(
        _node(
            colander.Decimal(quant="0.001"),
            "threeds_max_amount",
            lang,
            missing=None,
            validator=colander.Range(min=Decimal("0.001"), max=Decimal("999999999")),
        )
    )
    schema.add(_node(colander.Boolean(), "redirect_enabled", lang, missing=False, default=False))
    schema.add(_node(colander.Integer(), "redirect_success_timeout", lang, default=5, validator=colander.Range(0, 300)))
    schema.add(
        _node(colander.String(), "redirect_success_message", lang, missing="", default=DEFAULT_REDIRECT_MESSAGE, validator=colander.Length(max=255))
    )
    schema.add(_node(colander.Integer(), "redirect_error_timeout", lang, default=5, validator=colander.Range(0, 300)))
    schema.add(
        _node(colander.String(), "redirect_error_message", lang, missing="", default=DEFAULT_REDIRECT_MESSAGE, validator=colander.Length(max=255))
    )

    def cross_check(form: colander.SchemaNode, values: dict[str, Any]) -> None:
        error = colander.Invalid(form)
        if values["ctx_mode"] == "PRODUCTION":
            if not allow_production:
                error["ctx_mode"] = c["prod_disabled"]
            elif not (values.get("key_prod") or has_key_prod):
                error["key_prod"] = c["prod_needs_key"]
        if error.children:
            raise error

    schema.validator = cross_check
    return schema


def appstruct_from_store(store: Any) -> dict[str, Any]:
    """Values of a saved store for the form (keys never included)."""
    return {
        "site_id": store.site_id or "12345678",
        "ctx_mode": store.ctx_mode,
        "sign_algo": store.sign_algo,
        "default_language": store.default_language,
        "available_languages": set(store.languages),
        "capture_delay": store.capture_delay if store.capture_delay is not None else colander.null,
        "validation_mode": store.validation_mode or "",
        "threeds_manage": store.threeds_manage,
        "threeds_max_amount": store.threeds_max_amount if store.threeds_max_amount is not None else colander.null,
        "redirect_enabled": store.redirect_enabled,
        "redirect_success_timeout": store.redirect_success_timeout,
        "redirect_success_message": store.redirect_success_message,
        "redirect_error_timeout": store.redirect_error_timeout,
        "redirect_error_message": store.redirect_error_message,
    }


def make_form(schema: colander.Schema, action: str, lang: str, token: str, renderer: Any = None) -> deform.Form:
    form = deform.Form(
        schema,
        action=action,
        buttons=(deform.Button("save", CHOICES[admin_lang(lang)]["save"]),),
        formid="settings",
        renderer=renderer,
    )
    form.settings_token = token
    return form
