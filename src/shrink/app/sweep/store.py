"""Finished sweep tasks in an SQLite file, one committed row each (what makes --resume work)."""

from __future__ import annotations

import json
import os
import sqlite3
import time

from ...persistence import json_text, read_json_text
from .errors import SweepError

__all__ = ["SweepStore"]


class SweepStore:
    """Finished tasks, one row each, committed one by one in an SQLite file.

    Rows are inserted, never replaced: a task recorded twice is an error, not an update. The
    sweep's definition (config, grid, folds, path) is stored too, and a resume refuses to mix
    results of a different sweep.
    """

    FILE = "sweep.sqlite"

    def __init__(self, path: str):
        self.path = path
        self.db = sqlite3.connect(path, timeout=30)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as error:
            self.db.close()
            raise SweepError(f"{path} is not a sweep store ({error}); choose another --out") from None
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS tasks (task INTEGER PRIMARY KEY, point INTEGER NOT NULL, fold INTEGER NOT NULL,"
            " status TEXT NOT NULL, metrics TEXT NOT NULL, model BLOB, finished REAL NOT NULL)"
        )
        self.db.commit()

    def definition(self) -> dict | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'definition'").fetchone()
        return None if row is None else json.loads(row[0])

    def define(self, definition: dict) -> None:
        self.db.execute("INSERT INTO meta VALUES ('definition', ?)", (json.dumps(definition, sort_keys=True),))
        self.db.commit()

    def record(self, result: dict) -> None:
        model = result.pop("model", None)
        try:
            self.db.execute("INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (result["task"], result["point"], result["fold"], result["status"],
                             json_text(result, sort_keys=True), model, time.time()))
            self.db.commit()  # one task, one transaction: a kill loses nothing that finished
        except sqlite3.OperationalError as error:  # "database or disk is full", locked, ...
            self.db.rollback()
            raise SweepError(f"cannot record task {result['task']} in {self.path}: {error}; the finished tasks are "
                             "kept: free the space (or the lock) and continue with --resume") from None

    def results(self) -> dict[int, dict]:
        return {task: read_json_text(metrics) for task, metrics in self.db.execute("SELECT task, metrics FROM tasks")}

    def model(self, task: int) -> bytes | None:
        row = self.db.execute("SELECT model FROM tasks WHERE task = ?", (task,)).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        self.db.close()

    def discard(self) -> None:
        """Close and delete the store's files (a sweep refused before it was defined)."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.path + suffix):
                os.unlink(self.path + suffix)
