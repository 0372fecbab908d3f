"""The servers under load, configured as production.ini configures them, and their memory.

- :func:`production_options`: production.ini's ``[server:main]`` waitress options and its
  SQLAlchemy engine options (pool size...), applied to every server the benchmark starts.
- :func:`fresh_database`: a new PostgreSQL database (dropped afterwards) or SQLite file.
- :class:`RssSampler`: the peak resident memory of a process while a run lasts.
"""

from __future__ import annotations

import configparser
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.processes import ModuleProcess

ROOT = Path(__file__).resolve().parents[1]


def production_options() -> tuple[dict[str, str], dict[str, str]]:
    """(waitress options without ``listen``/``use``, app settings for the engine and retries)."""
    parser = configparser.RawConfigParser()
    parser.read(ROOT / "production.ini")
    server = {k: v for k, v in parser["server:main"].items() if k not in ("use", "listen")}
    app = {
        k: v
        for k, v in parser["app:main"].items()
        if (k.startswith("sqlalchemy.") and k != "sqlalchemy.url") or k == "retry.attempts"
    }
    return server, app


def threads_of(server: dict[str, str]) -> int:
    return int(server.get("threads", "4"))


def start_server(workdir: Path, settings: dict[str, str], *, use: str | None = None, migrate: bool = True) -> ModuleProcess:
    """The module (or another app factory, ``use = call:...``) under production.ini's waitress options."""
    server, engine = production_options()
    merged = {**engine, **settings}
    if use:
        merged["use"] = use
    options = {k: v for k, v in server.items() if k != "threads"}
    process = ModuleProcess(workdir, merged, threads=threads_of(server), server_options=options, migrate=migrate)
    return process.start(env={"PYTHONPATH": str(ROOT)})


@contextmanager
def fresh_database(kind: str, workdir: Path, postgres_url: str, keep: bool = False) -> Iterator[str]:
    """A database nobody used before: a new PostgreSQL database on ``postgres_url``'s server, or a SQLite file."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / ('bench-' + uuid.uuid4().hex[:8] + '.sqlite')}"
        return
    name = f"ecwid_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """Samples the resident memory of ``pids`` every 0.1 s; ``peak_mib`` is the largest sum seen."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peak = sum(rss_kib(p) for p in pids)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, sum(rss_kib(p) for p in self.pids))

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, sum(rss_kib(p) for p in self.pids))

    @property
    def peak_mib(self) -> float:
        return round(self.peak / 1024, 1)
