"""INI settings, environment overrides, the initialize_db script and /health."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect

from ecwid_systempay.config import ConfigurationError, apply_environment, parse_settings
from ecwid_systempay.scripts import initialize_db

BASE = {
    "ecwid_systempay.public_url": "https://pay.example",
    "ecwid_systempay.secret_keys": "k1 k2",
    "ecwid_systempay.brand.systempay.client_secret": "0123456789abcdef0",
}


def test_environment_overrides_ini_values():
    settings = dict(BASE)
    apply_environment(
        settings,
        {
            "ECWID_SYSTEMPAY_SECRET_KEYS": "new old",
            "SQLALCHEMY_URL": "postgresql+psycopg://x/y",
            "ECWID_SYSTEMPAY_BRAND_SYSTEMPAY_CLIENT_ID": "cid",
        },
    )
    parsed = parse_settings(settings)
    assert parsed.secret_keys == ("new", "old")
    assert settings["sqlalchemy.url"] == "postgresql+psycopg://x/y"
    assert parsed.brand("systempay").client_id == "cid"
    assert parsed.brand(None).payment_url == "https://paiement.systempay.fr/vads-payment/"
    assert parsed.ecwid_api_url == "https://app.ecwid.com/api/v3"
    assert parsed.allow_production is False


def test_each_brand_has_its_back_office_and_logo():
    from pathlib import Path

    from pyramid.path import AssetResolver

    parsed = parse_settings(
        {
            **BASE,
            "ecwid_systempay.brands": "systempay payzen acme",
            "ecwid_systempay.brand.payzen.client_secret": "0123456789abcdef0",
            "ecwid_systempay.brand.acme.client_secret": "0123456789abcdef0",
            "ecwid_systempay.brand.acme.payment_url": "https://pay.acme.example/vads-payment/",
            "ecwid_systempay.brand.acme.back_office_url": "https://pay.acme.example/vads-merchant/",
        }
    )
    assert parsed.brand("systempay").back_office_url == "https://paiement.systempay.fr/vads-merchant/"
    assert parsed.brand("payzen").back_office_url == "https://secure.payzen.eu/vads-merchant/"
    assert parsed.brand("acme").back_office_url == "https://pay.acme.example/vads-merchant/"
    logos = {name: parsed.brand(name).logo for name in ("systempay", "payzen", "acme")}
    assert logos == {
        "systempay": "ecwid_systempay:static/brands/systempay.svg",
        "payzen": "ecwid_systempay:static/brands/payzen.svg",
        "acme": "ecwid_systempay:static/brands/generic.svg",
    }
    for asset in logos.values():
        svg = Path(AssetResolver().resolve(asset).abspath()).read_text()
        assert svg.startswith("<svg") and "<image" not in svg and "href" not in svg
    environ = {"ECWID_SYSTEMPAY_BRAND_SYSTEMPAY_BACK_OFFICE_URL": "https://bo.example/vads-merchant/"}
    settings = dict(BASE)
    apply_environment(settings, environ)
    assert parse_settings(settings).brand("systempay").back_office_url == "https://bo.example/vads-merchant/"


def test_missing_secrets_are_configuration_errors():
    with pytest.raises(ConfigurationError, match="secret_keys"):
        parse_settings({**BASE, "ecwid_systempay.secret_keys": ""})
    with pytest.raises(ConfigurationError, match="client_secret"):
        parse_settings({**BASE, "ecwid_systempay.brand.systempay.client_secret": "short"})


def test_initialize_db_brings_the_schema_up(tmp_path, capsys):
    ini = tmp_path / "app.ini"
    db = tmp_path / "sub" / "app.sqlite"
    ini.write_text(f"[app:main]\nuse = egg:ecwid_systempay\nsqlalchemy.url = sqlite:///{db}\n")
    assert initialize_db.main([str(ini)]) == 0
    assert initialize_db.main([str(ini)]) == 0  # idempotent
    tables = set(inspect(create_engine(f"sqlite:///{db}")).get_table_names())
    assert {"stores", "payment_attempts", "notifications", "ecwid_updates", "transitions", "alembic_version"} <= tables
    assert "up to date" in capsys.readouterr().out


def test_health(testapp):
    assert testapp.get("/health").json == {"status": "ok", "database": "ok", "version": __import__("ecwid_systempay").__version__}


def test_health_reports_a_dead_database(settings, tmp_path):
    import webtest

    from ecwid_systempay import main

    app = main({}, **{**settings, "sqlalchemy.url": f"sqlite:///{tmp_path}/missing/dir/db.sqlite"})
    response = webtest.TestApp(app).get("/health", status=503)
    assert response.json["database"] == "unreachable"


def test_callback_asks_the_gateway_to_retry_when_the_database_is_down(settings, tmp_path):
    import webtest

    from ecwid_systempay import main

    from .support import gateway_answer

    app = main({}, **{**settings, "sqlalchemy.url": f"sqlite:///{tmp_path}/missing/dir/db.sqlite"})
    fields = {"vads_amount": "100", "vads_currency": "978", "vads_ctx_mode": "TEST", "vads_site_id": "12345678",
              "vads_trans_id": "000001", "vads_trans_date": "20261124120000"}
    response = webtest.TestApp(app).post("/callback", gateway_answer(fields), status=503)
    assert response.text == "KO-Temporary error, please retry.\n"


def test_ecwid_sdk_and_css_urls_default_to_ecwids_cdn_and_come_from_the_ini():
    from pathlib import Path

    from pyramid.paster import get_appsettings

    parsed = parse_settings(BASE)
    assert parsed.ecwid_sdk_url == "https://djqizrxa6f10j.cloudfront.net/ecwid-sdk/js/1.3.0/ecwid-app.js"
    assert parsed.ecwid_css_url == "https://d35z3p2poghz10.cloudfront.net/ecwid-sdk/css/1.3.19/ecwid-app-ui.css"
    root = Path(__file__).resolve().parents[1]
    production = parse_settings({**get_appsettings(str(root / "production.ini")), **BASE})
    assert (production.ecwid_sdk_url, production.ecwid_css_url) == (parsed.ecwid_sdk_url, parsed.ecwid_css_url)
    development = parse_settings(get_appsettings(str(root / "development.ini")))
    assert development.ecwid_sdk_url == "http://127.0.0.1:6543/sandbox/ecwid/sdk/js/1.3.0/ecwid-app.js"
    assert development.ecwid_css_url == "http://127.0.0.1:6543/sandbox/ecwid/sdk/css/1.3.19/ecwid-app-ui.css"


@pytest.mark.parametrize("name", ["ecwid_sdk_url", "ecwid_css_url"])
def test_ecwid_sdk_and_css_urls_must_be_http_urls(name):
    with pytest.raises(ConfigurationError, match=name):
        parse_settings({**BASE, f"ecwid_systempay.{name}": "javascript:alert(1)"})


def test_checkout_reuse_stays_within_the_gateways_session_and_attempts_are_capped():
    parsed = parse_settings(BASE)
    assert (parsed.checkout_reuse_seconds, parsed.max_attempts_per_order) == (540, 10)
    assert parse_settings({**BASE, "ecwid_systempay.checkout.reuse_seconds": "0"}).checkout_reuse_seconds == 0
    with pytest.raises(ConfigurationError, match="10 minutes"):
        parse_settings({**BASE, "ecwid_systempay.checkout.reuse_seconds": "601"})
    with pytest.raises(ConfigurationError, match="max_attempts_per_order"):
        parse_settings({**BASE, "ecwid_systempay.checkout.max_attempts_per_order": "0"})
