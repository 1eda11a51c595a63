"""The progress line: counts per experiment on a terminal, silence elsewhere."""

import io

from verify.engine.experiment import get
from verify.engine.runner import run_many
from verify.progress import Progress, make_progress


class TTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_counts_tasks_per_experiment_on_a_terminal():
    slugs = ["bk-relu-commute", "pt-reynolds"]
    stream = TTY()
    prog = Progress(slugs, stream, delay=0)
    run_many([(get(s), get(s).resolve(True)) for s in slugs], workers=1, progress=prog)
    text = stream.getvalue()
    total = 1 + len(get("pt-reynolds").plan(get("pt-reynolds").resolve(True)).tasks)
    assert f"0/{total} tasks" in text and "pt-reynolds " in text  # counts per experiment
    assert any(f"{n}/{total} tasks" in text for n in range(1, total + 1))
    assert prog.bar is None and prog.done == [1, total - 1]  # closed, every task counted


def test_progress_is_silent_off_a_terminal_and_with_json_to_stdout():
    assert make_progress(["x"], stream=io.StringIO()) is None
    assert make_progress(["x"], enabled=False, stream=TTY()) is None
    assert isinstance(make_progress(["x"], stream=TTY()), Progress)
