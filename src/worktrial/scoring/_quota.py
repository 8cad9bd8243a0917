"""How often a candidate may score on the dev split: per day and over the whole trial.

One JSON file per candidate and trial under ``<WORKTRIAL_HOME>/quotas/<trial id>/``. A run is
*reserved* before it starts (under a file lock, so two runs at once cannot both take the last
slot) and *settled* when it ends: a run that failed for infrastructure reasons (the sandbox
could not start, the environment could not be built) is given back; a run that failed because
of the candidate's code counts like any other. Days are UTC days.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from worktrial.errors import QuotaExceededError, ScoringError
from worktrial.sandbox.environment import default_home
from worktrial.spec._model import Quotas

LEDGER_VERSION = 1


@dataclass(frozen=True, slots=True)
class QuotaUsage:
    """Counted dev-split runs against the trial's quotas at one moment."""

    today: int
    per_day: int
    total: int
    limit: int
    resets_at: datetime

    @property
    def exceeded(self) -> bool:
        return self.today >= self.per_day or self.total >= self.limit

    def describe(self) -> str:
        """``"dev-split quota used: 5 of 5 runs today (resets at 00:00 UTC); 12 of 30 in
        total"``."""
        return (
            f"dev-split quota used: {self.today} of {self.per_day} runs today (resets at "
            f"{self.resets_at:%H:%M} UTC); {self.total} of {self.limit} in total"
        )


def _slug(text: str) -> str:
    clean = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "x"
    return f"{clean[:40]}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def _aware(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None or at.utcoffset() is None:
        raise ScoringError(
            f"quota time {at.isoformat()}: expected a timezone-aware datetime, found a naive one",
            found=at.isoformat(),
        )
    return at.astimezone(UTC)


class QuotaLedger:
    """The dev-split runs of one candidate in one trial.

    Args:
        path: the ledger's JSON file (created on first use).
        quotas: the trial's ``quotas`` (``dev_per_day``, ``total``).
    """

    def __init__(self, path: Path, quotas: Quotas) -> None:
        self.path = path
        self.quotas = quotas

    @classmethod
    def open(
        cls, *, trial: str, candidate: str, quotas: Quotas, home: Path | None = None
    ) -> QuotaLedger:
        """The ledger of ``candidate`` in ``trial`` under ``home`` (default: WORKTRIAL_HOME)."""
        root = (home if home is not None else default_home()) / "quotas" / _slug(trial)
        return cls(root / f"{_slug(candidate)}.json", quotas)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[list[dict[str, Any]]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            runs = self._read()
            before = json.dumps(runs, sort_keys=True)
            yield runs
            if json.dumps(runs, sort_keys=True) != before:
                self._write(runs)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _read(self) -> list[dict[str, Any]]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as err:
            raise ScoringError(
                f"{self.path}: the quota ledger cannot be read ({err}); it was not changed",
                path=str(self.path),
            ) from err
        runs = raw.get("runs") if isinstance(raw, dict) else None
        if not isinstance(runs, list):
            raise ScoringError(
                f"{self.path}: expected a quota ledger with a 'runs' list", path=str(self.path)
            )
        return [r for r in runs if isinstance(r, dict)]

    def _write(self, runs: list[dict[str, Any]]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps({"version": LEDGER_VERSION, "runs": runs}, indent=1), encoding="utf-8"
        )
        tmp.replace(self.path)

    def _usage(self, runs: list[dict[str, Any]], now: datetime) -> QuotaUsage:
        day = now.date()
        counted = [r for r in runs if r.get("counted", True)]
        today = 0
        for r in counted:
            try:
                at = datetime.fromisoformat(str(r["at"])).astimezone(UTC)
            except (KeyError, ValueError):
                continue
            today += at.date() == day
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        return QuotaUsage(
            today=today,
            per_day=self.quotas.dev_per_day,
            total=len(counted),
            limit=self.quotas.total,
            resets_at=midnight,
        )

    def usage(self, at: datetime | None = None) -> QuotaUsage:
        """What has been used at ``at`` (now by default)."""
        now = _aware(at)
        with self._locked() as runs:
            return self._usage(runs, now)

    def reserve(self, at: datetime | None = None, *, commit: str = "") -> str:
        """Take one dev-split run; return its ticket for :meth:`settle`.

        Raises:
            QuotaExceededError: today's or the trial's runs are used up; the message says
                how many of each and when the day's count resets.
        """
        now = _aware(at)
        with self._locked() as runs:
            usage = self._usage(runs, now)
            if usage.exceeded:
                raise QuotaExceededError(
                    usage.describe(),
                    today=usage.today,
                    per_day=usage.per_day,
                    total=usage.total,
                    limit=usage.limit,
                )
            ticket = uuid.uuid4().hex
            runs.append(
                {
                    "ticket": ticket,
                    "at": now.isoformat(),
                    "commit": commit,
                    "counted": True,
                    "outcome": "running",
                }
            )
            return ticket

    def settle(self, ticket: str, *, counted: bool, outcome: str) -> QuotaUsage:
        """Record how the reserved run ended; ``counted=False`` gives the run back."""
        with self._locked() as runs:
            for r in runs:
                if r.get("ticket") == ticket:
                    r["counted"] = counted
                    r["outcome"] = outcome
                    break
            return self._usage(runs, datetime.now(UTC))
