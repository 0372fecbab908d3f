"""The benchmark's insert-and-commit ceiling really commits what it inserts (else it measures a rollback)."""

from __future__ import annotations

import webtest
from sqlalchemy import create_engine, text

from benchmark.ceiling import main


def test_the_ceiling_commits_every_row_it_inserts(tmp_path):
    url = f"sqlite:///{tmp_path / 'ceiling.sqlite'}"
    app = webtest.TestApp(main({}, **{"sqlalchemy.url": url}))
    for n in range(3):
        assert app.post("/insert", f"row={n}").text == "OK-inserted\n"
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from bench_ceiling_rows")).scalar() == 3
    engine.dispose()
