"""Profiling mode: every SQL statement the hot paths issue, and PostgreSQL's ``EXPLAIN (ANALYZE, BUFFERS)`` of each.

The module runs in this process (same settings as the server), a ``before_cursor_execute``
listener on its engine records each statement with its parameters while one checkout,
one new notification, one duplicate and one worker claim go through it; each statement is
then explained on the same database inside a transaction that is rolled back. A
sequential scan of a large table is what an index would remove.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, event, text
from webob import Request

from ecwid_systempay import main as make_app

LARGE_TABLE_ROWS = 10_000


@dataclass
class Query:
    path: str
    statement: str
    parameters: Any
    plan: str = ""
    execution_ms: float | None = None
    seq_scans: list[str] = field(default_factory=list)

    @property
    def short(self) -> str:
        return re.sub(r"\s+", " ", self.statement).strip()[:150]


class QueryCapture:
    """Records the statements sent through ``engine`` while :meth:`path` is active."""

    def __init__(self, engine: Any) -> None:
        self.current: str | None = None
        self.queries: list[Query] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if self.current is not None:
            if executemany and parameters:
                parameters = parameters[0]
            self.queries.append(Query(self.current, statement, parameters))

    @contextmanager
    def path(self, name: str) -> Iterator[None]:
        self.current = name
        try:
            yield
        finally:
            self.current = None


def capture(settings: dict[str, str], calls: list[tuple[str, str, str, str]]) -> tuple[list[Query], dict[str, str]]:
    """Run ``(name, method, path, body)`` calls through an in-process app; returns the statements and the answers."""
    app_settings = {k: v for k, v in settings.items() if k != "use"}
    app_settings["ecwid_systempay.worker.in_process"] = "false"
    app = make_app({}, **app_settings)
    capture = QueryCapture(app.registry["dbengine"])
    answers: dict[str, str] = {}
    try:
        for name, method, path, body in calls:
            request = Request.blank(path, method=method, body=body.encode(), environ={"HTTP_HOST": "127.0.0.1"})
            if method == "POST":
                request.content_type = "application/x-www-form-urlencoded"
            with capture.path(name):
                response = request.get_response(app)
            answers[name] = f"{response.status_int} {response.text[:60].strip()}"
        with capture.path("worker claim"):
            app.registry["update_worker"].claim(10)
    finally:
        app.registry["dbengine"].dispose()
    return capture.queries, answers


def _plan(raw: Any, prefix: str, query: Query) -> str:
    cursor = raw.cursor()
    cursor.execute(prefix + query.statement, query.parameters or None)
    return "\n".join(row[0] for row in cursor.fetchall())


def explain(url: str, queries: list[Query]) -> list[Query]:
    """Fill in each query's plan (executed, then rolled back), time and sequential scans of large tables."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            sizes = dict(conn.execute(text("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'")).all())
        for query in queries:
            raw = engine.raw_connection()
            try:
                query.plan = _plan(raw, "EXPLAIN (ANALYZE, BUFFERS) ", query)
            except Exception as exc:  # e.g. an INSERT whose unique key now exists: show its plan only
                raw.rollback()
                try:
                    query.plan = f"(plan only, not executed again: {type(exc).__name__})\n" + _plan(raw, "EXPLAIN ", query)
                except Exception as again:
                    query.plan = f"(not explained: {type(again).__name__}: {again})"
            finally:
                raw.rollback()
                raw.close()
            found = re.search(r"Execution Time: ([\d.]+) ms", query.plan)
            query.execution_ms = float(found.group(1)) if found else None
            query.seq_scans = sorted(
                {t for t in re.findall(r"Seq Scan on (\w+)", query.plan) if sizes.get(t, 0) >= LARGE_TABLE_ROWS}
            )
    finally:
        engine.dispose()
    return queries


def as_text(queries: list[Query]) -> str:
    parts = []
    for number, query in enumerate(queries, 1):
        flag = f"  <-- sequential scan of {', '.join(query.seq_scans)}" if query.seq_scans else ""
        parts.append(f"-- [{number}] {query.path}: {query.short}{flag}\n{query.statement}\n{query.plan}\n")
    return "\n".join(parts)
