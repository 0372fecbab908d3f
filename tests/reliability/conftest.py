"""Fixtures for tests with the module as a real process on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from ..processes import ModuleProcess
from ..support import CLIENT_SECRET, FakeEcwid


class Database:
    """Assertions on the module's database, from outside the process."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)

    def value(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params))


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.engine.dispose()


@pytest.fixture
def module_factory(tmp_path: Path, db_url: str, fake_ecwid: FakeEcwid) -> Iterator[Any]:
    """Build module processes on the test database; all are killed at the end."""
    made: list[ModuleProcess] = []

    def make(server_options: dict[str, str] | None = None, **settings: str) -> ModuleProcess:
        module = ModuleProcess(
            tmp_path,
            {
                "sqlalchemy.url": db_url,
                "ecwid_systempay.ecwid_api_url": fake_ecwid.url,
                "ecwid_systempay.brand.systempay.client_secret": CLIENT_SECRET,
                **settings,
            },
            server_options=server_options,
        )
        made.append(module)
        return module

    yield make
    for module in made:
        module.kill()
