"""Leadership among replicas: exactly one runs the pollers and the sweep.

On PostgreSQL the leader holds a session-level advisory lock on a connection of its own;
if that connection dies, the lock goes with it and another replica takes over on its next
tick. SQLite means one process, which is always the leader. Workers need no leader: they
claim work with leases (and SKIP LOCKED) on any replica.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from bridge.runtime.outage import FailureLog
from bridge.store import store_problem

log = logging.getLogger(__name__)

# An arbitrary, fixed 64-bit key: "escalation-bridge leader".
LOCK_KEY = 0x65_62_6C_65_61_64_72


class Leadership:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._shared = engine.dialect.name != "postgresql"
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._failures = FailureLog(log, "leader election")

    def is_leader(self) -> bool:
        """True if this replica leads now; tries to become leader when nobody does."""
        if self._shared:
            return True
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute(text("SELECT 1"))
                    self._conn.commit()  # never sit "idle in transaction" holding the lock
                    return True
                except Exception:  # noqa: BLE001 — the connection (and with it the lock) is gone
                    log.warning("lost the leader connection; trying to lead again")
                    self._drop()
            conn: Connection | None = None
            try:
                conn = self._engine.connect()
                won = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar())
                conn.commit()
            except Exception as error:  # noqa: BLE001 — no store, no leader: the next tick tries again
                self._failures.failed(error)
                if conn is not None:
                    _close_quietly(conn)
                return False
            self._failures.succeeded()
            if won:
                self._conn = conn
                log.info("this replica is now the leader (polling and sweeping)")
                return True
            conn.close()
            return False

    def release(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                    self._conn.commit()
                except Exception as error:  # noqa: BLE001 — the lock goes with the connection anyway
                    log.warning("could not release leadership cleanly: %s", store_problem(error))
                finally:
                    self._drop()

    def _drop(self) -> None:
        if self._conn is not None:
            _close_quietly(self._conn)
            self._conn = None


def _close_quietly(conn: Connection) -> None:
    try:
        conn.close()
    except Exception:  # noqa: BLE001 — a dead connection may fail to close; it is gone either way
        pass
