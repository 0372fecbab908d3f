"""``scripts/bench --profile``: where the module's server spends its time during a run.

py-spy samples the server process while a closed-loop run lasts, only the thread that holds
the GIL (``--gil``): one waitress process runs Python on one core at a time, so its
throughput is bound by the Python CPU time a request costs (``CpuMeter`` in the report
shows it), not by the threads waiting for PostgreSQL. It writes the stacks collapsed one per line (``frame;frame;... count``, the input
of flame graph tools) next to the report, plus a short summary of the functions that take
the most samples, inclusive and by file, so that a gap to a ceiling can be explained.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

RATE = 250  # samples per second and thread


def executable() -> str | None:
    """py-spy of this virtualenv, or of the PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def available() -> bool:
    return executable() is not None


class Profiler:
    """``with Profiler(pid, path):`` records ``path`` (collapsed stacks) while the block runs."""

    def __init__(self, pid: int, path: Path) -> None:
        self.pid = pid
        self.path = path
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "Profiler":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        command = [executable() or "py-spy", "record", "--pid", str(self.pid), "--rate", str(RATE),
                   "--format", "raw", "--output", str(self.path), "--nonblocking", "--gil"]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def summary(path: Path, top: int = 25) -> str:
    """The functions and files that appear in most samples (inclusive), as text."""
    if not path.exists():
        return f"{path.name}: no profile (py-spy failed?)\n"
    total = 0
    functions: Counter[str] = Counter()
    files: Counter[str] = Counter()
    own: Counter[str] = Counter()  # the innermost frame of our code or of a library entry point
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        seen_functions: set[str] = set()
        seen_files: set[str] = set()
        for frame in stack.split(";"):
            match = _FRAME.match(frame)
            name, file = (match["function"], match["file"]) if match else (frame, "?")
            short = _short(file)
            seen_functions.add(f"{name} ({short})")
            seen_files.add(short)
        functions.update(dict.fromkeys(seen_functions, count))
        own[_innermost_module_frame(stack.split(";"))] += count
        files.update(dict.fromkeys(seen_files, count))
    lines = [f"{path.name}: {total} samples holding the GIL"]
    lines.append("  by function (inclusive):")
    lines += [f"    {100 * n / total:5.1f} %  {name}" for name, n in functions.most_common(top)] if total else []
    lines.append("  by the innermost frame of the module's code (its own work and the calls it makes):")
    lines += [f"    {100 * n / total:5.1f} %  {name}" for name, n in own.most_common(top)] if total else []
    lines.append("  by file (inclusive):")
    lines += [f"    {100 * n / total:5.1f} %  {name}" for name, n in files.most_common(top)] if total else []
    return "\n".join(lines) + "\n"


def _innermost_module_frame(frames: list[str]) -> str:
    """The deepest frame in ``ecwid_systempay`` (else the deepest one): whose work a sample is."""
    for frame in reversed(frames):
        if "/ecwid_systempay/" in frame:
            match = _FRAME.match(frame)
            return f"{match['function']} ({_short(match['file'])})" if match else frame
    return frames[-1] if frames else "?"


def _short(file: str) -> str:
    for marker in ("site-packages/", "/ecwid_systempay/", "/lib/python3"):
        if marker in file:
            head, _, tail = file.partition(marker)
            return (marker.strip("/") + "/" if marker != "site-packages/" else "") + tail
    return file
