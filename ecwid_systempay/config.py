"""Application settings: INI values, overridable by environment variables.

``ecwid_systempay.secret_keys`` may be set by ``ECWID_SYSTEMPAY_SECRET_KEYS`` and
``sqlalchemy.url`` by ``SQLALCHEMY_URL``: a dotted name becomes upper case with
underscores. Parsed once into :class:`AppSettings`, kept on the registry.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field

from pyramid.settings import asbool, aslist

PREFIX = "ecwid_systempay."
DEFAULT_BRAND = "systempay"
#: name: (title, payment page URL, Merchant Back Office URL), spec section 10.
BRAND_DEFAULTS = {
    "systempay": ("Systempay", "https://paiement.systempay.fr/vads-payment/", "https://paiement.systempay.fr/vads-merchant/"),
    "payzen": ("PayZen", "https://secure.payzen.eu/vads-payment/", "https://secure.payzen.eu/vads-merchant/"),
    "sogecommerce": (
        "Sogecommerce",
        "https://sogecommerce.societegenerale.eu/vads-payment/",
        "https://sogecommerce.societegenerale.eu/vads-merchant/",
    ),
    "scellius": (
        "Scellius",
        "https://scelliuspaiement.labanquepostale.fr/vads-payment/",
        "https://scelliuspaiement.labanquepostale.fr/vads-merchant/",
    ),
    "clicandpay": ("Clic&Pay", "https://clicandpay.groupecdn.fr/vads-payment/", "https://clicandpay.groupecdn.fr/vads-merchant/"),
    "osb": ("PayZen by OSB", "https://secure.osb.pf/vads-payment/", "https://secure.osb.pf/vads-merchant/"),
}
#: Our own wordmark of each brand (static/brands/<name>.svg); others get a neutral card.
BRAND_LOGOS = frozenset(BRAND_DEFAULTS)


def logo_asset(name: str) -> str:
    """The asset spec of a brand's logo in the admin pages."""
    return f"ecwid_systempay:static/brands/{name if name in BRAND_LOGOS else 'generic'}.svg"


#: Ecwid's app JS SDK and admin CSS framework (what native app pages load).
ECWID_SDK_URL = "https://djqizrxa6f10j.cloudfront.net/ecwid-sdk/js/1.3.0/ecwid-app.js"
ECWID_CSS_URL = "https://d35z3p2poghz10.cloudfront.net/ecwid-sdk/css/1.3.19/ecwid-app-ui.css"

#: Lifetime of the gateway's payment session: a form re-posted later is refused (error 03).
SESSION_SECONDS = 600


class ConfigurationError(ValueError):
    """A required setting is missing or wrong."""


def env_name(setting: str) -> str:
    return setting.upper().replace(".", "_").replace("-", "_")


def apply_environment(settings: MutableMapping[str, str], environ: Mapping[str, str] | None = None) -> None:
    """Let environment variables override known and brand settings."""
    environ = os.environ if environ is None else environ
    known = set(settings) | {
        "sqlalchemy.url",
        PREFIX + "secret_keys",
        PREFIX + "public_url",
        PREFIX + "ecwid_api_url",
        PREFIX + "allow_production",
        PREFIX + "brands",
    }
    brands = aslist(environ.get(env_name(PREFIX + "brands"), settings.get(PREFIX + "brands", DEFAULT_BRAND)))
    for brand in brands:
        for item in ("client_id", "client_secret", "payment_url", "back_office_url", "title"):
            known.add(f"{PREFIX}brand.{brand}.{item}")
    for name in known:
        value = environ.get(env_name(name))
        if value is not None:
            settings[name] = value


@dataclass(frozen=True)
class Brand:
    """One Lyra brand served by this deployment, with its own Ecwid app."""

    name: str
    title: str
    client_id: str
    client_secret: str
    payment_url: str
    #: The Merchant Back Office (keys, notification rules, test table) the settings page links to.
    back_office_url: str = ""

    @property
    def logo(self) -> str:
        return logo_asset(self.name)


@dataclass(frozen=True)
class AppSettings:
    public_url: str
    ecwid_api_url: str
    secret_keys: tuple[str, ...]
    allow_production: bool
    brands: dict[str, Brand]
    admin_origins: tuple[str, ...]
    settings_token_max_age: int = 3600
    token_proof_max_age: int = 300
    ecwid_timeout: float = 10.0
    worker_in_process: bool = True
    worker_interval: float = 1.0
    #: After a wake-up, the worker waits this long so that the updates committed meanwhile go in the same batch.
    worker_gather_seconds: float = 0.02
    worker_lease_seconds: int = 60
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    dead_letter_after_seconds: int = 24 * 3600
    return_wait_checks: int = 5
    return_check_seconds: int = 2
    reconcile_after_seconds: int = 2 * 3600
    checkout_reuse_seconds: int = 540
    max_attempts_per_order: int = 10
    alert_recipients: tuple[str, ...] = ()
    alert_sender: str = "ecwid-systempay@localhost"
    default_language: str = "fr"
    ecwid_sdk_url: str = ECWID_SDK_URL
    ecwid_css_url: str = ECWID_CSS_URL
    extra: dict[str, str] = field(default_factory=dict)

    def brand(self, name: str | None) -> Brand:
        """The brand named by ``app-name`` (systempay when absent); KeyError if unknown."""
        return self.brands[(name or DEFAULT_BRAND).strip().lower()]

    def url(self, path: str) -> str:
        return self.public_url.rstrip("/") + "/" + path.lstrip("/")


