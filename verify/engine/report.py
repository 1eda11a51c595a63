r"""One verification report: results rendered as Markdown, standalone LaTeX and JSON.

For every experiment of a run: its claim, its Statement in LaTeX (:meth:`bounds.Statement.latex`)
with the hypotheses in words and the provenance label, the resolved parameters and the seed,
every check (prediction, measurement, CI, verdict, and the slack of bounds), a calibration
summary where one is supplied, and its figure where one exists.  The header holds the package
version, the environment and the command line.  The numbers are the run's own
(:meth:`verify.Result.to_dict`): formatted to 6 significant digits in the documents, exact in the
JSON.  The LaTeX uses only packages of a base TeX installation (amsmath, amssymb, graphicx,
longtable, geometry, lmodern).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from .experiment import Experiment, Result

__all__ = ["Entry", "Header", "fmt", "json_safe", "latex", "markdown", "tex_text",
           "to_json"]


@dataclass
class Header:
    """What the report was made from: version, environment, command line and run settings."""

    version: str
    environment: dict[str, str]
    command: str
    date: str
    seed: int
    alpha: float
    size: str  # "quick" | "full"


@dataclass
class Entry:
    """One experiment's section: its Result, the Experiment, where it comes from, the figure
    files (paths relative to the report, without extension) and calibration records."""

    result: Result
    experiment: Experiment
    origin: str = "equibounds"
    figures: list[str] = field(default_factory=list)
    calibration: list[dict] = field(default_factory=list)


def fmt(x) -> str:
    """A number as the report prints it: 6 significant digits, ``-`` for none."""
    if x is None:
        return "-"
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, int):
        return str(x)
    return f"{x:.6g}" if math.isfinite(x) else str(x)


def _param_value(v) -> str:
    text = str(v)
    return text if len(text) <= 80 else text[:77] + "..."


def _params(r: Result) -> list[tuple[str, str]]:
    return [(k, _param_value(v)) for k, v in r.params.items() if not k.startswith("_")]


def _predicted(c: dict) -> str:
    rel = {"<=": "<= ", ">=": ">= "}.get(c["relation"], "") if c["kind"] == "bound" else ""
    return rel + fmt(c["predicted"])


def _ci(c: dict) -> str:
    return "-" if c["ci_low"] is None else f"[{fmt(c['ci_low'])}, {fmt(c['ci_high'])}]"


def _counts(entries: list[Entry]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in entries:
        out[e.result.verdict] = out.get(e.result.verdict, 0) + 1
    return out


def to_json(header: Header, entries: list[Entry]) -> dict:
    """The report as strict JSON data: the header and, per experiment, ``Result.to_dict()``
    plus origin, figures and calibration (the records ``python -m verify all --json`` writes:
    non-finite numbers are null)."""
    return json_safe({"header": vars(header).copy(),
                      "experiments": [{**e.result.to_dict(), "origin": e.origin,
                                       "figures": e.figures, "calibration": e.calibration}
                                      for e in entries]})


def json_safe(x):
    """Plain JSON values: numpy scalars and arrays as Python, sets sorted, non-finite floats
    as None, anything else as its ``str``."""
    if isinstance(x, dict):
        return {str(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if isinstance(x, (str, bool, int)) or x is None:
        return x
    if hasattr(x, "tolist"):
        return json_safe(x.tolist())
    if isinstance(x, (set, frozenset)):
        return sorted(json_safe(v) for v in x)
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    return f if math.isfinite(f) else None


# ------------------------------------------------------------------------------- Markdown

def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(header: Header, entries: list[Entry]) -> str:
    """The report as one Markdown document (figures as relative PNG links)."""
    counts = _counts(entries)
    out = ["# equibounds verification report", "",
           f"- package: equibounds {header.version}",
           f"- command: `{header.command}`",
           f"- date: {header.date}",
           (f"- run: {header.size} sizes, seed {header.seed}, alpha = {header.alpha} "
            "(Bonferroni over the run's Monte Carlo checks)"),
           "- environment: " + ", ".join(f"{k} {v}" for k, v in header.environment.items()),
           f"- verdicts: {len(entries)} experiment(s): "
           + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())), "",
           "| experiment | kind | family | verdict | origin |", "|---|---|---|---|---|"]
    for e in entries:
        r = e.result
        out.append(f"| [{r.slug}](#{r.slug}) | {r.kind} | {_md(r.family)} | "
                   f"**{r.verdict.upper()}** | {_md(e.origin)} |")
    for e in entries:
        out += [""] + _md_entry(e)
    return "\n".join(out) + "\n"


def _md_entry(e: Entry) -> list[str]:
    r, exp = e.result, e.experiment
    d = r.to_dict()
    out = [f"## {r.slug}", "", f"*{_md(exp.claim)}*", "",
           (f"{r.kind}, {r.family}; verdict **{r.verdict.upper()}**; "
            f"{fmt(r.seconds)} s of task time; from {e.origin}"), ""]
    s = exp.statement
    if s is not None:
        out += [f"**Statement** ({s.name}):", "", f"$$ {s.latex()} $$", ""]
        if s.hypotheses:
            out.append("Hypotheses: " + "; ".join(h.text for h in s.hypotheses) + ".")
        if s.source is not None:
            out.append(f"Source: {s.source.paper} ({s.source.family}); "
                       f"provenance: **{s.source.label}**.")
        if s.description:
            out += ["", s.description]
        out.append("")
    else:
        out += ["No single Statement: each check below carries its own prediction.", ""]
    out.append(f"**Parameters** (seed {r.seed}): "
               + ", ".join(f"`{k}={_md(v)}`" for k, v in _params(r)))
    out += ["", "| check | kind | predicted | measured | CI | verdict | slack |",
            "|---|---|---|---|---|---|---|"]
    for c in d["checks"]:
        note = f" ({_md(c['note'])})" if c.get("note") else ""
        out.append(f"| {_md(c['name'])}{note} | {c['kind']} | {_predicted(c)} | "
                   f"{fmt(c['measured'])} | {_ci(c)} | {c['verdict']} | {fmt(c['slack'])} |")
    if e.calibration:
        out += ["", "**Calibration** (`python -m verify calibrate`):", "",
                "| check | size | seeds | false failures | detection of the planted error |",
                "|---|---|---|---|---|"]
        for rec in e.calibration:
            out.append(f"| {_md(rec['check'])} | {rec['size']} | {rec['seeds']} | "
                       f"{_rate(rec, 'false_failure')} | {_rate(rec, 'detection')} |")
    for f in e.figures:
        out += ["", f"![{f}]({f}.png)"]
    return out


def _rate(rec: dict, what: str) -> str:
    rate, ci = rec.get(f"{what}_rate"), rec.get(f"{what}_ci")
    if rate is None:
        return "-"
    pct = f"{100 * rate:.1f} %"
    return pct + (f" [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]" if ci else "")


# ---------------------------------------------------------------------------------- LaTeX

_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
            "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"$\sim$",
            "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}
_SYMBOLS = {"≤": r"\le", "≥": r"\ge", "∈": r"\in", "×": r"\times", "√": r"\surd",
            "→": r"\to", "≈": r"\approx", "·": r"\cdot", "⊂": r"\subset", "∞": r"\infty",
            "‖": r"\|", "ℤ": r"\mathbb{Z}", "ℝ": r"\mathbb{R}", "±": r"\pm", "≠": r"\neq",
            "⊕": r"\oplus", "⊗": r"\otimes", "∑": r"\sum", "∘": r"\circ", "⁻": "^{-}",
            "²": "^2", "³": "^3", "¹": "^1", "₊": "_+", "∗": "*", "ᵀ": "^\\top"}
_TEXT = {"−": "-", "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''",
         "…": r"\dots{}", " ": "~"}


#: Greek capitals that LaTeX writes as Latin letters
_LATIN_CAPITALS = {"alpha": "A", "beta": "B", "epsilon": "E", "zeta": "Z", "eta": "H",
                   "iota": "I", "kappa": "K", "mu": "M", "nu": "N", "omicron": "O", "rho": "P",
                   "tau": "T", "chi": "X", "lamda": r"$\Lambda$"}


def _unicode(ch: str) -> str:
    if ch in _TEXT:
        return _TEXT[ch]
    if ch in _SYMBOLS:
        return f"${_SYMBOLS[ch]}$"
    name = unicodedata.name(ch, "")
    m = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER (\w+)", name)
    if m:
        letter = m.group(2).lower()
        if m.group(1) == "CAPITAL":
            return _LATIN_CAPITALS.get(letter, f"$\\{letter.capitalize()}$")
        letter = {"epsilon": "varepsilon", "lamda": "lambda"}.get(letter, letter)
        return "o" if letter == "omicron" else f"$\\{letter}$"
    plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    if plain:
        accent = {"\u0308": '\\"', "\u0301": "\\'", "\u0300": "\\`", "\u0302": "\\^"}
        mark = next((accent[c] for c in unicodedata.normalize("NFKD", ch) if c in accent), "")
        return f"{mark}{{{plain}}}" if mark else plain
    return "?"


def _tt(text) -> str:
    """Text for ``\\texttt``: as :func:`tex_text`, and ``--`` kept as two hyphens."""
    return tex_text(text).replace("--", "-{}-")


def tex_text(text) -> str:
    """Plain text as LaTeX: specials escaped, non-ASCII as LaTeX (ASCII out)."""
    out = []
    for ch in str(text):
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ord(ch) < 128:
            out.append(ch if ch != "\n" else " ")
        else:
            out.append(_unicode(ch))
    return re.sub(r"(?<!\\)\$\$", "", "".join(out))  # adjacent math groups merge


_PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage[margin=2cm]{geometry}
% each table row starts with {} so that a cell beginning with [ is not read as \\[...]
\usepackage{amsmath,amssymb,graphicx,longtable,array}
\newcolumntype{P}[1]{>{\raggedright\arraybackslash}p{#1}}
\newsavebox{\eqbox}
% display a formula, shrunk to the line width when it is wider
\newcommand{\fitmath}[1]{\sbox{\eqbox}{$\displaystyle #1$}\par\noindent\hfil
  \ifdim\wd\eqbox>\linewidth\resizebox{\linewidth}{!}{\usebox{\eqbox}}\else\usebox{\eqbox}\fi
  \hfil\par}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\begin{document}
"""


