"""``scripts/bench [--quick]``: the module's throughput, latency and memory next to the ceilings of its stack.

Per database (SQLite file, fresh PostgreSQL database; each made for this run and dropped):
the two ceilings (bare text view, bare insert-and-commit view), then the module under
production.ini's waitress and engine settings: ``GET /health``, ``POST /payment`` (distinct
orders), ``POST /callback`` (a new valid notification for a distinct pending payment each
time), duplicates, closed loop with 8 keep-alive clients; then the callback and the
checkout open loop at half their maximum rate. On PostgreSQL also: the callback's p50
with 1,000 and with 1,000,000 payments (and EXPLAIN ANALYZE of every hot-path query),
RSS over up to 100,000 notifications, and a scale-out set-up (2 web processes, 2
workers). Everything stays on 127.0.0.1, bounded in count and by ``--time-limit``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import text

from ecwid_systempay.models import get_engine
from ecwid_systempay.secrets_box import SecretBox
from tests.load.cluster import ScaleOut
from tests.load.workload import (
    CALLBACK_DUPLICATE_ANSWER,
    CALLBACK_NEW_ANSWER,
    CALLBACK_PATH,
    CHECKOUT_ANSWER,
    PAYMENT_PATH,
    checkout_bodies,
    insert_pending_payments,
    insert_stores,
)
from tests.support import CLIENT_SECRET, STORE_TOKEN, FakeEcwid

from . import explain, profile, report, wrk
from .cpu import CpuMeter
from .history import count_payments, seed_history
from .load import Run, closed_loop, open_loop
from .servers import ROOT, RssSampler, fresh_database, production_options, rss_kib, start_server

CONCURRENCY = 8


def _slug(text: str) -> str:
    return "profile-" + "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


@contextmanager
def _nothing() -> Iterator[None]:
    yield
DEFAULT_POSTGRES = "postgresql+psycopg://ecwid_test:ecwid_test@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Plan:
    databases: tuple[str, ...]
    text: int  # requests per closed-loop run
    insert: int
    health: int
    checkout: int
    callback: int
    duplicate: int
    open_seconds: float  # open-loop runs last about this long
    stores: int
    scale: tuple[int, int] | None = None  # payments held for the callback's p50, small and large
    scale_rate: float = 20.0
    scale_requests: int = 200
    history_stores: int = 1000
    rss_notifications: int = 0
    rss_batch: int = 5000
    scale_out_payments: int = 0
    time_limit: float = 570.0


QUICK = Plan(("postgresql",), text=3000, insert=1500, health=1000, checkout=600, callback=600, duplicate=600,
             open_seconds=6, stores=20, time_limit=170)  # fmt: skip
FULL = Plan(("sqlite", "postgresql"), text=8000, insert=3000, health=3000, checkout=1500, callback=1500,
            duplicate=1500, open_seconds=10, stores=50, scale=(1000, 1_000_000), rss_notifications=100_000,
            scale_out_payments=600)  # fmt: skip


class Bench:
    def __init__(self, plan: Plan, postgres_url: str, driver: str, keep: bool, profile_dir: Path | None = None) -> None:
        self.plan = plan
        self.profile_dir = profile_dir
        self.profiles: list[Path] = []
        self.postgres_url = postgres_url
        self.driver = driver
        self.keep = keep
        self.workdir = Path(mkdtemp(prefix="bench-"))
        self.fake = FakeEcwid().start()
        self.started = time.monotonic()
        self.deadline = self.started + plan.time_limit
        self.rows: list[dict[str, Any]] = []
        self.result: dict[str, Any] = {}
        self.notes: list[str] = []
        self.ceilings: dict[str, tuple[float, float]] = {}

    # -- helpers ----------------------------------------------------------------------

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def budget(self, wanted: float = 90.0) -> float:
        return max(5.0, min(wanted, self.left() - 5))

    def log(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f}s] {message}", flush=True)

    def module_settings(self, url: str, key: str) -> dict[str, str]:
        return {
            "sqlalchemy.url": url,
            "ecwid_systempay.ecwid_api_url": self.fake.url,
            "ecwid_systempay.brand.systempay.client_secret": CLIENT_SECRET,
            "ecwid_systempay.secret_keys": key,
        }

    def measure(self, database: str, endpoint: str, run: Run, pids: list[int], *, rate: float | None = None) -> dict[str, Any]:
        profiling = self.profile_dir is not None and not rate and len(pids) == 1
        path = (self.profile_dir / _slug(f"{database} {endpoint}")).with_suffix(".txt") if profiling else None
        with RssSampler(pids) as rss, CpuMeter(pids) as cpu, (profile.Profiler(pids[0], path) if path else _nothing()):
            if rate:
                result = open_loop(run, rate=rate, budget=self.budget(len(run.bodies) / rate + 30))
            else:
                result = closed_loop(run, concurrency=CONCURRENCY, budget=self.budget(), driver=self.driver)
        row = {"database": database, "endpoint": endpoint, "concurrency": CONCURRENCY, **result, "peak_rss_mib": rss.peak_mib}
        row["cpu_ms_per_request"] = cpu.per_request_ms(result["answered"])
        self.rows.append(row)
        if path:
            self.profiles.append(path)
        self.log(
            f"{database:10} {endpoint:28} {row['answered']:6}/{row['planned']} {row['throughput']:8.1f}/s "
            f"p50 {row['p50_ms']} ms p99 {row['p99_ms']} ms bad {row['bad']} rss {rss.peak_mib} MiB cpu/request {row['cpu_ms_per_request']}"
        )
        return row

    def settle(self, expected_puts: int, timeout: float = 60.0) -> int:
        """Wait until the worker delivered ``expected_puts`` Ecwid updates in all (so runs don't overlap)."""
        end = time.monotonic() + min(timeout, max(1.0, self.left()))
        while len(self.fake.puts()) < expected_puts and time.monotonic() < end:
            time.sleep(0.2)
        return len(self.fake.puts())

    def warm_up(self, target: list[tuple[str, int]], stores: list[Any], engine: Any, box: SecretBox, kind: str) -> None:
        """A few checkouts and notifications before measuring: pool connections, templates compiled once."""
        orders = checkout_bodies(stores, 4 * CONCURRENCY, tag=f"warm{kind}")
        closed_loop(Run(target, "POST", PAYMENT_PATH, orders, CHECKOUT_ANSWER), concurrency=CONCURRENCY, budget=self.budget(30), driver=self.driver)  # fmt: skip
        bodies = insert_pending_payments(engine, box, stores, 4 * CONCURRENCY, tag=f"warm{kind}")
        expected = len(self.fake.puts()) + len(bodies)
        closed_loop(Run(target, "POST", CALLBACK_PATH, bodies, CALLBACK_NEW_ANSWER), concurrency=CONCURRENCY, budget=self.budget(30), driver=self.driver)  # fmt: skip
        self.settle(expected, timeout=30)

    # -- one database -----------------------------------------------------------------

    def database(self, kind: str) -> None:
        plan = self.plan
        with fresh_database(kind, self.workdir, self.postgres_url, keep=self.keep) as url:
            ceiling = start_server(self.workdir, {"sqlalchemy.url": url}, use="call:benchmark.ceiling:main", migrate=False)
            target = [("127.0.0.1", ceiling.port)]
            try:
                pids = [ceiling.process.pid]
                text_row = self.measure(kind, "ceiling: bare text view", Run(target, "GET", "/text", [""] * plan.text, "OK-ceiling"), pids)
                insert_row = self.measure(kind, "ceiling: insert + commit", Run(target, "POST", "/insert", ["row=benchmark"] * plan.insert, "OK-inserted"), pids)  # fmt: skip
            finally:
                ceiling.stop()
            ceilings = (text_row["throughput"], insert_row["throughput"])
            self.ceilings[kind] = ceilings

            key = Fernet.generate_key().decode()
            box = SecretBox([key])
            module = start_server(self.workdir, self.module_settings(url, key))
            engine = get_engine({"sqlalchemy.url": url})
            try:
                pid = module.process.pid
                target = [("127.0.0.1", module.port)]
                stores = insert_stores(engine, box, plan.stores)
                self.warm_up(target, stores, engine, box, kind)
                paid = len(self.fake.puts())
                rows = [self.measure(kind, "GET /health", Run(target, "GET", "/health", [""] * plan.health, '{"status": "ok"'), [pid])]
                rows.append(self.measure(kind, "POST /payment", Run(target, "POST", PAYMENT_PATH, checkout_bodies(stores, plan.checkout, tag=f"co{kind}"), CHECKOUT_ANSWER), [pid]))  # fmt: skip
                bodies = insert_pending_payments(engine, box, stores, plan.callback, tag=f"cb{kind}")
                callback = self.measure(kind, "POST /callback (new)", Run(target, "POST", CALLBACK_PATH, bodies, CALLBACK_NEW_ANSWER), [pid])  # fmt: skip
                rows.append(callback)
                paid = self.settle(paid + callback["answered"] - callback["bad"])
                dupes = bodies[: plan.duplicate]
                rows.append(self.measure(kind, "POST /callback (duplicate)", Run(target, "POST", CALLBACK_PATH, dupes, CALLBACK_DUPLICATE_ANSWER), [pid]))  # fmt: skip
                rate = max(1.0, callback["throughput"] / 2)
                bodies = insert_pending_payments(engine, box, stores, int(rate * plan.open_seconds) + 1, tag=f"ol{kind}")
                open_cb = self.measure(kind, "POST /callback (new)", Run(target, "POST", CALLBACK_PATH, bodies, CALLBACK_NEW_ANSWER), [pid], rate=rate)  # fmt: skip
                rows.append(open_cb)
                paid = self.settle(paid + open_cb["answered"] - open_cb["bad"])
                rate = max(1.0, rows[1]["throughput"] / 2)
                orders = checkout_bodies(stores, int(rate * plan.open_seconds) + 1, tag=f"oc{kind}")
                rows.append(self.measure(kind, "POST /payment", Run(target, "POST", PAYMENT_PATH, orders, CHECKOUT_ANSWER), [pid], rate=rate))  # fmt: skip
                text_row["ratio_text"] = 1.0
                insert_row["ratio_text"], insert_row["ratio_insert"] = round(ceilings[1] / ceilings[0], 3), 1.0
                for row in rows:
                    closed = not row.get("rate")
                    row["ratio_text"] = round(row["throughput"] / ceilings[0], 3) if ceilings[0] and closed else None
                    row["ratio_insert"] = round(row["throughput"] / ceilings[1], 3) if ceilings[1] and closed else None
                if kind == "postgresql":
                    self.result["targets"] = {
                        "callback_ratio": callback["ratio_insert"],
                        "checkout_ratio": rows[1]["ratio_insert"],
                        "ipn_p99_ms": open_cb["p99_ms"],
                    }
            finally:
                module.stop()
                engine.dispose()

    def rss(self) -> None:
        """RSS before and after up to ``rss_notifications`` new notifications (the time limit may stop it first)."""
        plan = self.plan
        with fresh_database("postgresql", self.workdir, self.postgres_url, keep=self.keep) as url:
            key = Fernet.generate_key().decode()
            box = SecretBox([key])
            module = start_server(self.workdir, self.module_settings(url, key))
            engine = get_engine({"sqlalchemy.url": url})
            try:
                pid = module.process.pid
                target = [("127.0.0.1", module.port)]
                stores = insert_stores(engine, box, plan.stores)
                paid = len(self.fake.puts())
                started = rss_kib(pid)
                warm_up = insert_pending_payments(engine, box, stores, 500, tag="warm")
                closed_loop(Run(target, "POST", CALLBACK_PATH, warm_up, CALLBACK_NEW_ANSWER), concurrency=CONCURRENCY, budget=self.budget(60), driver=self.driver)  # fmt: skip
                paid = self.settle(paid + len(warm_up), timeout=30)
                before = rss_kib(pid)
                sent, bad, elapsed, batch = 0, 0, 0.0, 0
                while sent < plan.rss_notifications and self.left() > 25:
                    count = min(plan.rss_batch, plan.rss_notifications - sent)
                    bodies = insert_pending_payments(engine, box, stores, count, tag=f"rss{batch}")
                    run = Run(target, "POST", CALLBACK_PATH, bodies, CALLBACK_NEW_ANSWER)
                    result = closed_loop(run, concurrency=CONCURRENCY, budget=self.budget(self.left() - 20), driver=self.driver)
                    sent += result["answered"]
                    bad += result["bad"]
                    elapsed += result["duration_s"]
                    batch += 1
                    self.log(f"rss: {sent} notifications, RSS {rss_kib(pid) / 1024:.1f} MiB")
                delivered = self.settle(paid + sent - bad, timeout=min(30, max(1, self.left() - 5)))
                after = rss_kib(pid)
                self.log(f"rss: {delivered - paid} of {sent - bad} Ecwid updates delivered")
            finally:
                module.stop()
                engine.dispose()
        self.result["rss"] = {
            "notifications": sent,
            "bad": bad,
            "started_mib": round(started / 1024, 1),
            "before_mib": round(before / 1024, 1),
            "after_mib": round(after / 1024, 1),
            "growth": round((after - before) / before, 4) if before else None,
            "throughput": round(sent / elapsed, 1) if elapsed else 0.0,
            "ecwid_updates_delivered": delivered - paid,  # by the in-process worker, while the load lasted
        }
        if sent >= plan.rss_notifications:
            self.result.setdefault("targets", {})["rss_growth"] = self.result["rss"]["growth"]
        else:
            self.notes.append(
                f"RSS measured over {sent:,} notifications, not {plan.rss_notifications:,}: the time limit came first."
            )

    # -- PostgreSQL at scale ----------------------------------------------------------

    def scale(self) -> None:
        """Callback p50 with few and with many payments; EXPLAIN ANALYZE of the hot paths on the large database."""
        plan = self.plan
        assert plan.scale is not None
        small, large = plan.scale
        with fresh_database("postgresql", self.workdir, self.postgres_url, keep=self.keep) as url:
            key = Fernet.generate_key().decode()
            box = SecretBox([key])
            module = start_server(self.workdir, self.module_settings(url, key))
            engine = get_engine({"sqlalchemy.url": url})
            try:
                target = [("127.0.0.1", module.port)]
                stores = insert_stores(engine, box, plan.history_stores)
                token_enc = box.encrypt(STORE_TOKEN) or ""
                seed_history(engine, stores, token_enc, small)
                warm_up = insert_pending_payments(engine, box, stores[:100], 50, tag="scwarm")  # connections, caches
                closed_loop(Run(target, "POST", CALLBACK_PATH, warm_up, CALLBACK_NEW_ANSWER), concurrency=CONCURRENCY, budget=self.budget(60), driver=self.driver)  # fmt: skip
                results = {}
                for label, size in (("small", small), ("large", large)):
                    if label == "large":
                        started = time.monotonic()
                        held = seed_history(engine, stores, token_enc, size, deadline=time.monotonic() + self.budget(self.left() - 120))
                        self.log(f"scale: {held} payments seeded in {time.monotonic() - started:.0f} s")
                    bodies = insert_pending_payments(engine, box, stores[:100], plan.scale_requests, tag=f"sc{label}")
                    payments = count_payments(engine)
                    row = self.measure(f"postgresql, {payments:,} payments", "POST /callback (new)", Run(target, "POST", CALLBACK_PATH, bodies, CALLBACK_NEW_ANSWER), [module.process.pid], rate=plan.scale_rate)  # fmt: skip
                    results[label] = {"payments": payments, **{k: row[k] for k in ("p50_ms", "p99_ms", "throughput", "bad")}}
                growth = results["large"]["p50_ms"] / results["small"]["p50_ms"] if results["small"]["p50_ms"] else None
                self.result["scale"] = {"rate": plan.scale_rate, **results, "growth": round(growth, 3) if growth else None}
                if results["large"]["payments"] >= large:
                    self.result.setdefault("targets", {})["p50_growth"] = self.result["scale"]["growth"]
                else:
                    self.notes.append(f"Large database: {results['large']['payments']:,} payments only (time limit).")
                self.explain_hot_paths(url, module, engine, box, stores, bodies[0])
            finally:
                module.stop()
                engine.dispose()

    def explain_hot_paths(self, url: str, module: Any, engine: Any, box: SecretBox, stores: list[Any], duplicate: str) -> None:
        order = checkout_bodies(stores[:1], 1, tag="explain")[0]
        fresh = insert_pending_payments(engine, box, stores[:1], 1, tag="explain")[0]
        calls = [
            ("checkout", "POST", PAYMENT_PATH, order),
            ("callback (new)", "POST", CALLBACK_PATH, fresh),
            ("callback (duplicate)", "POST", CALLBACK_PATH, duplicate),
        ]
        queries, answers = explain.capture(module.settings, calls)
        explain.explain(url, queries)
        plans = explain.as_text(queries)
        self.plans = plans
        self.result["explain"] = {
            "answers": answers,
            "queries": [
                {"path": q.path, "sql": q.short, "execution_ms": q.execution_ms, "seq_scans": q.seq_scans}
                for q in queries
            ],
        }
        self.log(f"explain: {len(queries)} statements, {sum(1 for q in queries if q.seq_scans)} with a sequential scan")

    # -- scale-out --------------------------------------------------------------------

    def scale_out(self) -> None:
        """2 web processes and 2 separate workers; new notifications then their duplicates, to both."""
        plan = self.plan
        with fresh_database("postgresql", self.workdir, self.postgres_url, keep=self.keep) as url:
            key = Fernet.generate_key().decode()
            server, engine_options = production_options()
            settings = {**engine_options, **self.module_settings(url, key)}
            cluster = ScaleOut(self.workdir, settings, webs=2, workers=2, server_options={k: v for k, v in server.items() if k != "threads"})
            engine = get_engine({"sqlalchemy.url": url})
            cluster.start()
            try:
                stores = insert_stores(engine, cluster.box, plan.stores)
                bodies = insert_pending_payments(engine, cluster.box, stores, plan.scale_out_payments, tag="so")
                before = len(self.fake.puts())
                new = self.measure("postgresql, 2 web + 2 workers", "POST /callback (new)", Run(cluster.targets, "POST", CALLBACK_PATH, bodies, CALLBACK_NEW_ANSWER), cluster.pids)  # fmt: skip
                swapped = bodies[1::2] + bodies[0::2]  # each duplicate goes to the other web process
                dupes = self.measure("postgresql, 2 web + 2 workers", "POST /callback (duplicate)", Run(cluster.targets, "POST", CALLBACK_PATH, swapped, CALLBACK_DUPLICATE_ANSWER), cluster.pids)  # fmt: skip
                for row in (new, dupes):
                    text_ceiling, insert_ceiling = self.ceilings.get("postgresql", (0.0, 0.0))
                    row["ratio_text"] = round(row["throughput"] / text_ceiling, 3) if text_ceiling else None
                    row["ratio_insert"] = round(row["throughput"] / insert_ceiling, 3) if insert_ceiling else None
                self.settle(before + len(bodies), timeout=60)
                time.sleep(1.0)
                puts = self.fake.puts()[before:]
                per_order = Counter(p.path for p in puts)
                with engine.connect() as conn:
                    left = conn.execute(text("SELECT count(*) FROM ecwid_updates WHERE state <> 'DONE'")).scalar()
                self.result["scale_out"] = {
                    "webs": 2,
                    "workers": 2,
                    "payments": len(bodies),
                    "puts": len(puts),
                    "one_put_per_order": len(per_order) == len(bodies) and set(per_order.values()) == {1},
                    "jobs_left": left,
                    "new": {k: new[k] for k in ("throughput", "p50_ms", "p99_ms", "bad")},
                    "duplicate": {k: dupes[k] for k in ("throughput", "p50_ms", "p99_ms", "bad")},
                    "peak_rss_mib": max(new["peak_rss_mib"], dupes["peak_rss_mib"]),
                }
            finally:
                cluster.stop()
                engine.dispose()

    # -- all --------------------------------------------------------------------------

    def phases(self) -> list[tuple[str, Any]]:
        phases = [(kind, lambda kind=kind: self.database(kind)) for kind in self.plan.databases]
        if "postgresql" in self.plan.databases:
            if self.plan.scale:
                phases.append(("scale", self.scale))
            if self.plan.scale_out_payments:
                phases.append(("scale-out", self.scale_out))
            if self.plan.rss_notifications:
                phases.append(("memory", self.rss))  # last: it takes whatever time is left
        return phases

    def run(self, mode: str, only: list[str] | None = None) -> dict[str, Any]:
        self.plans = ""
        machine = report.machine()
        phases = [(name, phase) for name, phase in self.phases() if not only or name in only]
        try:
            for name, phase in phases:
                if self.left() < 20:
                    self.notes.append(f"{name}: skipped, time limit reached")
                    continue
                self.log(f"== {name}")
                phase()
        finally:
            self.fake.stop()
        self.result.update(
            {
                "mode": mode,
                "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "elapsed_s": round(time.monotonic() - self.started, 1),
                "machine": {**machine, "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
                "driver": self.driver,
                "rows": self.rows,
                "notes": self.notes,
            }
        )
        return self.result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="PostgreSQL only, a few thousand requests, under 3 minutes")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="a server where this role may create databases")
    parser.add_argument("--databases", default=None, help="comma-separated: sqlite,postgresql")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds for the whole run")
    parser.add_argument("--driver", choices=("wrk", "python"), default=None, help="closed-loop load generator")
    parser.add_argument("--output", default=str(ROOT / "artifacts" / "bench"), help="where the .md and .json go")
    parser.add_argument("--keep-databases", action="store_true")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample the module's server with py-spy during each closed-loop run (collapsed stacks and a summary "
        "in the output directory)",
    )
    parser.add_argument(
        "--only",
        default=None,
        help="comma-separated phases of the run: sqlite, postgresql, scale, scale-out, memory "
        "(e.g. --only memory --time-limit 2400 for all 100,000 notifications of the memory phase)",
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    only = args.only.split(",") if args.only else None
    if args.databases:
        plan = replace(plan, databases=tuple(args.databases.split(",")))
    if args.time_limit:
        plan = replace(plan, time_limit=args.time_limit)
    driver = args.driver or ("wrk" if wrk.available() else "python")
    mode = ("quick" if args.quick else "full") + ("-" + "-".join(only) if only else "")
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    if args.profile and not profile.available():
        parser.error("--profile needs py-spy (.venv/bin/pip install py-spy)")
    bench = Bench(plan, args.postgres_url, driver, args.keep_databases, output if args.profile else None)
    result = bench.run(mode, only)
    table = report.markdown(result)
    (output / f"bench-{mode}.md").write_text(table)
    (output / f"bench-{mode}.json").write_text(json.dumps(result, indent=2, default=str))
    if bench.plans:
        (output / "explain.txt").write_text(bench.plans)
        print("\n== EXPLAIN (ANALYZE, BUFFERS) of the hot paths' statements, on the large database\n")
        print(bench.plans)
    if bench.profiles:
        summaries = "".join(profile.summary(path) + "\n" for path in bench.profiles)
        (output / "profile-summary.txt").write_text(summaries)
        print("\n== Profiles (py-spy) of the module's server\n")
        print(summaries)
    print()
    print(table)
    for note in result["notes"]:
        print(f"note: {note}")
    print(f"written: {output / f'bench-{mode}.md'} and .json")
    print(report.summary_line(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
