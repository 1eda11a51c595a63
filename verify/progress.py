"""A progress line for runs: tasks done / total, the experiments still running, elapsed, ETA.

Drawn with tqdm on stderr, only when stderr is a terminal (not in logs, pipes or CI) and not
with ``--json -``; it appears after 2 s, so quick runs stay silent.  tqdm rather than rich: one
small pure-Python dependency with no transitive ones, ~30 ms to import, and its ``delay`` and
``postfix`` give exactly this line.
"""

from __future__ import annotations

import sys

__all__ = ["Progress", "make_progress"]


class Progress:
    """``start(totals)``, ``advance(job)``, ``close()``: the protocol the runner calls."""

    def __init__(self, names: list[str], stream=None, delay: float = 2.0):
        self.names = names
        self.stream = stream or sys.stderr
        self.delay = delay
        self.bar = None

    def start(self, totals: list[int]) -> None:
        from tqdm import tqdm

        self.totals, self.done = list(totals), [0] * len(totals)
        self.bar = tqdm(total=sum(totals), file=self.stream, delay=self.delay, unit="task",
                        dynamic_ncols=True, leave=False,
                        bar_format="{n_fmt}/{total_fmt} tasks |{bar:20}| {elapsed}<{remaining}"
                                   " {postfix}")

    def advance(self, job: int) -> None:
        self.done[job] += 1
        running = [f"{self.names[j]} {d}/{t}" for j, (d, t) in enumerate(zip(self.done,
                                                                               self.totals))
                   if d < t]
        self.bar.set_postfix_str(", ".join(running[:3]) + (" ..." if len(running) > 3 else ""),
                                 refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def make_progress(names: list[str], enabled: bool = True, stream=None) -> Progress | None:
    """A :class:`Progress` when enabled and ``stream`` (default stderr) is a terminal."""
    stream = stream or sys.stderr
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not (enabled and tty):
        return None
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return None
    return Progress(names, stream)
