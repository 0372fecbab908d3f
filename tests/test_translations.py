"""The gettext catalogs: complete, in step with the code, compiled, shipped."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from pyramid.exceptions import ConfigurationError

from ecwid_systempay.i18n import ADMIN_DOMAIN, BUYER_DOMAIN, DOMAIN_LANGUAGES, SOURCE_LANGUAGE
from ecwid_systempay.i18n import locale as i18n_locale

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "ecwid_systempay" / "locale"
PLACEHOLDER = re.compile(r"\$\{\w+\}")
TRANSLATED = [(domain, lang) for domain, langs in DOMAIN_LANGUAGES.items() for lang in langs if lang != SOURCE_LANGUAGE]


def catalog(path: Path, lang: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def template_ids(domain: str) -> set[str]:
    return {m.id for m in catalog(LOCALE_DIR / f"{domain}.pot") if m.id}


def test_the_domains_cover_french_and_english_for_the_admin_and_the_13_languages_for_buyers():
    assert set(DOMAIN_LANGUAGES[ADMIN_DOMAIN]) == {"en", "fr"}
    assert set(DOMAIN_LANGUAGES[BUYER_DOMAIN]) == set("de en zh es fr it ja nl pl pt ru sv tr".split())


@pytest.mark.parametrize(("domain", "lang"), TRANSLATED)
def test_every_message_id_has_its_translation(domain, lang):
    """A message id without its French (admin, buyer) or seed-language (buyer) translation fails here."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    assert po.is_file(), f"{po} is missing: run scripts/translations update"
    entries = {m.id: m for m in catalog(po, lang) if m.id}
    missing = sorted(msgid for msgid in template_ids(domain) if msgid not in entries or not entries[msgid].string)
    fuzzy = sorted(msgid for msgid, m in entries.items() if m.fuzzy and msgid in template_ids(domain))
    assert not missing, f"{lang} lacks translations in {po.name}: {missing}"
    assert not fuzzy, f"{lang} has fuzzy (unreviewed) translations in {po.name}: {fuzzy}"
    for msgid, entry in entries.items():
        assert sorted(PLACEHOLDER.findall(entry.string)) == sorted(PLACEHOLDER.findall(msgid)), (lang, msgid)


def test_the_pot_files_are_up_to_date_with_the_code():
    """Extraction (lingua) of the code gives exactly the message ids of the committed .pot files."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "translations"), "check"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_admin_text_names_the_platform():
    """The settings pages are shown by white-label partners too: never "Ecwid" or "Lightspeed"."""
    french = catalog(LOCALE_DIR / "fr" / "LC_MESSAGES" / f"{ADMIN_DOMAIN}.po", "fr")
    for entry in (m for m in french if m.id):
        for text in (entry.id, entry.string):
            assert "ecwid" not in text.lower() and "lightspeed" not in text.lower(), text


def test_the_buyer_domain_has_the_buyer_texts():
    ids = template_ids(BUYER_DOMAIN)
    assert "Your payment was refused." in ids and "Back to the shop" in ids


@pytest.mark.parametrize(("domain", "lang"), TRANSLATED)
def test_compiled_catalogs_match_their_po_files(domain, lang):
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    mo = po.with_suffix(".mo")
    assert mo.is_file(), f"{mo} is not compiled: run scripts/translations compile"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [m.id for m in catalog(po, lang) if m.id and m.string and compiled.gettext(m.id) != m.string]
    assert not stale, f"{mo} is older than {po.name}: run scripts/translations compile"


def test_the_app_refuses_to_start_without_compiled_catalogs(settings, tmp_path, monkeypatch):
    from ecwid_systempay import main

    monkeypatch.setattr(i18n_locale, "LOCALE_DIR", tmp_path)
    with pytest.raises(ConfigurationError, match="gettext catalogs are not compiled.*fr/LC_MESSAGES"):
        main({}, **settings)


def test_a_localizer_exists_for_each_supported_language_only(app):
    from pyramid.interfaces import ILocalizer

    names = {name for name, _ in app.registry.getUtilitiesFor(ILocalizer)}
    assert names == set(DOMAIN_LANGUAGES[BUYER_DOMAIN]) | set(DOMAIN_LANGUAGES[ADMIN_DOMAIN])


@pytest.mark.slow
def test_a_built_wheel_carries_the_compiled_catalogs(tmp_path):
    """``pip install .`` gets the .mo files from the build step (they are not committed)."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ("setup.py", "setup.cfg", "pyproject.toml", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "ecwid_systempay", source / "ecwid_systempay", ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for domain, lang in TRANSLATED:
            assert f"ecwid_systempay/locale/{lang}/LC_MESSAGES/{domain}.mo" in names
        german = gettext.GNUTranslations(archive.open(f"ecwid_systempay/locale/de/LC_MESSAGES/{BUYER_DOMAIN}.mo"))
        # Every template and static file the pages use (Deform overrides, brand logos) is installed too.
        package = ROOT / "ecwid_systempay"
        for folder in ("templates", "static", "sandbox/templates", "sandbox/static"):
            for path in (package / folder).rglob("*"):
                if path.is_file() and "__pycache__" not in path.parts:
                    assert path.relative_to(ROOT).as_posix() in names, path
    assert german.gettext("Your payment was refused.") == "Ihre Zahlung wurde abgelehnt."
