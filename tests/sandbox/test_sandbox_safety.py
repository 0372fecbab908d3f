"""The sandbox is for development only: it calls nothing but the module, binds loopback, never mounts in production."""

from __future__ import annotations

import configparser
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import webtest
from cryptography.fernet import Fernet

from .systempay_support import IPNServer, form, ipn_fixture, make_app, pay, post_form  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------- vads_url_check


@pytest.fixture(name="module_sp")
def module_sp_fixture(ipn: IPNServer) -> Iterator[tuple[webtest.TestApp, object, str]]:
    """The platform with ``sandbox.module_url`` on the ``ipn`` server, its rules pointing elsewhere."""
    assert ipn.server is not None
    module_url = f"http://127.0.0.1:{ipn.server.server_address[1]}"
    testapp, platform = make_app(**{"sandbox.module_url": module_url})
    yield testapp, platform, module_url
    platform.close()


def test_url_check_to_the_modules_callback_overrides_the_rule_url(module_sp, ipn) -> None:
    testapp, platform, module_url = module_sp
    platform.set_rule_url(f"{module_url}/callback?app-name=systempay")
    url_check = f"{module_url}/callback?app-name=payzen"
    pay(testapp, post_form(testapp, form(platform, vads_url_check=url_check)), "4970100000000014")
    [call] = ipn.calls()
    assert call.path == "/callback?app-name=payzen"
    assert call.fields["vads_url_check"] == url_check


@pytest.mark.parametrize(
    "where",
    ["another port", "another host", "another scheme", "another path"],
)
def test_url_check_elsewhere_than_the_modules_callback_is_ignored(module_sp, ipn, where) -> None:
    testapp, platform, module_url = module_sp
    platform.set_rule_url(f"{module_url}/callback?app-name=systempay")
    elsewhere = IPNServer().start()
    try:
        assert elsewhere.server is not None and ipn.server is not None
        port = ipn.server.server_address[1]
        url_check = {
            "another port": f"http://127.0.0.1:{elsewhere.server.server_address[1]}/callback?app-name=systempay",
            "another host": f"http://localhost:{port}/callback?app-name=systempay",
            "another scheme": f"https://127.0.0.1:{port}/callback?app-name=systempay",
            "another path": f"{module_url}/admin/delete-everything",
        }[where]
        result = pay(testapp, post_form(testapp, form(platform, vads_url_check=url_check)), "4970100000000014")
        assert result.html.find(id="result")["data-status"] == "AUTHORISED"
        assert elsewhere.calls() == []
        [call] = ipn.calls()  # the rule URL, on the module's own host and port
        assert call.path == "/callback?app-name=systempay"
        assert call.headers["Host"] == f"127.0.0.1:{port}"
        [tx] = platform.find_transactions(trans_id=call.fields["vads_trans_id"])
        notes = [entry.info for entry in tx.history if entry.operation == "vads_url_check ignored"]
        assert notes and url_check in notes[0] and module_url in notes[0]
    finally:
        elsewhere.stop()


# ---------------------------------------------------------------------- who can reach it


def test_development_ini_serves_on_loopback_only() -> None:
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(ROOT / "development.ini")
    assert ini["app:main"]["pyramid.includes"].split() == ["ecwid_systempay.sandbox"]
    listen = ini["server:main"]["listen"].split()
    assert listen and all(address.rsplit(":", 1)[0] == "127.0.0.1" for address in listen)
    assert "host" not in ini["server:main"]


# ---------------------------------------------------------------------- never in production


@pytest.fixture(name="production_env")
def production_env_fixture(monkeypatch, tmp_path, sqlite_template) -> Path:
    """What production.ini needs from the environment, with an SQLite database and no worker thread."""
    db = tmp_path / "production.sqlite"
    shutil.copy(sqlite_template, db)
    monkeypatch.setenv("ECWID_SYSTEMPAY_SECRET_KEYS", Fernet.generate_key().decode())
    monkeypatch.setenv("ECWID_SYSTEMPAY_BRAND_SYSTEMPAY_CLIENT_ID", "systempay")
    monkeypatch.setenv("ECWID_SYSTEMPAY_BRAND_SYSTEMPAY_CLIENT_SECRET", "production-client-secret-0123456789")
    monkeypatch.setenv("SQLALCHEMY_URL", f"sqlite:///{db}")
    monkeypatch.setenv("ECWID_SYSTEMPAY_WORKER_IN_PROCESS", "false")
    monkeypatch.setenv("PYRAMID_INCLUDES", "ecwid_systempay.sandbox")
    return tmp_path


def _app_from(ini: Path) -> webtest.TestApp:
    from pyramid.paster import get_app

    app = get_app(str(ini), "main")
    return webtest.TestApp(app)


def _assert_module_without_sandbox(testapp: webtest.TestApp) -> None:
    from pyramid.interfaces import IRoutesMapper

    mapper = testapp.app.registry.queryUtility(IRoutesMapper)
    assert [route.name for route in mapper.get_routes() if route.name.startswith("sandbox")] == []
    assert "sandbox.ecwid" not in testapp.app.registry and "sandbox.systempay" not in testapp.app.registry
    assert testapp.get("/health").json["status"] == "ok"
    for path in ("/sandbox/", "/sandbox/ecwid/admin", "/sandbox/ecwid/store", "/sandbox/ecwid/api-switches", "/sandbox/systempay/bo/"):
        testapp.get(path, status=404)
    testapp.app.registry["dbengine"].dispose()


def test_production_ini_has_no_sandbox_route_even_with_pyramid_includes_set(production_env) -> None:
    _assert_module_without_sandbox(_app_from(ROOT / "production.ini"))


@pytest.mark.parametrize(
    "include", ["ecwid_systempay.sandbox", "ecwid_systempay.sandbox.ecwid", "ecwid_systempay.sandbox.systempay"]
)
def test_the_sandbox_refuses_to_mount_in_production(production_env, monkeypatch, caplog, include) -> None:
    """A production INI with a ``pyramid.includes`` line (which PYRAMID_INCLUDES then overrides) serves no sandbox."""
    monkeypatch.setenv("PYRAMID_INCLUDES", include)
    ini = production_env / "production-with-includes.ini"
    text = (ROOT / "production.ini").read_text(encoding="utf-8")
    ini.write_text(text.replace("[app:main]\n", "[app:main]\npyramid.includes =\n", 1), encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        testapp = _app_from(ini)
    _assert_module_without_sandbox(testapp)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(include in m and "ecwid_systempay.allow_production is true" in m for m in errors), errors


def test_development_ini_with_production_allowed_serves_no_sandbox(production_env, monkeypatch, caplog) -> None:
    monkeypatch.setenv("ECWID_SYSTEMPAY_ALLOW_PRODUCTION", "true")
    with caplog.at_level(logging.ERROR):
        testapp = _app_from(ROOT / "development.ini")
    _assert_module_without_sandbox(testapp)
    assert any("ecwid_systempay.allow_production" in r.getMessage() for r in caplog.records)
