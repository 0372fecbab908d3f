"""The benchmark's results as a Markdown table (for people and the README) and JSON (for tools)."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

TARGETS = {
    "callback_ratio": ("callback throughput / insert-and-commit ceiling", ">=", 0.5),
    "checkout_ratio": ("checkout throughput / insert-and-commit ceiling", ">=", 0.5),
    "ipn_p99_ms": ("notification p99 at half the maximum rate, open loop (ms)", "<", 50.0),
    "p50_growth": ("callback p50 with 1,000,000 payments / with 1,000", "<=", 1.2),
    "rss_growth": ("RSS growth over 100,000 notifications", "<", 0.10),
}


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = found.group(1).strip() if found else ""
    except OSError:
        pass
    memory = ""
    try:
        found = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
        memory = f"{int(found.group(1)) / 1024 / 1024:.0f} GiB" if found else ""
    except OSError:
        pass
    wrk = subprocess.run(["sh", "-c", "wrk --version 2>&1 | head -1"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "wrk": wrk.split(" [")[0],
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| Database | Endpoint | Load | Requests | Throughput (/s) | p50 (ms) | p99 (ms) | ÷ text ceiling | ÷ insert ceiling | Peak RSS (MiB) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        load = f"open loop {row['rate']:.0f}/s" if row.get("rate") else f"{row['concurrency']} clients"
        flags = ""
        if row.get("bad"):
            flags += f" ⚠ {row['bad']} bad answers"
        if not row.get("complete", True):
            flags += f" ⚠ {row['planned'] - row['answered']} unanswered in time"
        lines.append(
            f"| {row['database']} | {row['endpoint']}{flags} | {load} | {_num(row['answered'])} | {_num(row['throughput'])} "
            f"| {_num(row['p50_ms'])} | {_num(row['p99_ms'])} | {_num(row.get('ratio_text'), 2)} "
            f"| {_num(row.get('ratio_insert'), 2)} | {_num(row.get('peak_rss_mib'))} |"
        )
    extra = []
    cpu = [row for row in result["rows"] if row.get("cpu_ms_per_request") and not row.get("rate")]
    if cpu:
        extra.append(
            "- CPU per request, closed loop (ms: the server / PostgreSQL / the rest, mostly the load generator): "
            + "; ".join(
                f"{row['database']} {row['endpoint']} {row['cpu_ms_per_request']['server']:.2f} / "
                f"{row['cpu_ms_per_request']['postgresql']:.2f} / {row['cpu_ms_per_request']['other']:.2f}"
                for row in cpu
            )
            + "."
        )
    scale = result.get("scale")
    if scale:
        extra.append(
            f"- Callback p50, open loop {scale['rate']:.0f}/s: {_num(scale['small']['p50_ms'])} ms with "
            f"{_num(scale['small']['payments'])} payments, {_num(scale['large']['p50_ms'])} ms with "
            f"{_num(scale['large']['payments'])} payments (×{_num(scale['growth'], 2)})."
        )
    rss = result.get("rss")
    if rss:
        extra.append(
            f"- Server RSS over {_num(rss['notifications'])} new notifications: {_num(rss['before_mib'])} → "
            f"{_num(rss['after_mib'])} MiB ({rss['growth'] * 100:+.1f} %), at {_num(rss['throughput'])}/s; "
            f"the in-process worker had sent {_num(rss.get('ecwid_updates_delivered'))} of their Ecwid updates 30 s after."
        )
    out = result.get("scale_out")
    if out:
        extra.append(
            f"- Scale-out, {out['webs']} web processes + {out['workers']} workers on one PostgreSQL: new notifications "
            f"{_num(out['new']['throughput'])}/s, duplicates {_num(out['duplicate']['throughput'])}/s; "
            f"{out['puts']} Ecwid PUTs for {out['payments']} paid orders, {out['jobs_left']} jobs left, peak RSS {_num(out['peak_rss_mib'])} MiB in all."
        )
    targets = result.get("targets", {})
    if targets:
        checks = []
        for name, (label, op, goal) in TARGETS.items():
            value = targets.get(name)
            if value is None:
                continue
            ok = {">=": value >= goal, "<": value < goal, "<=": value <= goal}[op]
            checks.append(f"{label} {op} {goal}: {_num(value, 2)} {'✓' if ok else '✗'}")
        extra.append("- Targets: " + "; ".join(checks) + ".")
    m = result["machine"]
    extra.append(
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}, {m['system']}, Python {m['python']}, {m['wrk']}; "
        f"load average at start {', '.join(str(x) for x in m['load_average_at_start'])}; {result['mode']} run of "
        f"{result['elapsed_s']:.0f} s on {result['date']}."
    )
    return "\n".join(lines) + "\n\n" + "\n".join(extra) + "\n"


def summary_line(result: dict[str, Any]) -> str:
    """The last line of ``scripts/bench --quick``, read by monitoring."""
    t = result.get("targets", {})

    def fmt(value: Any) -> str:
        return "nan" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)

    return f"callback_ratio={fmt(t.get('callback_ratio'))} checkout_ratio={fmt(t.get('checkout_ratio'))} ipn_p99_ms={fmt(t.get('ipn_p99_ms'))}"
