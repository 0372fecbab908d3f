"""Shared fixtures: a fresh database per test (SQLite by default, PostgreSQL with
``TEST_DATABASE_URL``), the app, a webtest client and a fake Ecwid API server."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# Compiled templates are cached on disk once for the whole run (each test builds a new app).
if "CHAMELEON_CACHE" not in os.environ:
    os.environ["CHAMELEON_CACHE"] = tempfile.mkdtemp(prefix="chameleon-")
    atexit.register(shutil.rmtree, os.environ["CHAMELEON_CACHE"], True)
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import webtest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ecwid_systempay import main
from ecwid_systempay.models import get_engine
from ecwid_systempay.scripts.initialize_db import upgrade

from .support import CLIENT_SECRET, FakeEcwid

SECRET_KEY = Fernet.generate_key().decode()
TABLES = ["transitions", "ecwid_updates", "notifications", "payment_attempts", "trans_id_counters", "stores"]


def database_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = get_engine({"sqlalchemy.url": f"sqlite:///{path}"})
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine | None]:
    url = database_url()
    if not url:
        yield None
        return
    engine = get_engine({"sqlalchemy.url": url})
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db_url(tmp_path: Path, sqlite_template: Path, postgres_engine: Engine | None) -> str:
    if postgres_engine is not None:
        with postgres_engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        return str(postgres_engine.url.render_as_string(hide_password=False))
    path = tmp_path / "test.sqlite"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def fake_ecwid() -> Iterator[FakeEcwid]:
    fake = FakeEcwid().start()
    yield fake
    fake.stop()


@pytest.fixture
def settings(db_url: str, fake_ecwid: FakeEcwid, tmp_path: Path) -> dict[str, Any]:
    return {
        "sqlalchemy.url": db_url,
        "retry.attempts": "3",
        "ecwid_systempay.public_url": "http://localhost",
        "ecwid_systempay.ecwid_api_url": fake_ecwid.url,
        "ecwid_systempay.secret_keys": SECRET_KEY,
        "ecwid_systempay.allow_production": "false",
        "ecwid_systempay.admin_origins": "https://my.ecwid.com",
        "ecwid_systempay.ecwid_sdk_url": "http://localhost/sandbox/ecwid/sdk/js/1.3.0/ecwid-app.js",
        "ecwid_systempay.ecwid_css_url": "http://localhost/sandbox/ecwid/sdk/css/1.3.19/ecwid-app-ui.css",
        "ecwid_systempay.brands": "systempay payzen",
        "ecwid_systempay.brand.systempay.client_id": "systempay",
        "ecwid_systempay.brand.systempay.client_secret": CLIENT_SECRET,
        "ecwid_systempay.brand.payzen.client_id": "payzen",
        "ecwid_systempay.brand.payzen.client_secret": "payzen-client-secret-00000000",
        "ecwid_systempay.worker.in_process": "false",
        "ecwid_systempay.retry.base_seconds": "0",
        "ecwid_systempay.retry.dead_letter_after_seconds": "3600",
        "ecwid_systempay.ecwid_timeout": "2",
        "ecwid_systempay.return.wait_checks": "2",
        "ecwid_systempay.alert_recipients": "ops@example.test",
        "mail.debug_directory": str(tmp_path / "mail"),
    }


@pytest.fixture
def app(settings: dict[str, Any]) -> Iterator[Any]:
    application = main({}, **settings)
    yield application
    application.registry["dbengine"].dispose()


@pytest.fixture
def testapp(app: Any) -> webtest.TestApp:
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})


@pytest.fixture
def app_with(settings: dict[str, Any]) -> Iterator[Any]:
    """``app_with(**overrides)``: another app on the same database, with some settings changed."""
    made = []

    def make(**overrides: str) -> webtest.TestApp:
        application = main({}, **{**settings, **overrides})
        made.append(application)
        return webtest.TestApp(application, extra_environ={"HTTP_HOST": "localhost"})

    yield make
    for application in made:
        application.registry["dbengine"].dispose()


class Reader:
    """Read-only access for assertions: each query runs in its own short transaction.

    (A session kept open would hold SQLite's lock, which the app takes with
    ``BEGIN IMMEDIATE``; objects come back detached with their columns loaded.)
    """

    def __init__(self, session_factory: Any) -> None:
        self.session_factory = session_factory

    def scalar(self, query: Any) -> Any:
        with self.session_factory() as session:
            return session.scalar(query)

    def scalars(self, query: Any) -> list[Any]:
        with self.session_factory() as session:
            return list(session.scalars(query))

    def execute(self, query: Any) -> list[Any]:
        with self.session_factory() as session:
            return list(session.execute(query))

    def expire_all(self) -> None:
        """Kept for readability in tests: every query already sees committed data."""


@pytest.fixture
def dbsession(app: Any) -> Reader:
    """Read committed data for assertions (see :class:`Reader`)."""
    return Reader(app.registry["dbsession_factory"])
