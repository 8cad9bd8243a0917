"""Testing helpers shipped with worktrial: build real git repositories with chosen timestamps.

Like a mock transport shipped inside an HTTP client, these are public and stable so that
tests, demos and benchmarks (worktrial's own and yours) can create candidate repositories
without touching the network or the user's git configuration::

    from datetime import UTC, datetime, timedelta
    from worktrial.testing import RepoBuilder, Symlink

    b = RepoBuilder(tmp_path / "cand", start=datetime(2026, 3, 2, 9, tzinfo=UTC))
    b.commit("Add baseline", {"src/train.py": "print('fit')\\n"}, at=timedelta(hours=4))
    b.commit("Link the raw data", {"data/raw": Symlink("/srv/data")})
"""

from worktrial.testing._builder import RepoBuilder, Symlink, make_shallow_clone

__all__ = ["RepoBuilder", "Symlink", "make_shallow_clone"]
