"""Argument parsers of the commands for a user's own model and data (``verify model``,
``verify budget``); argparse only, so building the CLI stays fast.  The logic lives in
:mod:`verify.model_cmd` and :mod:`verify.budget_cmd`."""

from __future__ import annotations

__all__ = ["add_budget_parser", "add_model_parser"]


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


def add_budget_parser(sub) -> None:
    b = sub.add_parser("budget", help="data equivariance error, noise and recommended eps* "
                       "of a regression data set")
    b.add_argument("data", help="an .npz file with arrays X (n, d) and Y (n, k)")
    b.add_argument("--group", required=True, help="a finite group: C6, D4, S24, ...")
    b.add_argument("--input-rep", help="named representation on the rows of X (default: "
                   "the natural one)")
    b.add_argument("--output-rep", help="on the rows of Y (default: the input's when k = d, "
                   "else trivial)")
    b.add_argument("--alpha", type=float, default=0.05, help="CI level 1 - alpha (default "
                   "0.05)")
    b.add_argument("--n-boot", type=int, default=400, help="bootstrap replicates (default 400)")
    b.add_argument("--n-train", type=int, help="training-set size for the predictions "
                   "(default: the data's n)")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--json", metavar="FILE")
