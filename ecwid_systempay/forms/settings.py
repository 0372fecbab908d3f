"""The store settings form: every setting of the seed guide (section 5.3).

Labels, help texts and messages are message ids of the admin domain (English;
French from the seed in ``locale/fr/LC_MESSAGES/ecwid_systempay_admin.po``): Deform
translates them when it renders, with the renderer of the admin's language. Keys
are never rendered back; an empty key field keeps the stored key.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import colander
import deform
from translationstring import TranslationString

from ..i18n import admin_message as _
from ..protocol.languages import LANGUAGES
from ..protocol.signature import ALGORITHMS

NOTIFICATION_HELP = _("Notification URL to enter in the Merchant Back Office (Settings > Notification rules) for the rules “end of payment”, “cancellation” and “operation coming from the Back Office”, in TEST and PRODUCTION mode.")

#: Each setting's (title, description).
FIELDS: dict[str, tuple[TranslationString, TranslationString]] = {
    "site_id": (_("Shop ID"), _("The 8-digit shop ID, shown in your Merchant Back Office (Settings > Shop > Keys).")),
    "key_test": (_("Key in test mode"), _("The test key from your Merchant Back Office (Settings > Shop > Keys). Leave empty to keep the saved key.")),
    "key_prod": (_("Key in production mode"), _("The production key from your Merchant Back Office (Settings > Shop > Keys); it is only available once the test phase is done. Leave empty to keep the saved key.")),
    "ctx_mode": (_("Mode"), _("The module's mode (TEST or PRODUCTION). PRODUCTION is only available once the test phase is done; TEST is always available.")),
    "sign_algo": (_("Signature algorithm"), _("Must match the algorithm selected in the Merchant Back Office (Settings > Shop > Keys). HMAC-SHA-256 is recommended.")),
    "default_language": (_("Default language"), _("Language of the payment page when the shop's language is not one the payment platform knows.")),
    "available_languages": (_("Available languages"), _("Languages the buyer can switch to on the payment page. Select none to offer them all.")),
    "capture_delay": (_("Capture delay"), _("Number of days before the payment is captured. Leave empty to use the Back Office setting (recommended).")),
    "validation_mode": (_("Validation mode"), _("Back Office configuration is recommended. Manual: each payment must be validated in the Back Office before its authorisation expires; enable the Back Office operation notification too.")),
    "threeds_manage": (_("Manage 3DS"), _("Request a frictionless 3DS2 authentication (needs the Frictionless 3DS2 option). In euro it is only sent below €30; if the issuer accepts it, the payment guarantee is lost.")),
    "threeds_max_amount": (_("Maximum amount for custom 3DS"), _("Frictionless is only requested for orders below this amount. Empty: any amount.")),
    "redirect_enabled": (_("Automatic redirection"), _("Sends the buyer back to the shop automatically after the payment. Off by default.")),
    "redirect_success_timeout": (_("Time before redirection (success)"), _("Seconds before the buyer is sent back after a successful payment.")),
    "redirect_success_message": (_("Message before redirection (success)"), _("Message shown by the payment platform after a successful payment, before the redirection.")),
    "redirect_error_timeout": (_("Time before redirection (failure)"), _("Seconds before the buyer is sent back after a failed payment.")),
    "redirect_error_message": (_("Message before redirection (failure)"), _("Message shown by the payment platform after a failed payment, before the redirection.")),
}

VALIDATION_MODES = [("", _("Back Office configuration")), ("0", _("Automatic")), ("1", _("Manual"))]
SAVE = _("Update")
PRODUCTION_DISABLED = _("PRODUCTION mode is not available on this deployment.")
PRODUCTION_NEEDS_KEY = _("Enter the production key to switch to PRODUCTION mode.")
SITE_ID_FORMAT = _("The shop ID has exactly 8 digits.")
KEY_FORMAT = _("The key has 1 to 128 characters, without spaces.")
AMOUNT_FORMAT = _("Invalid amount")
TEXT_FORMAT = _("Letters, digits and punctuation only: no line break, tab or control character.")

#: A plain amount, up to 999999999 with 3 decimals ("," accepted as the decimal mark): no exponent,
#: no NaN or Infinity, no digits of other scripts.
AMOUNT = re.compile(r"[0-9]{1,9}(?:[.,][0-9]{1,3})?")
#: Printable text: no C0/C1 control character (NUL is refused by PostgreSQL, line breaks by the gateway).
PRINTABLE = r"^[^\x00-\x1f\x7f-\x9f]*\Z"

# A setting's default value sent to the payment platform (the seed's), not a text of this page.
DEFAULT_REDIRECT_MESSAGE = "Redirection vers la boutique dans quelques instants"

LANGUAGE_NAMES: dict[str, TranslationString] = {
    "de": _("German"),
    "en": _("English"),
    "zh": _("Chinese"),
    "es": _("Spanish"),
    "fr": _("French"),
    "it": _("Italian"),
    "ja": _("Japanese"),
    "nl": _("Dutch"),
    "pl": _("Polish"),
    "pt": _("Portuguese"),
    "ru": _("Russian"),
    "sv": _("Swedish"),
    "tr": _("Turkish"),
}


class Amount(colander.SchemaType):
    """A positive decimal typed by a person; anything else is :data:`AMOUNT_FORMAT` next to the field."""

    def serialize(self, node: colander.SchemaNode, appstruct: Any) -> Any:
        if appstruct in (colander.null, None):
            return colander.null
        return str(appstruct)

    def deserialize(self, node: colander.SchemaNode, cstruct: Any) -> Any:
        if cstruct in (colander.null, None) or (isinstance(cstruct, str) and not cstruct.strip()):
            return colander.null
        if not isinstance(cstruct, str) or not AMOUNT.fullmatch(cstruct.strip()):
            raise colander.Invalid(node, AMOUNT_FORMAT)
        return Decimal(cstruct.strip().replace(",", "."))


def admin_lang(lang: str | None) -> str:
    """The settings pages' language: French for ``fr*``, else English."""
    return "fr" if (lang or "").lower().startswith("fr") else "en"


