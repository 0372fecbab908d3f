"""``initialize_ecwid_systempay_db <ini>``: bring the database schema up to date (Alembic)."""

from __future__ import annotations

import argparse
import sys
from importlib.resources import files

from alembic import command
from alembic.config import Config
from pyramid.paster import get_appsettings, setup_logging
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from ..config import apply_environment
from ..models import get_engine


def alembic_config(ini_path: str | None = None) -> Config:
    cfg = Config(ini_path) if ini_path else Config()
    cfg.set_main_option("script_location", str(files("ecwid_systempay") / "alembic"))
    return cfg


def upgrade(engine: Engine, ini_path: str | None = None, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` on ``engine``."""
    cfg = alembic_config(ini_path)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config_uri", help="the INI file, e.g. development.ini")
    args = parser.parse_args(argv)
    setup_logging(args.config_uri)
    settings = dict(get_appsettings(args.config_uri))
    apply_environment(settings)
    url = settings["sqlalchemy.url"]
    if url.startswith("sqlite:///"):
        import os

        path = url[len("sqlite:///"):]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    engine = get_engine(settings)
    try:
        upgrade(engine, args.config_uri.split("#")[0])
    except OperationalError as exc:
        print(f"Could not reach the database: {exc.orig}. Is it running and is sqlalchemy.url right?", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print("Database schema is up to date.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
