r"""Exact numerics for ReLU networks and symmetries (the Bökman–Kahl family).

Conventions.  A network is a list of layers ``(W, b)``,
:math:`f(x)=W_L\sigma(\cdots\sigma(W_1x+b_1)\cdots)+b_L`; data are rows (``X`` is N × d), so a
layer maps ``H -> H @ W.T + b``.  A group element acts on a layer's space by a matrix ρ; f is
equivariant when :math:`f(\rho_0(g)x)=\rho_L(g)f(x)`, layerwise equivariant when
:math:`W_j\rho_{j-1}(g)=\rho_j(g)W_j`, :math:`\rho_j(g)b_j=b_j` and every hidden
:math:`\rho_j(g)` commutes with σ.  A permutation ``perm`` acts by
:math:`(Px)_i=x_{\mathrm{perm}[i]}`; a signed scaled permutation ρ has
:math:`\rho_{i,\pi(i)}=s_ic_i` (sign :math:`s_i`, scale :math:`c_i>0`) and zeros elsewhere.
Images are flattened row-major; :func:`flip_matrix` is the horizontal flip, :func:`rot90_matrix`
the rotation generating :math:`C_4`.

Contents: the ReLU-commuting test, the two-layer analyser (LSA on :math:`-|\cos|`), the
hidden-unit scramble, layer-by-layer recovery of hidden representations, the diagonal
conjugation of scaled permutation representations, the width-|G| symmetrisation, the
counterexamples C1–C3 with their width-6 realisations, and random constructions with known
truth.  Everything is float64 and deterministic given the numpy Generator passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import block_diag, null_space
from scipy.optimize import linear_sum_assignment

__all__ = [
    "C1_ROWS",
    "C2_ROWS",
    "MATCH_TOL",
    "Construction",
    "Match",
    "Recovery",
    "SignedRep",
    "analyse_two_layer",
    "c3_rows",
    "cycle_conjugator",
    "deep_regular_net",
    "fixed_vector_conjugator",
    "flip_matrix",
    "layerwise_pair_net",
    "match_rows",
    "max_abs",
    "mlp",
    "perm_matrix",
    "perm_residual",
    "positive_scaled_permutation",
    "random_construction",
    "recover_reps",
    "regular_cyclic",
    "relu",
    "relu_commute_residual",
    "rot90_matrix",
    "scramble",
    "signed_permutation",
    "symmetrise",
    "tanh_signed_net",
    "two_layer_verdict",
    "width6_realisation",
]

#: The analyser reports "no correspondence" when max(1 - |cos|) exceeds this.
MATCH_TOL = 1e-9

Layers = list[tuple[np.ndarray, np.ndarray]]


# -- basics ------------------------------------------------------------------------------------
def relu(z: np.ndarray) -> np.ndarray:
    r""":math:`\sigma(z)=\max(0,z)` elementwise."""
    return np.maximum(z, 0.0)


def max_abs(a) -> float:
    """:math:`\\max|a|` (0 for an empty array)."""
    a = np.asarray(a, dtype=np.float64)
    return float(np.max(np.abs(a))) if a.size else 0.0


def mlp(layers: Layers, X: np.ndarray, act=relu) -> np.ndarray:
    r""":math:`f(x)=W_L\,\mathrm{act}(\cdots\mathrm{act}(W_1x+b_1)\cdots)+b_L` on the rows of X."""
    H = np.asarray(X, dtype=np.float64)
    for j, (W, b) in enumerate(layers):
        H = H @ W.T + b
        if j < len(layers) - 1:
            H = act(H)
    return H


def perm_matrix(perm) -> np.ndarray:
    r"""The permutation matrix with :math:`(Px)_i=x_{\mathrm{perm}[i]}`."""
    perm = np.asarray(perm)
    P = np.zeros((perm.size, perm.size))
    P[np.arange(perm.size), perm] = 1.0
    return P


def flip_matrix(h: int, w: int | None = None) -> np.ndarray:
    r"""Horizontal flip of an h × w image (row-major): :math:`x'[r,c]=x[r,w-1-c]`."""
    w = h if w is None else w
    return perm_matrix(np.arange(h * w).reshape(h, w)[:, ::-1].ravel())


def rot90_matrix(h: int) -> np.ndarray:
    r"""Rotation by 90° of an h × h image (``numpy.rot90``); it generates :math:`C_4`."""
    return perm_matrix(np.rot90(np.arange(h * h).reshape(h, h)).ravel())


def positive_scaled_permutation(n: int, rng: np.random.Generator, low: float = 0.3,
                                high: float = 3.0) -> np.ndarray:
    r""":math:`PD` with P a uniform random permutation and :math:`D=\mathrm{diag}(d)`,
    :math:`d_i\sim U[\mathrm{low},\mathrm{high}]`."""
    return perm_matrix(rng.permutation(n)) @ np.diag(rng.uniform(low, high, n))


def signed_permutation(n: int, rng: np.random.Generator) -> np.ndarray:
    r""":math:`PS` with P a random permutation and S = diag(±1) with at least one −1."""
    s = rng.choice([-1.0, 1.0], n)
    s[rng.integers(n)] = -1.0
    return perm_matrix(rng.permutation(n)) @ np.diag(s)


def relu_commute_residual(A: np.ndarray, X: np.ndarray, act=relu) -> float:
    r""":math:`\max_x|\mathrm{act}(Ax)-A\,\mathrm{act}(x)|` over the rows x of X."""
    return max_abs(act(X @ A.T) - act(X) @ A.T)


# -- matching and the two-layer analyser -------------------------------------------------------
def _augment(W: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    b = np.zeros(W.shape[0]) if b is None else np.asarray(b, dtype=np.float64)
    return np.hstack([W, b[:, None]])


def scaled_permutation_matrix(pi: np.ndarray, values: np.ndarray) -> np.ndarray:
    r"""The matrix R with :math:`R_{i,\pi(i)}=` ``values[i]`` and zeros elsewhere."""
    R = np.zeros((pi.size, pi.size))
    R[np.arange(pi.size), pi] = values
    return R


@dataclass
class Match:
    """Rows U matched to rows V: :math:`u_i\\approx s_ic_iv_{\\pi(i)}`."""

    pi: np.ndarray
    signs: np.ndarray
    scales: np.ndarray
    cos: np.ndarray  # cos(u_i, v_{pi(i)})
    mismatch: float  # max_i (1 - |cos_i|) (signed) or max_i (1 - cos_i) (unsigned)

    def matrix(self) -> np.ndarray:
        r"""The signed scaled permutation with :math:`\rho_{i,\pi(i)}=s_ic_i`."""
        return scaled_permutation_matrix(self.pi, self.signs * self.scales)


def match_rows(U: np.ndarray, V: np.ndarray, signed: bool = True) -> Match:
    r"""Match the rows of U to those of V by cosine (``linear_sum_assignment``).

    Signed: minimise :math:`-\sum_i|\cos(u_i,v_{\pi(i)})|` (sign read off the cosine);
    unsigned: minimise :math:`-\sum_i\cos(u_i,v_{\pi(i)})` (ReLU-compatible matches only).
    Scales :math:`c_i=\|u_i\|/\|v_{\pi(i)}\|`."""
    nu, nv = np.linalg.norm(U, axis=1), np.linalg.norm(V, axis=1)
    if U.shape != V.shape or np.any(nu == 0) or np.any(nv == 0):
        raise ValueError("match_rows needs two equally shaped arrays of nonzero rows")
    C = (U / nu[:, None]) @ (V / nv[:, None]).T
    rows, pi = linear_sum_assignment(-np.abs(C) if signed else -C)
    cos = C[rows, pi]
    signs = np.where(cos < 0, -1.0, 1.0)
    mismatch = float(np.max(1 - (np.abs(cos) if signed else cos)))
    return Match(pi, signs, nu / nv[pi], cos, mismatch)


@dataclass
class SignedRep:
    r"""What the two-layer analyser read off for one group element g.

    ``match`` is False ("no correspondence") when :math:`\max_i(1-|\cos|)>` ``tol``; then the
    residuals are NaN.  Residuals (max abs):
    (i) :math:`w_i^\top\rho_0(g)-s_ic_iw_{\pi(i)}^\top`, (ii) :math:`c_ia_i-\rho_2(g)a_{\pi(i)}`,
    (iii) :math:`\sum_{j\in J_g}a_jw_j^\top`, :math:`J_g=\pi\{i:s_i=-1\}` (rows with biases).
    """

    match: bool
    mismatch: float
    pi: np.ndarray
    signs: np.ndarray
    scales: np.ndarray
    res_rows: float = np.nan
    res_out: float = np.nan
    res_subset: float = np.nan
    extra: dict = field(default_factory=dict)

    @property
    def residual(self) -> float:
        """max of (i)–(iii) (NaN without a match)."""
        return max(self.res_rows, self.res_out, self.res_subset) if self.match else np.nan

    @property
    def negative(self) -> int:
        return int(np.sum(self.signs < 0))

    def rho1(self) -> np.ndarray:
        r""":math:`(\rho_1)_{i,\pi(i)}=s_ic_i` (a ReLU-compatible ρ₁ iff all signs are +1)."""
        return scaled_permutation_matrix(self.pi, self.signs * self.scales)


def analyse_two_layer(W1, b1, W2, rho0, rho2, tol: float = MATCH_TOL) -> SignedRep:
    r"""Read the signed representation of one g off :math:`f=W_2\sigma(W_1x+b_1)+b_2`.

    LSA on :math:`-|\cos|` between the rows of :math:`[W_1\rho_0(g)\,|\,b_1]` and those of
    :math:`[W_1\,|\,b_1]`; signs from the cosines, scales from the norm ratios; then the
    residuals (i)–(iii) of :class:`SignedRep` (experiment ``bk-two-layer``).
    """
    U, V = _augment(W1 @ rho0, b1), _augment(W1, b1)
    m = match_rows(U, V, signed=True)
    if m.mismatch > tol:
        return SignedRep(False, m.mismatch, m.pi, m.signs, m.scales)
    sc = m.signs * m.scales
    res_rows = max_abs(U - sc[:, None] * V[m.pi])
    res_out = max_abs(W2 * m.scales[None, :] - np.atleast_2d(rho2) @ W2[:, m.pi])
    J = m.pi[m.signs < 0]
    res_subset = max_abs(W2[:, J] @ V[J]) if J.size else 0.0
    return SignedRep(True, m.mismatch, m.pi, m.signs, m.scales, res_rows, res_out, res_subset)


def two_layer_verdict(rep: SignedRep, tol: float = 1e-10) -> str:
    """``"layerwise"`` (all signs +1), ``"signed"`` (equivariant, not layerwise), or
    ``"not equivariant"`` (no correspondence, or a residual of (i)–(iii) above ``tol``)."""
    if not rep.match or not rep.residual <= tol:
        return "not equivariant"
    return "layerwise" if rep.negative == 0 else "signed"


# -- parameter symmetries ----------------------------------------------------------------------
def scramble(layers: Layers, rng: np.random.Generator, low: float = 0.3, high: float = 3.0,
             negative: tuple[int, int] | None = None) -> tuple[Layers, list[np.ndarray]]:
    r"""Apply a random element of :math:`\prod_jK_j`: per hidden layer j,
    :math:`(W_j,b_j,W_{j+1})\mapsto(M_jW_j,M_jb_j,W_{j+1}M_j^{-1})`, :math:`M_j=PD`, P a random
    permutation, :math:`D=\mathrm{diag}(d)`, :math:`d_i\sim U[\mathrm{low},\mathrm{high}]`.
    f is unchanged.  ``negative=(j, unit)`` negates one scale of hidden layer j (a planted
    error: f then changes).  Returns the new layers and the matrices :math:`M_j`."""
    out = [(W.copy(), b.copy()) for W, b in layers]
    Ms = []
    for j in range(len(layers) - 1):
        n = out[j][0].shape[0]
        d = rng.uniform(low, high, n)
        if negative is not None and negative[0] == j:
            d[negative[1]] *= -1.0
        Pm = perm_matrix(rng.permutation(n))
        M, Minv = Pm @ np.diag(d), np.diag(1.0 / d) @ Pm.T
        W, b = out[j]
        out[j] = (M @ W, M @ b)
        W2, b2 = out[j + 1]
        out[j + 1] = (W2 @ Minv, b2)
        Ms.append(M)
    return out, Ms


# -- layer-by-layer recovery (deep nets) -------------------------------------------------------
@dataclass
class Recovery:
    r"""Hidden representations of one g recovered layer by layer: ``reps[j]`` is
    :math:`\rho_{j+1}(g)`; ``residuals[j]`` is :math:`\max|W_j\rho_{j-1}-\rho_jW_j|` together
    with :math:`\max|\rho_jb_j-b_j|` (the last entry: the output layer against the given
    :math:`\rho_L(g)`); ``mismatch[j]`` the match quality :math:`\max(1-|\cos|)`."""

    reps: list[np.ndarray]
    residuals: list[float]
    mismatch: list[float]
    negative: list[int]


def recover_reps(layers: Layers, rho0: np.ndarray, rhoL: np.ndarray) -> Recovery:
    r"""Recover :math:`\rho_1(g),\dots,\rho_{L-1}(g)`: match :math:`[W_j\rho_{j-1}(g)\,|\,b_j]`
    to :math:`[W_j\,|\,b_j]` by :math:`-|\cos|` (signs kept, scales from the row norms), then
    use :math:`\rho_j(g)` for the next layer."""
    prev = rho0
    reps, res, mism, neg = [], [], [], []
    for W, b in layers[:-1]:
        m = match_rows(_augment(W @ prev, b), _augment(W, b), signed=True)
        R = m.matrix()
        reps.append(R)
        res.append(max(max_abs(W @ prev - R @ W), max_abs(R @ b - b)))
        mism.append(m.mismatch)
        neg.append(int(np.sum(m.signs < 0)))
        prev = R
    W, b = layers[-1]
    rhoL = np.atleast_2d(rhoL)
    res.append(max(max_abs(W @ prev - rhoL @ W), max_abs(rhoL @ b - b)))
    return Recovery(reps, res, mism, neg)


def regular_cyclic(m: int, copies: int, k: int = 1) -> np.ndarray:
    r""":math:`I_{\rm copies}\otimes S^k`, S the cyclic shift of :math:`\mathbb Z_m`: the regular
    representation of :math:`r^k\in C_m`, ``copies`` times."""
    return np.kron(np.eye(copies), perm_matrix((np.arange(m) + k) % m))


def deep_regular_net(rng: np.random.Generator, image: int, widths: tuple[int, ...],
                     out: int = 2) -> tuple[Layers, list[np.ndarray], list[list[np.ndarray]]]:
    r"""A random layerwise-:math:`C_4`-equivariant ReLU MLP on image × image inputs with hidden
    layers of regular representations (widths multiples of 4) and an invariant output.

    Weights are :math:`W_j=\frac12\sum_k\rho_j(r^k)^{-1}W\rho_{j-1}(r^k)` (twice the Reynolds
    average, which keeps activations O(1)) of Gaussian W (entries :math:`N(0,2/\mathrm{fan_{in}})`);
    biases are Reynolds averages of :math:`N(0,0.01)` vectors.  Returns the layers,
    :math:`\rho_0(r^k)` for k = 0..3, and the hidden :math:`\rho_j(r^k)` per layer."""
    R = rot90_matrix(image)
    rho0 = [np.linalg.matrix_power(R, k) for k in range(4)]
    hidden = [[regular_cyclic(4, w // 4, k) for k in range(4)] for w in widths]
    ins = [rho0] + hidden
    outs = hidden + [[np.eye(out)] * 4]
    layers = []
    for rin, rout in zip(ins, outs):
        n_out, n_in = rout[0].shape[0], rin[0].shape[0]
        W = rng.normal(size=(n_out, n_in)) * np.sqrt(2.0 / n_in)
        b = rng.normal(size=n_out) * 0.1
        # the average of 4 transformed copies has ~1/2 the norm: rescale by 2 (He-like scale)
        Wa = sum(ro.T @ W @ ri for ri, ro in zip(rin, rout)) / 2
        ba = sum(ro.T @ b for ro in rout) / 4
        layers.append((Wa, ba))
    return layers, rho0, hidden


# -- diagonal conjugation of scaled permutation representations --------------------------------
def _perm_and_scales(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pi = np.argmax(np.abs(M), axis=1)
    return pi, M[np.arange(M.shape[0]), pi]


def cycle_conjugator(M: np.ndarray) -> tuple[np.ndarray, float]:
    r"""A positive t with :math:`\mathrm{diag}(t)\,M\,\mathrm{diag}(t)^{-1}` a permutation, for
    a scaled permutation :math:`M_{i,\pi(i)}=c_i` generating a cyclic group.

    Along each cycle of π: :math:`\log t_{\pi(i)}=\log t_i+\log c_i` from :math:`t=1` at the
    cycle's start; this closes iff :math:`\prod_{\rm cycle}c_i=1` (the log-scales are a
    cocycle).  Returns t and :math:`\max_{\rm cycles}|\sum_{\rm cycle}\log c_i|`."""
    pi, c = _perm_and_scales(M)
    logt = np.full(pi.size, np.nan)
    worst = 0.0
    for start in range(pi.size):
        if not np.isnan(logt[start]):
            continue
        logt[start], i, total = 0.0, start, 0.0
        while True:
            total += np.log(c[i])
            j = pi[i]
            if j == start:
                break
            logt[j] = logt[i] + np.log(c[i])
            i = j
        worst = max(worst, abs(total))
    return np.exp(logt), worst


def fixed_vector_conjugator(mats: list[np.ndarray]) -> np.ndarray:
    r"""The general finite-group version: :math:`v=\sum_g\rho(g)\mathbf 1>0` is fixed by every
    :math:`\rho(g)`, so :math:`t=1/v` makes every :math:`\mathrm{diag}(t)\rho(g)\mathrm{diag}(t)
    ^{-1}` a permutation (``mats`` must list the whole group)."""
    v = sum(M @ np.ones(M.shape[0]) for M in mats)
    return 1.0 / v


def perm_residual(M: np.ndarray) -> tuple[float, bool]:
    r""":math:`\max|M-\mathrm{round}(M)|` and whether round(M) is a permutation matrix."""
    Rm = np.round(M)
    is_perm = bool(np.all((Rm == 0) | (Rm == 1)) and np.all(Rm.sum(0) == 1)
                   and np.all(Rm.sum(1) == 1))
    return max_abs(M - Rm), is_perm


# -- symmetrisation ----------------------------------------------------------------------------
def _mult_table(mats: list[np.ndarray]) -> np.ndarray:
    """T[g, h] = index of ρ(g)ρ(h) in ``mats`` (ρ faithful on the listed elements)."""
    m = len(mats)
    T = np.empty((m, m), dtype=int)
    for g in range(m):
        for h in range(m):
            prod = mats[g] @ mats[h]
            T[g, h] = int(np.argmin([max_abs(prod - M) for M in mats]))
    return T


def symmetrise(layers: Layers, rho0: list[np.ndarray], rhoL: list[np.ndarray],
               weight: float | None = None) -> tuple[Layers, list[list[np.ndarray]]]:
    r"""The width-|G| layerwise-equivariant net computing
    :math:`\Phi f=\frac1{|G|}\sum_g\rho_L(g)^{-1}f(\rho_0(g)\,\cdot)`.

    :math:`W_1'=[W_1\rho_0(g)]_g` stacked, :math:`b_1'=[b_1]_g`; middle layers block-diagonal;
    :math:`W_L'=w\,[\rho_L(g)^{-1}W_L]_g`, :math:`b_L'=w\sum_g\rho_L(g)^{-1}b_L` with
    :math:`w=1/|G|` (``weight`` overrides it, a planted error).  Hidden representations:
    :math:`\rho_j(h)=Q_h\otimes I_{c_j}`, :math:`(Q_h)_{g,gh}=1`.  Returns the layers and
    ``reps[j][h]`` for every hidden layer."""
    if len(layers) < 2:
        raise ValueError("symmetrise needs at least one hidden layer")
    m = len(rho0)
    w = 1.0 / m if weight is None else weight
    T = _mult_table(rho0)
    inv = [np.linalg.inv(np.atleast_2d(r)) for r in rhoL]
    new: Layers = []
    W1, b1 = layers[0]
    new.append((np.vstack([W1 @ r for r in rho0]), np.tile(b1, m)))
    for W, b in layers[1:-1]:
        new.append((block_diag(*([W] * m)), np.tile(b, m)))
    WL, bL = layers[-1]
    new.append((w * np.hstack([iv @ WL for iv in inv]), w * sum(iv @ bL for iv in inv)))
    Q = [perm_matrix(T[:, h]) for h in range(m)]  # (Q_h)_{g, gh} = 1
    reps = [[np.kron(Qh, np.eye(W.shape[0])) for Qh in Q] for W, _ in layers[:-1]]
    return new, reps


# -- constructions -----------------------------------------------------------------------------
#: Counterexample C1 (ρ₀ = −I on R²) and C2 (ρ₀ = swap), out-weights (1, 1, 1).
C1_ROWS = ((2, 0), (-1, 1), (-1, -1))
C2_ROWS = ((1, -1), (0, 1), (-1, 0))


def c3_rows(P: np.ndarray, v: np.ndarray) -> np.ndarray:
    r"""Counterexample C3 for an involutive permutation P: rows :math:`Pv-v,\ v,\ -Pv` (they sum
    to 0 and P maps them to minus each other: π = (1)(2 3), s = (−, −, −))."""
    Pv = P @ v
    return np.vstack([Pv - v, v, -Pv])


def width6_realisation(W1: np.ndarray, W2: np.ndarray) -> Layers:
    r"""For rows :math:`z_k=w_k^\top x` with :math:`\sum_kz_k=0` and equal out-weights a:
    :math:`f=a\sum\sigma(z_k)=\frac a2\sum|z_k|`, realised by the units
    :math:`\sigma(\pm z_k)` with out-weights a/2 (width 2·3; ρ₁ permutes the ± pairs)."""
    W = np.vstack([r for row in W1 for r in (row, -row)])
    a = np.repeat(np.atleast_2d(W2), 2, axis=1) / 2
    return [(W, np.zeros(W.shape[0])), (a, np.zeros(a.shape[0]))]


def layerwise_pair_net(P: np.ndarray, pairs: int, rng: np.random.Generator,
                       rho2: np.ndarray | None = None, bias: bool = True) -> Layers:
    r"""A random layerwise-equivariant two-layer net for an involution P: rows
    :math:`(u_k,Pu_k)` with equal biases, out-weights :math:`(\alpha_k,\rho_2\alpha_k)`,
    :math:`\rho_2b_2=b_2`; :math:`\rho_1` swaps each pair.  ``rho2`` defaults to the trivial
    representation on R (invariant output)."""
    d = P.shape[0]
    rho2 = np.eye(1) if rho2 is None else rho2
    k = rho2.shape[0]
    U = rng.normal(size=(pairs, d)) / np.sqrt(d)
    W1 = np.vstack([r for u in U for r in (u, P @ u)])
    beta = rng.normal(size=pairs) * 0.3 if bias else np.zeros(pairs)
    b1 = np.repeat(beta, 2)
    alpha = rng.normal(size=(k, pairs))
    W2 = np.hstack([np.column_stack([a, rho2 @ a]) for a in alpha.T])
    b2 = rng.normal(size=k)
    b2 = (b2 + rho2 @ b2) / 2 if bias else np.zeros(k)
    return [(W1, b1), (W2, b2)]


@dataclass
class Construction:
    """A two-layer net with known truth for one involution g: ``truth`` is ``"layerwise"`` or
    ``"signed"``; ``kind`` names the signed mechanism (``"c3"``, ``"nullspace"``, ``"-"``)."""

    layers: Layers
    rho0: np.ndarray
    rho2: np.ndarray
    truth: str
    kind: str


def _sym_anti(rho2: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """A random vector fixed by the involution ρ₂ and one negated by it (0 if none)."""
    v = rng.normal(size=rho2.shape[0])
    return (v + rho2 @ v) / 2, (v - rho2 @ v) / 2


def random_construction(rng: np.random.Generator, P: np.ndarray, signed: bool,
                        equivariant_output: bool = False) -> Construction:
    r"""A scrambled two-layer net, equivariant for the involution P, with known truth.

    Unsigned part (always): 2–6 layerwise pairs :math:`(u,Pu)` and 0–2 P-fixed rows
    :math:`u+Pu`.  Signed part (``signed``): either 1–2 C3 blocks :math:`(Pv-v,0),(v,\beta),
    (-Pv,-\beta)` with one ρ₂-fixed out-weight, or m = 3–5 signed pairs
    :math:`(\tilde u_k,-\tilde\rho_0\tilde u_k)` with the augmented rows :math:`\tilde u_k=(u_k,
    \gamma_k)` in an (m − 1)-dimensional random subspace, so that out-weights
    :math:`a_{2k}=\beta_ke_++\beta'_ke_-`, :math:`a_{2k+1}=\rho_2a_{2k}` with
    :math:`\beta,\beta'` in the null space make (iii) hold (a linear dependency among the
    flipped rows).  Output: invariant (R¹) or equivariant (R², ρ₂ = swap)."""
    d = P.shape[0]
    rho2 = np.array([[0.0, 1.0], [1.0, 0.0]]) if equivariant_output else np.eye(1)
    k = rho2.shape[0]
    pairs = int(rng.integers(2, 7))
    net = layerwise_pair_net(P, pairs, rng, rho2)
    rows, b1, cols = [net[0][0]], [net[0][1]], [net[1][0]]
    b2 = net[1][1]
    for _ in range(int(rng.integers(0, 3))):  # P-fixed units, rho2-fixed out-weights
        u = rng.normal(size=d) / np.sqrt(d)
        rows.append((u + P @ u)[None, :])
        b1.append(rng.normal(size=1) * 0.3)
        cols.append(_sym_anti(rho2, rng)[0][:, None])
    kind = "-"
    if signed:
        if rng.random() < 0.5:
            kind = "c3"
            for _ in range(int(rng.integers(1, 3))):
                v = rng.normal(size=d) / np.sqrt(d)
                beta = rng.normal() * 0.3
                rows.append(c3_rows(P, v))
                b1.append(np.array([0.0, beta, -beta]))
                alpha = _sym_anti(rho2, rng)[0]
                cols.append(np.column_stack([alpha] * 3))
        else:
            kind = "nullspace"
            m = int(rng.integers(3, 6))
            basis = rng.normal(size=(d + 1, m - 1)) / np.sqrt(d)
            Z = rng.normal(size=(m - 1, m))
            Ut = (basis @ Z).T  # m augmented rows (u_k, gamma_k), linearly dependent
            N = null_space(Z)  # m x (>= 1)
            beta = N @ rng.normal(size=N.shape[1])
            beta2 = N @ rng.normal(size=N.shape[1])
            e_plus, e_minus = _sym_anti(rho2, rng)
            for kk in range(m):
                u, g = Ut[kk, :d], Ut[kk, d]
                rows.append(np.vstack([u, -(P @ u)]))
                b1.append(np.array([g, -g]))
                a = beta[kk] * e_plus + beta2[kk] * e_minus
                cols.append(np.column_stack([a, rho2 @ a]))
    W1, b1v, W2 = np.vstack(rows), np.concatenate(b1), np.hstack(cols).reshape(k, -1)
    layers, _ = scramble([(W1, b1v), (W2, b2)], rng)
    return Construction(layers, P, rho2, "signed" if signed else "layerwise", kind)


def tanh_signed_net(P: np.ndarray, pairs: int, rng: np.random.Generator
                    ) -> tuple[Layers, np.ndarray]:
    r"""A tanh net with a *signed* hidden representation that is layerwise invariant:
    rows :math:`(u_k,\gamma_k),(-Pu_k,-\gamma_k)`, out-weights :math:`(\alpha_k,-\alpha_k)`,
    :math:`\rho_1` the signed pair swap (tanh is odd, so it commutes with :math:`\rho_1`).
    Returns the layers and :math:`\rho_1`."""
    d = P.shape[0]
    U = rng.normal(size=(pairs, d)) / np.sqrt(d)
    g = rng.normal(size=pairs) * 0.3
    W1 = np.vstack([r for u in U for r in (u, -(P @ u))])
    b1 = np.concatenate([[x, -x] for x in g])
    al = rng.normal(size=pairs)
    W2 = np.concatenate([[x, -x] for x in al])[None, :]
    rho1 = np.kron(np.eye(pairs), -np.array([[0.0, 1.0], [1.0, 0.0]]))
    return [(W1, b1), (W2, rng.normal(size=1))], rho1
