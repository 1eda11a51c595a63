"""The task-output cache: exact round trips, digests, and entries that lie or try to run code."""

import dataclasses
import math
import os
import pickle

import numpy as np
import pytest

from verify.engine import cache as C
from verify.engine.experiment import UsageError, discover, get
from verify.engine.runner import _call, run
from verify.engine.stats import Check


def same(a, b, path="out"):
    """Exact equality: types, dtypes, shapes, bytes (NaN equal to NaN), dataclass fields."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        assert a.tobytes() == b.tobytes(), path
    elif isinstance(a, np.generic):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), path
    elif isinstance(a, float):
        assert (a == b and str(a) == str(b)) or (math.isnan(a) and math.isnan(b)), path
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]")
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


KEY = "0" * 64


def roundtrip(value, key=KEY):
    return C.unpack(key, C.pack(key, value))


def test_codec_round_trips_every_kind_exactly():
    value = {
        "none": None, "t": True, "f": False, "i": -(2**70), "x": 0.1, "negzero": -0.0,
        "nan": float("nan"), "inf": float("inf"), "ninf": -float("inf"), "s": "é\n\"$\"",
        "list": [1, 2.5, "a", [None]], "tuple": (1, (2, 3), ()), "empty": {},
        "arr": np.arange(12.0).reshape(3, 4), "fort": np.asfortranarray(np.ones((2, 3))),
        "i8": np.array([1, -2], dtype=np.int8), "bool": np.array([True, False]),
        "c": np.array([1 + 2j]), "zero": np.zeros((0, 3)), "scalar0d": np.array(3.5),
        "f64": np.float64(1.25), "i64": np.int64(7), "npbool": np.bool_(True),
        "u": np.array(["ab", "c"]), 3: "int key", (1, "a"): "tuple key", "$": {"$": "nd"},
        "check": Check("c", "sharp", 1.0, 1.1, se=0.2, note="n"),
    }
    same(roundtrip(value), value)
    assert isinstance(roundtrip(np.float64(2.0)), np.float64)


@pytest.mark.parametrize("bad", [object(), {1, 2}, np.array([object()]), b"bytes", 1j,
                                 lambda: 0])
def test_codec_refuses_what_it_cannot_hold(bad):
    with pytest.raises(TypeError):
        C.encode({"x": [bad]})


def test_every_experiments_quick_task_outputs_round_trip_exactly():
    """Run every registered experiment's quick tasks (the first of each task function, to keep
    the test short) and pass each output through the file format: the decoded outputs equal the
    originals exactly; where that is every task, they also reduce to the same checks."""
    for slug, exp in discover().items():
        plan = exp.plan(exp.resolve(True))
        seeds = np.random.SeedSequence([0, 1]).spawn(len(plan.tasks))
        first = {}
        for i, t in enumerate(plan.tasks):
            first.setdefault(t.fn, i)
        picked = sorted(first.values())
        outs = [_call(i, plan.tasks[i], seeds[i], False)[1] for i in picked]
        back = [roundtrip((o, 1.5))[0] for o in outs]
        same(back, outs, slug)
        if len(picked) == len(plan.tasks):
            checks_a, _ = plan.reduce(outs)
            checks_b, _ = exp.plan(exp.resolve(True)).reduce(back)
            same(checks_b, checks_a, slug)


@pytest.fixture
def entry(tmp_path):
    c = C.Cache(tmp_path)
    value = ({"mean": np.linspace(0, 1, 50), "n": 40, "label": "x"}, 0.25)
    key = "ab" * 32
    assert c.store(key, value)
    return c, key, value


def test_store_then_load_and_nothing_left_behind(entry):
    c, key, value = entry
    same(c.load(key), value)
    assert sorted(p.name for p in c.path.iterdir()) == [f"{key}.npz"]  # no temporary files
    assert c.load("cd" * 32) is None and c.bad == 0


def _corrupt_and_load(c, key, data, capsys):
    c.file(key).write_bytes(data)
    before = c.bad
    out = c.load(key)
    err = capsys.readouterr().err
    return out, c.bad - before, err


def test_random_bytes_and_truncation_are_detected(entry, capsys):
    c, key, _ = entry
    good = c.file(key).read_bytes()
    rng = np.random.default_rng(0)
    cases = {"random": rng.bytes(len(good)), "empty": b"", "half": good[: len(good) // 2],
             "minus one byte": good[:-1], "npy magic": b"\x93NUMPY" + rng.bytes(100)}
    for name, data in cases.items():
        out, bad, err = _corrupt_and_load(c, key, data, capsys)
        assert out is None and bad == 1, name
        assert err.count("\n") == 1 and "bad entry" in err and "Traceback" not in err, name


def test_every_sampled_bit_flip_is_detected_or_harmless(entry, capsys):
    c, key, value = entry
    good = bytearray(c.file(key).read_bytes())
    detected = 0
    for pos in range(0, len(good), max(1, len(good) // 400)):
        for bit in (0, 5):
            flipped = bytearray(good)
            flipped[pos] ^= 1 << bit
            out, bad, _ = _corrupt_and_load(c, key, bytes(flipped), capsys)
            if out is None:
                assert bad == 1
                detected += 1
            else:  # a flip in a field nobody reads (e.g. a zip timestamp) changes nothing
                same(out, value, f"flip at byte {pos} bit {bit}")
    assert detected > 0.8 * 2 * (len(good) // max(1, len(good) // 400))


def test_a_value_changed_without_its_digest_is_detected(entry, capsys, tmp_path):
    c, key, _ = entry
    with np.load(c.file(key)) as z:
        members = {k: z[k] for k in z.files}
    members["a0"] = members["a0"] * 1.01  # 1 % off, same shape, digest left as it was
    np.savez(tmp_path / "forged.npz", **members)
    out, bad, err = _corrupt_and_load(c, key, (tmp_path / "forged.npz").read_bytes(), capsys)
    assert out is None and bad == 1 and "digest" in err


def test_an_entry_under_another_key_is_detected(entry, capsys):
    c, key, _ = entry
    other = "ef" * 32
    c.file(other).write_bytes(c.file(key).read_bytes())
    assert c.load(other) is None and "digest" in capsys.readouterr().err


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_malicious_pickle_is_never_executed(entry, capsys, tmp_path):
    c, key, _ = entry
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Evil(marker))
    for data in (payload, b"PK\x03\x04" + payload):
        out, bad, _ = _corrupt_and_load(c, key, data, capsys)
        assert out is None and bad == 1
    # an npz whose member is a pickled object array (np.load refuses it without allow_pickle)
    arr = np.empty(1, dtype=object)
    arr[0] = _Evil(marker)
    np.savez(tmp_path / "evil.npz", meta=np.frombuffer(b"{}", np.uint8), sha256=arr)
    out, bad, _ = _corrupt_and_load(c, key, (tmp_path / "evil.npz").read_bytes(), capsys)
    assert out is None and bad == 1
    assert not marker.exists()


def test_decode_refuses_unknown_tags_and_classes():
    for tree in ({"$": "dc", "t": "Popen", "v": {}}, {"$": "nd", "i": 3}, {"$": "what"},
                 {"$": "dc", "t": "Check", "v": {"name": "x"}}):
        with pytest.raises(C.CacheEntryError):
            C.decode(tree, [])


def test_a_run_recomputes_and_rewrites_a_bad_entry(tmp_path, capsys):
    exp = get("ez-gap")
    first = run(exp, quick=True, seed=3, cache=tmp_path)
    (f,) = tmp_path.glob("*.npz")
    f.write_bytes(b"garbage")
    again = run(exp, quick=True, seed=3, cache=tmp_path)
    assert "bad entry" in capsys.readouterr().err
    same(again.checks, first.checks)
    key = f.stem
    assert C.Cache(tmp_path).load(key) is not None  # rewritten, valid


def test_the_key_covers_function_arguments_seed_and_code():
    from verify.engine.experiment import TaskSpec

    ss = np.random.SeedSequence([1, 2]).spawn(2)
    t = TaskSpec(np.add, {"a": np.ones(3), "n": 4})
    k = C.task_key(t, ss[0])
    assert k == C.task_key(TaskSpec(np.add, {"a": np.ones(3), "n": 4}), ss[0])
    assert k != C.task_key(t, ss[1])
    assert k != C.task_key(TaskSpec(np.add, {"a": np.ones(3), "n": 5}), ss[0])
    assert k != C.task_key(TaskSpec(np.add, {"a": np.ones(3, np.float32), "n": 4}), ss[0])
    assert k != C.task_key(TaskSpec(np.subtract, {"a": np.ones(3), "n": 4}), ss[0])
    assert C.task_key(TaskSpec(np.add, {"a": np.array([object()])}), ss[0]) is None


def test_unusable_directories_are_one_clear_usage_error(tmp_path, monkeypatch):
    f = tmp_path / "file"
    f.write_text("")
    for bad in ("", "   ", str(f), str(f / "sub")):
        with pytest.raises(UsageError, match="cache"):
            C.open_cache(bad)
    monkeypatch.setenv("EQUIBOUNDS_CACHE", "")
    with pytest.raises(UsageError, match="EQUIBOUNDS_CACHE"):
        C.open_cache()


def test_a_store_that_fails_mid_run_warns_once(tmp_path, capsys):
    c = C.Cache(tmp_path / "gone")  # never created: every write fails
    assert not c.store("01" * 32, (1.0, 0.1)) and not c.store("02" * 32, (1.0, 0.1))
    assert capsys.readouterr().err.count("cannot write") == 1


def test_orphaned_temporary_files_are_removed_on_open(tmp_path):
    dead = _reaped()  # a pid that has exited (and been waited for)
    orphan = tmp_path / f".{'ab' * 32}.{dead}.tmp"
    mine = tmp_path / f".{'cd' * 32}.{os.getpid()}.tmp"
    orphan.write_bytes(b"half")
    mine.write_bytes(b"being written")
    C.open_cache(tmp_path)
    assert not orphan.exists() and mine.exists()


def _reaped() -> int:
    import subprocess
    import sys

    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid
