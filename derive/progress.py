"""A progress line for long runs, on stderr only."""

from __future__ import annotations

import sys
import time


class Progress:
    """A transient progress bar with the cost: rich when installed, one
    rewritten text line otherwise, nothing when stderr is not a terminal."""

    every = 0.1  # seconds between redraws: updating is not free

    def __init__(self, total, enabled, label):
        self.total, self.label = total, label
        self.mode = None
        self.last = 0.0
        isatty = getattr(sys.stderr, "isatty", lambda: False)
        if enabled and isatty():
            self.mode = "text"
            try:
                from rich.console import Console
                from rich.progress import (BarColumn, MofNCompleteColumn, Progress,
                                           TextColumn, TimeRemainingColumn)
            except ImportError:
                return
            self.mode = "rich"
            self.rich = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("cost {task.fields[cost]}"),
                                 TimeRemainingColumn(), transient=True,
                                 console=Console(file=sys.stderr))
            self.task = self.rich.add_task(label, total=total, cost="…")

    def __enter__(self):
        if self.mode == "rich":
            self.rich.start()
        return self

    def update(self, epoch, cost):
        if self.mode is None:
            return
        now = time.perf_counter()
        if now - self.last < self.every and epoch < self.total:
            return
        self.last = now
        if self.mode == "rich":
            self.rich.update(self.task, completed=epoch, cost=f"{cost:.6g}")
        else:
            sys.stderr.write(f"\r{self.label}: epoch {epoch}/{self.total}, cost {cost:.6g}  ")
            sys.stderr.flush()

    def __exit__(self, *exc):
        if self.mode == "rich":
            self.rich.stop()
        elif self.mode == "text":
            sys.stderr.write("\r\033[K")  # transient: clear the line
            sys.stderr.flush()
        return False
