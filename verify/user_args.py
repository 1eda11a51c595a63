"""Argument parsers of the commands for a user's own model and data (``verify model``,
``verify budget``); argparse only, so building the CLI stays fast.  The logic lives in
:mod:`verify.model_cmd` and :mod:`verify.budget_cmd`."""

from __future__ import annotations

__all__ = ["add_model_parser"]


def add_model_parser(sub) -> None:
    m = sub.add_parser("model", help="equivariance error of your model, with a CI")
    m.add_argument("target", help="MODULE:CALLABLE, FILE.py:CALLABLE, or W.npy (a matrix)")
    m.add_argument("--group", required=True, help="C8, D4, S24, A5, SO2, SO3, ...")
    m.add_argument("--input-rep", help="natural (default), perm, rot, std, image, id, "
                   "joined by * for tensor products over trailing axes; trivial")
    m.add_argument("--output-rep", help="default: the input rep when outputs have the "
                   "inputs' shape, else trivial")
    src = m.add_mutually_exclusive_group()
    src.add_argument("--inputs", metavar="FILE", help="inputs, .npy or .npz (array X)")
    src.add_argument("--dist", choices=("normal",), default="normal",
                     help="draw inputs i.i.d. N(0, I) (default)")
    m.add_argument("--n", type=int, default=256, help="number of drawn inputs (default 256)")
    m.add_argument("--shape", help="shape of one drawn input, e.g. 8,8 (default: the natural "
                   "representation's dimension)")
    m.add_argument("--elements", type=int, help="Haar sample size for compact or large groups")
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--json", metavar="FILE")
