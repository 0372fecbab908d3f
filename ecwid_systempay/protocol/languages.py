"""Payment page languages supported by the Lyra gateways (seed section 5.3)."""

from __future__ import annotations

LANGUAGES: dict[str, str] = {
    "de": "Deutsch",
    "en": "English",
    "zh": "中文",
    "es": "Español",
    "fr": "Français",
    "it": "Italiano",
    "ja": "日本語",
    "nl": "Nederlands",
    "pl": "Polski",
    "pt": "Português",
    "ru": "Русский",
    "sv": "Svenska",
    "tr": "Türkçe",
}
DEFAULT_LANGUAGE = "fr"


def normalize_language(value: str | None) -> str | None:
    """``'fr_FR'``/``'FR-fr'`` -> ``'fr'``; ``None`` when not a supported language."""
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def payment_language(ecwid_lang: str | None, default: str) -> str:
    """The storefront language when the gateway supports it, else the shop default."""
    return normalize_language(ecwid_lang) or default
