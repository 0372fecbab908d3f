"""The locale of each request, Pyramid's localizers, and the start-up check of the catalogs.

A view decides the language (the payload's ``lang`` for the settings pages, the
payment's ``lang`` or Accept-Language for a buyer) and calls :func:`use_locale`;
``request.localizer`` (used by Chameleon's ``i18n:translate`` and by Deform) then
follows it. Nothing a client sends chooses a locale outside the supported ones
(Pyramid's default negotiator would take ``_LOCALE_`` from the query string).
Localizers are built once at start-up, one per supported language, and only read
afterwards, so requests and threads never share mutable translation state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyramid.exceptions import ConfigurationError
from pyramid.i18n import Localizer, make_localizer
from pyramid.interfaces import ILocalizer, ITranslationDirectories

from . import DOMAIN_LANGUAGES, SOURCE_LANGUAGE

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LOCALE_KEY = "ecwid_systempay.locale"
LOCALES: tuple[str, ...] = tuple(sorted({lang for langs in DOMAIN_LANGUAGES.values() for lang in langs}))
COMPILE_HINT = (
    "run scripts/setup-env (development) or `scripts/translations compile`; "
    "`pip install .` compiles them in its build step"
)


def accepted_language(request: Any, languages: tuple[str, ...] = LOCALES) -> str:
    """The best of ``languages`` for the browser's Accept-Language, else English."""
    best = request.accept_language.lookup(list(languages), default=SOURCE_LANGUAGE)
    return best if best in languages else SOURCE_LANGUAGE


def negotiate_locale(request: Any) -> str:
    """The locale a view chose with :func:`use_locale`, else the browser's (supported) one."""
    chosen = request.environ.get(LOCALE_KEY)
    return chosen if chosen in LOCALES else accepted_language(request)


def use_locale(request: Any, lang: str) -> Localizer:
    """Make ``lang`` (a supported language, else English) this request's locale; its localizer."""
    request.environ[LOCALE_KEY] = lang if lang in LOCALES else SOURCE_LANGUAGE
    # ``locale_name`` and ``localizer`` are reified on first use: forget a previous choice.
    request.__dict__.pop("locale_name", None)
    request.__dict__.pop("localizer", None)
    return request.localizer


def missing_catalogs(locale_dir: Path | None = None) -> list[str]:
    """Compiled catalogs (``.mo``) that a supported language needs but are absent."""
    locale_dir = locale_dir or LOCALE_DIR
    missing = []
    for domain, languages in DOMAIN_LANGUAGES.items():
        for lang in languages:
            if lang == SOURCE_LANGUAGE:
                continue
            mo = locale_dir / lang / "LC_MESSAGES" / f"{domain}.mo"
            if not mo.is_file():
                missing.append(str(mo.relative_to(locale_dir)))
    return missing


def prepare_localizers(registry: Any) -> None:
    """Fail loudly without compiled catalogs; build every supported language's localizer."""
    missing = missing_catalogs()
    if missing:
        raise ConfigurationError(
            f"gettext catalogs are not compiled ({', '.join(missing)} missing in {LOCALE_DIR}): {COMPILE_HINT}"
        )
    directories = registry.queryUtility(ITranslationDirectories, default=[])
    for lang in LOCALES:
        registry.registerUtility(make_localizer(lang, directories), ILocalizer, name=lang)


def includeme(config: Any) -> None:
    config.add_translation_dirs("colander:locale/", "deform:locale/", "ecwid_systempay:locale/")
    config.set_locale_negotiator(negotiate_locale)
    # After the translation directories are registered (pyramid_chameleon uses the same order).
    config.action(None, prepare_localizers, args=(config.registry,), order=1000)
