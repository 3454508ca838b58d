"""Which database errors are an outage to wait out, and which are a statement's own fault."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from bridge.store import store_unavailable


def _error(url: str, sql: str) -> BaseException:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    except Exception as error:  # noqa: BLE001 — the error is what is looked at
        return error
    finally:
        engine.dispose()
    raise AssertionError(f"{sql!r} did not fail")


def test_on_sqlite_a_file_that_cannot_be_opened_is_an_outage_a_missing_table_is_not(tmp_path: Path) -> None:
    assert store_unavailable(_error(f"sqlite:///{tmp_path / 'no dir' / 'x.db'}", "SELECT 1"))
    assert not store_unavailable(_error(f"sqlite:///{tmp_path / 'x.db'}", "SELECT * FROM no_such_table"))


def test_on_postgresql_a_lost_server_is_an_outage_a_statement_fault_is_not(postgres_url: str) -> None:
    assert store_unavailable(_error("postgresql+psycopg://postgres@127.0.0.1:1/test", "SELECT 1"))  # refused
    assert store_unavailable(_error(postgres_url, "SELECT pg_terminate_backend(pg_backend_pid())"))  # admin shutdown
    assert not store_unavailable(_error(postgres_url, "SELECT * FROM no_such_table"))
    assert not store_unavailable(_error(postgres_url, "SET statement_timeout = 10; SELECT pg_sleep(1)"))
    assert not store_unavailable(_error(postgres_url, "SELECT 1/0"))
    assert not store_unavailable(ValueError("not a database error at all"))

