"""The one progress display of the CLI: a transient Rich bar on a terminal, quiet elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

Step = Callable[[str], None]


@contextmanager
def progress_bar(err: Console, total: int, *, on_pipe: Step | None = None) -> Iterator[Step]:
    """Yield a ``step(description)`` callback that advances a bar of ``total`` steps.

    On a terminal the bar is drawn on ``err`` and removed when done. Piped or captured output
    gets no bar: each step goes to ``on_pipe`` when given, else nowhere.
    """
    if not err.is_terminal:
        yield on_pipe or (lambda _step: None)
        return
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    with bar:
        task = bar.add_task("starting", total=total)
        seen = 0

        def step(description: str) -> None:
            nonlocal seen
            seen += 1
            bar.update(task, description=description, completed=min(seen, total))

        yield step