def latex(header: Header, entries: list[Entry]) -> str:
    """The report as one standalone LaTeX document (``pdflatex report.tex`` compiles it)."""
    counts = _counts(entries)
    out = [_PREAMBLE, r"{\LARGE equibounds verification report}\par\medskip",
           r"\begin{tabular}{@{}l p{0.8\linewidth}@{}}",
           rf"package & equibounds {tex_text(header.version)}\\",
           rf"command & \texttt{{{_tt(header.command)}}}\\",
           rf"date & {tex_text(header.date)}\\",
           (rf"run & {header.size} sizes, seed {header.seed}, $\alpha={header.alpha}$ "
            r"(Bonferroni over the run's Monte Carlo checks)\\"),
           r"environment & " + tex_text(", ".join(f"{k} {v}" for k, v in
                                                  header.environment.items())) + r"\\",
           rf"verdicts & {len(entries)} experiment(s): "
           + tex_text(", ".join(f"{n} {v}" for v, n in sorted(counts.items()))) + r"\\",
           r"\end{tabular}", "",
           r"\begin{longtable}{@{}l l l l P{0.3\linewidth}@{}}",
           r"experiment & kind & family & verdict & origin\\ \hline\endhead"]
    for e in entries:
        r = e.result
        out.append(f"{{}}{tex_text(r.slug)} & {r.kind} & {tex_text(r.family)} & "
                   rf"\textbf{{{r.verdict.upper()}}} & {tex_text(e.origin)}\\")
    out.append(r"\end{longtable}")
    for e in entries:
        out += _tex_entry(e)
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def _tex_entry(e: Entry) -> list[str]:
    r, exp = e.result, e.experiment
    d = r.to_dict()
    out = ["", rf"\section*{{{tex_text(r.slug)}}}",
           rf"\emph{{{tex_text(exp.claim)}}}\par",
           (f"{r.kind}, {tex_text(r.family)}; verdict \\textbf{{{r.verdict.upper()}}}; "
            f"{fmt(r.seconds)} s of task time; from {tex_text(e.origin)}\\par")]
    s = exp.statement
    if s is not None:
        out += [rf"\textbf{{Statement}} ({tex_text(s.name)}):", rf"\fitmath{{{s.latex()}}}"]
        if s.hypotheses:
            out.append("Hypotheses: " + tex_text("; ".join(h.text for h in s.hypotheses))
                       + r".\par")
        if s.source is not None:
            out.append(f"Source: {tex_text(s.source.paper)} ({tex_text(s.source.family)}); "
                       rf"provenance: \textbf{{{tex_text(s.source.label)}}}.\par")
        if s.description:
            out.append(tex_text(s.description) + r"\par")
    else:
        out.append(r"No single Statement: each check below carries its own prediction.\par")
    out.append(rf"\textbf{{Parameters}} (seed {r.seed}): "
               + ", ".join(rf"\texttt{{{_tt(k)}={_tt(v)}}}" for k, v in _params(r))
               + r"\par")
    out += [r"{\small\begin{longtable}{@{}P{0.30\linewidth} l r r l l r@{}}",
            r"check & kind & predicted & measured & CI & verdict & slack\\ \hline\endhead"]
    for c in d["checks"]:
        note = f" ({c['note']})" if c.get("note") else ""
        out.append(f"{{}}{tex_text(c['name'] + note)} & {c['kind']} & "
                   f"{tex_text(_predicted(c))} & "
                   f"{fmt(c['measured'])} & {_ci(c)} & {c['verdict']} & {fmt(c['slack'])}\\\\")
    out.append(r"\end{longtable}}")
    if e.calibration:
        out += [r"\textbf{Calibration} (\texttt{python -m verify calibrate}):\par",
                r"{\small\begin{tabular}{@{}P{0.34\linewidth} l r l l@{}}",
                r"check & size & seeds & false failures & detection\\ \hline"]
        for rec in e.calibration:
            out.append(f"{{}}{tex_text(rec['check'])} & {rec['size']} & {rec['seeds']} & "
                       f"{tex_text(_rate(rec, 'false_failure'))} & "
                       f"{tex_text(_rate(rec, 'detection'))}\\\\")
        out.append(r"\end{tabular}}\par")
    for f in e.figures:
        out += [r"\begin{center}", rf"\includegraphics[width=\linewidth]{{{f}.pdf}}",
                r"\end{center}"]
    return out
