"""SQLite persistence of the task hub: instances, their history, and their inboxes.

The task hub is the durable truth: an engine that stops (or crashes) and a new engine on the same
file must see every instance, every event already played and every completion not yet played.
Each episode is written in one transaction, so a crash never leaves half an episode behind.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devhost.durable.history import Event

_SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    instance_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT,
    output TEXT,
    custom_status TEXT,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    parent TEXT,
    state TEXT NOT NULL,
    history_length INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS instances_by_status ON instances (status);
CREATE TABLE IF NOT EXISTS history (
    instance_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (instance_id, position)
);
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    execution_id TEXT,
    event TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inbox_by_instance ON inbox (instance_id, id);
"""

INSTANCE_COLUMNS = (
    "instance_id",
    "name",
    "execution_id",
    "status",
    "input",
    "output",
    "custom_status",
    "created",
    "updated",
    "parent",
    "state",
    "history_length",
)


@dataclass
class InstanceRow:
    instance_id: str
    name: str
    execution_id: str
    status: str
    input: str | None
    output: str | None
    custom_status: str | None
    created: str
    updated: str
    parent: str | None
    state: str
    history_length: int

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, column) for column in INSTANCE_COLUMNS)


@dataclass(frozen=True)
class InboxItem:
    id: int
    execution_id: str | None
    event: Event


class TaskHubStore:
    """All SQL lives here; callers speak in rows and events."""

    def __init__(self, path: str | Path | None):
        self._conn = sqlite3.connect(
            ":memory:" if path is None else str(path), check_same_thread=False, isolation_level=None
        )
        if path is not None:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        self._conn.close()

    def _transaction(self) -> sqlite3.Connection:
        self._conn.execute("BEGIN")
        return self._conn

    def _commit(self) -> None:
        self._conn.execute("COMMIT")

    def _rollback(self) -> None:
        self._conn.execute("ROLLBACK")

    # -- writes -----------------------------------------------------------------------------------
    def replace_instance(self, row: InstanceRow) -> None:
        """Create an instance, dropping a finished one with the same id (start_new may reuse ids)."""
        conn = self._transaction()
        try:
            self._delete(conn, [row.instance_id])
            conn.execute(
                f"INSERT INTO instances ({', '.join(INSTANCE_COLUMNS)}) VALUES "
                f"({', '.join('?' * len(INSTANCE_COLUMNS))})",
                row.values(),
            )
            self._commit()
        except BaseException:
            self._rollback()
            raise

    def save_episode(
        self,
        row: InstanceRow,
        new_events: Sequence[Event],
        first_position: int,
        consumed_inbox: Iterable[int],
        reset_history: bool = False,
    ) -> None:
        """One episode's effects, atomically: history appended, inbox consumed, instance updated.

        Events for other instances (a parent's sub-orchestration completion) are inbox rows written
        right after; a crash in between is covered on restart, where a parent waiting on a finished
        child is told again (DurableEngine._reconnect_child)."""
        conn = self._transaction()
        try:
            if reset_history:
                conn.execute("DELETE FROM history WHERE instance_id = ?", (row.instance_id,))
            conn.executemany(
                "INSERT INTO history (instance_id, position, event) VALUES (?, ?, ?)",
                [(row.instance_id, first_position + i, json.dumps(e)) for i, e in enumerate(new_events)],
            )
            conn.executemany("DELETE FROM inbox WHERE id = ?", [(i,) for i in consumed_inbox])
            placeholders = ", ".join(f"{c} = ?" for c in INSTANCE_COLUMNS[1:])
            conn.execute(
                f"UPDATE instances SET {placeholders} WHERE instance_id = ?",
                (*row.values()[1:], row.instance_id),
            )
            self._commit()
        except BaseException:
            self._rollback()
            raise

    def add_inbox(self, instance_id: str, execution_id: str | None, event: Event) -> int:
        cursor = self._conn.execute(
            "INSERT INTO inbox (instance_id, execution_id, event) VALUES (?, ?, ?)",
            (instance_id, execution_id, json.dumps(event)),
        )
        return int(cursor.lastrowid or 0)

    def delete(self, instance_ids: Sequence[str]) -> int:
        conn = self._transaction()
        try:
            deleted = self._delete(conn, instance_ids)
            self._commit()
        except BaseException:
            self._rollback()
            raise
        return deleted

    @staticmethod
    def _delete(conn: sqlite3.Connection, instance_ids: Sequence[str]) -> int:
        deleted = 0
        for instance_id in instance_ids:
            cursor = conn.execute("DELETE FROM instances WHERE instance_id = ?", (instance_id,))
            deleted += cursor.rowcount
            conn.execute("DELETE FROM history WHERE instance_id = ?", (instance_id,))
            conn.execute("DELETE FROM inbox WHERE instance_id = ?", (instance_id,))
        return deleted

    # -- reads ------------------------------------------------------------------------------------
    def get(self, instance_id: str) -> InstanceRow | None:
        row = self._conn.execute(
            f"SELECT {', '.join(INSTANCE_COLUMNS)} FROM instances WHERE instance_id = ?", (instance_id,)
        ).fetchone()
        return None if row is None else InstanceRow(*row)

    def query(
        self,
        statuses: Sequence[str] = (),
        created_from: str | None = None,
        created_to: str | None = None,
        prefix: str | None = None,
    ) -> list[InstanceRow]:
        clauses: list[str] = []
        params: list[Any] = []
        if statuses:
            clauses.append(f"status IN ({', '.join('?' * len(statuses))})")
            params.extend(statuses)
        if created_from:
            clauses.append("created >= ?")
            params.append(created_from)
        if created_to:
            clauses.append("created <= ?")
            params.append(created_to)
        if prefix:
            clauses.append("substr(instance_id, 1, ?) = ?")
            params.extend([len(prefix), prefix])
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._conn.execute(
            f"SELECT {', '.join(INSTANCE_COLUMNS)} FROM instances{where} ORDER BY created, instance_id",
            params,
        ).fetchall()
        return [InstanceRow(*r) for r in rows]

    def history(self, instance_id: str) -> list[Event]:
        rows = self._conn.execute(
            "SELECT event FROM history WHERE instance_id = ? ORDER BY position", (instance_id,)
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def inbox(self, instance_id: str) -> list[InboxItem]:
        rows = self._conn.execute(
            "SELECT id, execution_id, event FROM inbox WHERE instance_id = ? ORDER BY id", (instance_id,)
        ).fetchall()
        return [InboxItem(r[0], r[1], json.loads(r[2])) for r in rows]