def _node(typ: Any, name: str, **kw: Any) -> colander.SchemaNode:
    title, description = FIELDS[name]
    return colander.SchemaNode(typ, name=name, title=title, description=description, **kw)


def settings_schema(
    *,
    allow_production: bool,
    has_key_test: bool,
    has_key_prod: bool,
) -> colander.Schema:
    """The schema, bound to what the store already has saved."""
    modes = [("TEST", "TEST")] + ([("PRODUCTION", "PRODUCTION")] if allow_production else [])
    languages = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
    schema = colander.Schema()
    schema.add(_node(colander.String(), "site_id", validator=colander.Regex(r"^[0-9]{8}\Z", msg=SITE_ID_FORMAT), default="12345678"))
    for name, saved in (("key_test", has_key_test), ("key_prod", has_key_prod)):
        schema.add(
            _node(
                colander.String(),
                name,
                missing="",
                validator=colander.Regex(r"^[\x21-\x7e]{1,128}\Z", msg=KEY_FORMAT),
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
            default="TEST",
            validator=colander.OneOf([m for m, label in modes]),
            widget=deform.widget.SelectWidget(values=modes),
        )
    )
    schema.add(
        _node(
            colander.String(),
            "sign_algo",
            default="HMAC-SHA-256",
            validator=colander.OneOf(ALGORITHMS),
            widget=deform.widget.SelectWidget(values=[(a, a) for a in ALGORITHMS]),
        )
    )
    schema.add(
        _node(
            colander.String(),
            "default_language",
            default="fr",
            validator=colander.OneOf(list(LANGUAGES)),
            widget=deform.widget.SelectWidget(values=languages),
        )
    )
    schema.add(
        _node(
            colander.Set(),
            "available_languages",
            missing=(),
            default=(),
            validator=colander.ContainsOnly(list(LANGUAGES)),
            widget=deform.widget.SelectWidget(values=languages, multiple=True, size=6),
        )
    )
    schema.add(_node(colander.Integer(), "capture_delay", missing=None, validator=colander.Range(0, 365)))
    schema.add(
        _node(
            colander.String(),
            "validation_mode",
            missing="",
            default="",
            validator=colander.OneOf([value for value, label in VALIDATION_MODES]),
            widget=deform.widget.SelectWidget(values=VALIDATION_MODES),
        )
    )
    schema.add(_node(colander.Boolean(), "threeds_manage", missing=False, default=False))
    schema.add(
        _node(
            Amount(),
            "threeds_max_amount",
            missing=None,
            validator=colander.Range(min=Decimal("0.001"), max=Decimal("999999999")),
        )
    )
    schema.add(_node(colander.Boolean(), "redirect_enabled", missing=False, default=False))
    schema.add(_node(colander.Integer(), "redirect_success_timeout", default=5, validator=colander.Range(0, 300)))
    schema.add(
        _node(
            colander.String(),
            "redirect_success_message",
            missing="",
            default=DEFAULT_REDIRECT_MESSAGE,
            validator=colander.All(colander.Length(max=255), colander.Regex(PRINTABLE, msg=TEXT_FORMAT)),
        )
    )
    schema.add(_node(colander.Integer(), "redirect_error_timeout", default=5, validator=colander.Range(0, 300)))
    schema.add(
        _node(
            colander.String(),
            "redirect_error_message",
            missing="",
            default=DEFAULT_REDIRECT_MESSAGE,
            validator=colander.All(colander.Length(max=255), colander.Regex(PRINTABLE, msg=TEXT_FORMAT)),
        )
    )

    def cross_check(form: colander.SchemaNode, values: dict[str, Any]) -> None:
        error = colander.Invalid(form)
        if values["ctx_mode"] == "PRODUCTION":
            if not allow_production:
                error["ctx_mode"] = PRODUCTION_DISABLED
            elif not (values.get("key_prod") or has_key_prod):
                error["key_prod"] = PRODUCTION_NEEDS_KEY
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


def make_form(schema: colander.Schema, action: str, token: str, renderer: Any = None) -> deform.Form:
    """The form; ``renderer`` translates (Deform's templates in the admin's language)."""
    form = deform.Form(
        schema,
        action=action,
        buttons=(deform.Button("save", SAVE),),
        formid="settings",
        renderer=renderer,
    )
    form.settings_token = token
    return form