def _get(settings: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    value = settings.get(PREFIX + name, default)
    return value.strip() if isinstance(value, str) else value


def _http_url(settings: Mapping[str, str], name: str, default: str) -> str:
    value = _get(settings, name, default) or default
    if not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
        raise ConfigurationError(f"ecwid_systempay.{name} must be an http(s) URL")
    return value


def parse_settings(settings: Mapping[str, str]) -> AppSettings:
    """Validate the INI settings into :class:`AppSettings`."""
    secret_keys = tuple(aslist(_get(settings, "secret_keys", "") or ""))
    if not secret_keys:
        raise ConfigurationError("ecwid_systempay.secret_keys is required (Fernet keys, newest first)")
    public_url = _get(settings, "public_url")
    if not public_url:
        raise ConfigurationError("ecwid_systempay.public_url is required")
    brands: dict[str, Brand] = {}
    for name in aslist(_get(settings, "brands", DEFAULT_BRAND) or DEFAULT_BRAND):
        name = name.lower()
        default_title, default_url, default_back_office = BRAND_DEFAULTS.get(name, (name.title(), "", ""))
        client_id = _get(settings, f"brand.{name}.client_id") or ""
        client_secret = _get(settings, f"brand.{name}.client_secret") or ""
        payment_url = _get(settings, f"brand.{name}.payment_url") or default_url
        if len(client_secret) < 16:
            raise ConfigurationError(f"ecwid_systempay.brand.{name}.client_secret must have 16 characters or more")
        if not payment_url:
            raise ConfigurationError(f"ecwid_systempay.brand.{name}.payment_url is required")
        brands[name] = Brand(
            name=name,
            title=_get(settings, f"brand.{name}.title") or default_title,
            client_id=client_id,
            client_secret=client_secret,
            payment_url=payment_url,
            back_office_url=_get(settings, f"brand.{name}.back_office_url") or default_back_office,
        )
    reuse_seconds = int(_get(settings, "checkout.reuse_seconds", "540") or 0)
    if not 0 <= reuse_seconds <= SESSION_SECONDS:
        raise ConfigurationError(
            f"ecwid_systempay.checkout.reuse_seconds must be between 0 and {SESSION_SECONDS}"
            " (the gateway's payment session lasts 10 minutes)"
        )
    max_attempts = int(_get(settings, "checkout.max_attempts_per_order", "10") or 0)
    if max_attempts < 1:
        raise ConfigurationError("ecwid_systempay.checkout.max_attempts_per_order must be 1 or more")
    return AppSettings(
        public_url=public_url.rstrip("/"),
        ecwid_api_url=(_get(settings, "ecwid_api_url") or "https://app.ecwid.com/api/v3").rstrip("/"),
        secret_keys=secret_keys,
        allow_production=asbool(_get(settings, "allow_production", "false")),
        brands=brands,
        admin_origins=tuple(
            aslist(_get(settings, "admin_origins", "https://my.ecwid.com https://app.ecwid.com") or "")
        ),
        settings_token_max_age=int(_get(settings, "settings_token_max_age", "3600") or 3600),
        token_proof_max_age=int(_get(settings, "token_proof_seconds", "300") or 0),
        ecwid_timeout=float(_get(settings, "ecwid_timeout", "10") or 10),
        worker_in_process=asbool(_get(settings, "worker.in_process", "true")),
        worker_interval=float(_get(settings, "worker.interval", "1") or 1),
        worker_gather_seconds=max(0.0, float(_get(settings, "worker.gather_ms", "20") or 0) / 1000),
        worker_lease_seconds=int(_get(settings, "worker.lease_seconds", "60") or 60),
        retry_base_seconds=float(_get(settings, "retry.base_seconds", "30") or 30),
        retry_max_seconds=float(_get(settings, "retry.max_seconds", "3600") or 3600),
        dead_letter_after_seconds=int(_get(settings, "retry.dead_letter_after_seconds", str(24 * 3600)) or 0),
        return_wait_checks=int(_get(settings, "return.wait_checks", "5") or 5),
        return_check_seconds=int(_get(settings, "return.check_seconds", "2") or 2),
        reconcile_after_seconds=int(_get(settings, "reconcile_after_seconds", str(2 * 3600)) or 0),
        alert_recipients=tuple(aslist(_get(settings, "alert_recipients", "") or "")),
        alert_sender=_get(settings, "alert_sender", "ecwid-systempay@localhost") or "ecwid-systempay@localhost",
        default_language=_get(settings, "default_language", "fr") or "fr",
        ecwid_sdk_url=_http_url(settings, "ecwid_sdk_url", ECWID_SDK_URL),
        ecwid_css_url=_http_url(settings, "ecwid_css_url", ECWID_CSS_URL),
        checkout_reuse_seconds=reuse_seconds,
        max_attempts_per_order=max_attempts,
    )


def includeme(config) -> None:  # type: ignore[no-untyped-def]
    """Parse the settings once and expose them as ``request.app_settings``."""
    apply_environment(config.registry.settings)
    app_settings = parse_settings(config.registry.settings)
    config.registry["app_settings"] = app_settings
    config.add_request_method(lambda request: request.registry["app_settings"], "app_settings", reify=True)
