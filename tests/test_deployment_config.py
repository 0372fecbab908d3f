"""The deployment examples fit together: production.ini's web servers, the systemd template units, nginx's upstream."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from paste.deploy.loadwsgi import SERVER, loadcontext

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ROOT / "production.ini"


def server_options(name: str) -> dict[str, str]:
    return dict(loadcontext(SERVER, f"config:{PRODUCTION}", name=name).local_conf)


def test_each_web_process_has_its_own_port_and_the_production_waitress_options():
    main = server_options("main")
    first, second = server_options("web1"), server_options("web2")
    assert first == main
    assert {k: v for k, v in second.items() if k != "listen"} == {k: v for k, v in main.items() if k != "listen"}
    ports = {first["listen"], second["listen"]}
    assert ports == {"127.0.0.1:6543", "127.0.0.1:6544"}

    upstream = re.search(r"upstream ecwid_systempay \{(.*?)\}", (ROOT / "config/nginx.conf").read_text(), re.S)
    assert upstream is not None
    assert set(re.findall(r"server (127\.0\.0\.1:\d+)", upstream.group(1))) == ports


def test_the_template_units_run_the_web_processes_without_worker_thread_and_separate_workers():
    web = configparser.RawConfigParser(strict=False)
    web.read(ROOT / "config/ecwid-systempay-web@.service")
    assert web["Service"]["ExecStart"].endswith("pserve production.ini --server-name=web%i")
    assert web["Service"]["Environment"] == "ECWID_SYSTEMPAY_WORKER_IN_PROCESS=false"
    assert "ecwid-systempay-migrate.service" in web["Unit"]["Requires"]

    worker = configparser.RawConfigParser(strict=False)
    worker.read(ROOT / "config/ecwid-systempay-worker@.service")
    assert worker["Service"]["ExecStart"].endswith("ecwid_systempay_worker production.ini")

    migrate = configparser.RawConfigParser(strict=False)
    migrate.read(ROOT / "config/ecwid-systempay-migrate.service")
    assert migrate["Service"]["ExecStart"].endswith("initialize_ecwid_systempay_db production.ini")
    assert migrate["Service"]["Type"] == "oneshot"
