r"""Aligning and merging ReLU networks (Bökman & Kahl 2024; Entezari et al. 2022 for merging).

* the flip map :math:`F` (MLP: :math:`W_1\mapsto W_1P`; CNN: every kernel flipped along its width
  axis and the head re-indexed spatially), with :math:`f_{F\theta}(x)=f_\theta(Px)`;
* permutations :math:`\Pi_l` of hidden units, which never change :math:`f_\theta`;
* activation matching (standardised correlation + LSA) and weight matching
  (:math:`\max\operatorname{tr}(\Pi^\top C_l)`), sequential over layers;
* the involution-constrained matcher (:func:`involution_match`);
* interpolation :math:`\theta_\alpha=(1-\alpha)\theta_A+\alpha\theta_B`, loss and error barriers
  over :math:`\alpha\in\{0,.1,\dots,1\}`, and REPAIR.

A permutation is an index array ``p``: unit i of the permuted net is unit ``p[i]`` of the
original (``p`` = the LSA column of row i).  It is an involution iff ``p[p] == arange``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sps
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, milp

from .nets import Net, evaluate, preactivations, predict

__all__ = ["ALPHAS", "activation_match", "alignment_errors", "barrier", "correlation",
           "features", "flip_net", "interpolate", "invariance_error", "involution_fraction",
           "involution_match", "lsa_match", "permute", "permute_preactivations", "repair",
           "weight_errors", "weight_match"]

#: The interpolation grid of the barriers.
ALPHAS = np.round(np.linspace(0.0, 1.0, 11), 10)


# -- the flip map and permutations ---------------------------------------------------------------
def _spatial_in(net: Net, l: int) -> int:
    """Spatial positions per input channel of layer l (conv: 9 taps; head: h·w; dense: 1)."""
    if net.layers[l] == "conv":
        return 9
    if l > 0 and net.layers[l - 1] == "conv":
        return net.W(l).shape[1] // net.b(l - 1).size
    return 1


def _rows(net: Net, l: int) -> np.ndarray:
    """Layer l's weights as (c_out, c_in, r): output unit, input unit, spatial tap."""
    W = net.W(l)
    if net.layers[l] == "conv":  # (3, 3, Cin, Cout) -> (Cout, Cin, 9)
        return W.transpose(3, 2, 0, 1).reshape(W.shape[3], W.shape[2], 9)
    r = _spatial_in(net, l)
    if r == 1:
        return W[:, :, None]
    c = W.shape[1] // r  # head after conv: (K, h*w*C) read as (K, h, w, C) -> (K, C, h*w)
    return W.reshape(W.shape[0], r, c).transpose(0, 2, 1)


def _from_rows(net: Net, l: int, R: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_rows`."""
    W = net.W(l)
    if net.layers[l] == "conv":
        return R.reshape(W.shape[3], W.shape[2], 3, 3).transpose(2, 3, 1, 0).copy()
    if R.shape[2] == 1:
        return R[:, :, 0].copy()
    return R.transpose(0, 2, 1).reshape(W.shape).copy()


def flip_net(net: Net, flip: np.ndarray | None = None, reindex_head: bool = True) -> Net:
    """:math:`F(\\theta)`, so that :math:`f_{F\\theta}(x)=f_\\theta(Px)`.

    MLP: :math:`W_1\\mapsto W_1P` (``flip`` is the input pixel permutation).  CNN: NHWC kernels
    :math:`(3,3,C_{in},C_{out})` flipped along axis 1 (width); the head's input, read as
    (h, w, C), flipped along w.  ``reindex_head=False`` omits the latter (a planted error)."""
    params = [p.copy() for p in net.params]
    if net.image is None:
        if flip is None:
            raise ValueError("flipping an MLP needs the input pixel permutation")
        params[0] = params[0][:, flip]
        return net.replace(params)
    for l, kind in enumerate(net.layers):
        if kind == "conv":
            params[2 * l] = params[2 * l][:, ::-1].copy()
        elif l > 0 and net.layers[l - 1] == "conv" and reindex_head:
            W = params[2 * l]
            side = round(np.sqrt(_spatial_in(net, l)))
            C = net.b(l - 1).size
            params[2 * l] = W.reshape(W.shape[0], side, side, C)[:, :, ::-1].reshape(W.shape)
    return net.replace(params)


def permute(net: Net, perms) -> Net:
    """:math:`(W_l,b_l,W_{l+1})\\mapsto(\\Pi_lW_l,\\Pi_lb_l,W_{l+1}\\Pi_l^\\top)` for every hidden
    layer l; ``perms[l]`` as in the module docstring.  The function is unchanged."""
    params = [p.copy() for p in net.params]
    out = net.replace(params)
    for l, p in enumerate(perms):
        p = np.asarray(p)
        params[2 * l] = _from_rows(out, l, _rows(out, l)[p])
        params[2 * l + 1] = params[2 * l + 1][p]
        out = net.replace(params)
        params[2 * l + 2] = _from_rows(out, l + 1, _rows(out, l + 1)[:, p])
        out = net.replace(params)
    return out


def interpolate(A: Net, B: Net, alpha: float) -> Net:
    """:math:`\\theta_\\alpha=(1-\\alpha)\\theta_A+\\alpha\\theta_B`."""
    return A.replace([(1 - alpha) * a + alpha * b for a, b in zip(A.params, B.params)])


# -- matchers ------------------------------------------------------------------------------------
def lsa_match(C: np.ndarray) -> np.ndarray:
    """:math:`\\arg\\max_\\pi\\sum_iC_{i\\pi(i)}` by ``linear_sum_assignment``."""
    return linear_sum_assignment(C, maximize=True)[1]


def _cycles(p: np.ndarray) -> list[list[int]]:
    seen, out = np.zeros(len(p), bool), []
    for s in range(len(p)):
        if not seen[s]:
            cyc, i = [], s
            while not seen[i]:
                seen[i] = True
                cyc.append(i)
                i = int(p[i])
            out.append(cyc)
    return out


def _milp_involution(S: np.ndarray) -> np.ndarray:
    """Exact max-weight matching with self-loops as a 0/1 program (HiGHS)."""
    n = len(S)
    iu, ju = np.triu_indices(n)
    w = np.where(iu == ju, S[iu, ju], 2 * S[iu, ju])
    off = iu != ju
    m = len(iu)
    rows = np.concatenate([iu, ju[off]])
    cols = np.concatenate([np.arange(m), np.arange(m)[off]])
    A = sps.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, m))
    res = milp(-w, constraints=LinearConstraint(A, 1, 1), integrality=np.ones(m),
               bounds=Bounds(0, 1))
    if res.x is None:  # pragma: no cover - the problem is always feasible (all fixed points)
        raise RuntimeError(f"involution matching failed: {res.message}")
    p = np.arange(n)
    for k in np.flatnonzero(res.x > 0.5):
        p[iu[k]], p[ju[k]] = ju[k], iu[k]
    return p


def involution_match(C: np.ndarray, info: dict | None = None) -> np.ndarray:
    """:math:`\\arg\\max_{\\pi^2=\\mathrm{id}}\\sum_iC_{i\\pi(i)}`, exactly.

    For an involution the objective is :math:`\\sum_{\\rm fixed}S_{ii}+\\sum_{\\rm pairs}2S_{ij}`
    with :math:`S=\\frac12(C+C^\\top)`: a maximum-weight matching with self-loops.  Method: the
    LSA optimum σ of S bounds it from above (involutions are permutations).  Split σ into
    cycles; a 2-cycle is a pair; an even cycle of S-weight :math:`M_1+M_2` (its two alternating
    perfect matchings) is replaced by the better one, worth :math:`2\\max(M_1,M_2)\\ge M_1+M_2`,
    so nothing is lost; an odd cycle is repaired locally (best fixed point, the rest paired along
    the cycle).  If the result reaches the LSA bound (to 1e-12 relative) it is optimal; otherwise
    (odd cycles that do not repair for free) the exact 0/1 program is solved with HiGHS.
    ``info`` receives ``upper``, ``value`` and ``path`` (lsa, cycles or milp)."""
    S = 0.5 * (C + C.T)
    sigma = lsa_match(S)
    upper = float(S[np.arange(len(S)), sigma].sum())
    p, path = np.arange(len(S)), "lsa"
    for cyc in _cycles(sigma):
        m = len(cyc)
        if m == 1:
            continue
        if m == 2:
            p[cyc[0]], p[cyc[1]] = cyc[1], cyc[0]
            continue
        path = "cycles"
        if m % 2 == 0:
            pairs = [[(cyc[t], cyc[(t + 1) % m]) for t in range(s, m, 2)] for s in (0, 1)]
            best = max(pairs, key=lambda ps: sum(S[i, j] for i, j in ps))
        else:
            options = []
            for k in range(m):
                rest = [cyc[(k + 1 + t) % m] for t in range(m - 1)]
                ps = list(zip(rest[0::2], rest[1::2]))
                options.append((S[cyc[k], cyc[k]] + 2 * sum(S[i, j] for i, j in ps), ps))
            best = max(options, key=lambda o: o[0])[1]
        for i, j in best:
            p[i], p[j] = j, i
    value = float(S[np.arange(len(S)), p].sum())
    if value < upper - 1e-12 * max(1.0, abs(upper)):
        p, path = _milp_involution(S), "milp"
        value = float(S[np.arange(len(S)), p].sum())
    if info is not None:
        info.update(upper=upper, value=value, path=path)
    return p


def involution_fraction(p: np.ndarray) -> float:
    """Fraction of units i with :math:`\\pi(\\pi(i))=i`."""
    p = np.asarray(p)
    return float(np.mean(p[p] == np.arange(len(p))))


def _matcher(involution: bool):
    return involution_match if involution else lsa_match


def correlation(HA: np.ndarray, HB: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    """:math:`\\mathrm{corr}=\\mathrm{cov}(h^A,h^B)/(\\mathrm{std}_A\\mathrm{std}_B^\\top+10^{-4})`
    over the rows (samples, or sample × position for conv maps)."""
    A = HA - HA.mean(axis=0)
    B = HB - HB.mean(axis=0)
    cov = A.T @ B / len(A)
    return cov / (np.outer(np.sqrt(np.mean(A * A, axis=0)), np.sqrt(np.mean(B * B, axis=0)))
                  + eps)


def features(net: Net, X: np.ndarray | None = None, z: list | None = None) -> list[np.ndarray]:
    """Post-ReLU hidden activations :math:`h_l=\\sigma(z_l)` as (samples[·positions], units),
    from X or from precomputed pre-activations ``z``."""
    z = preactivations(net, X) if z is None else z
    return [np.maximum(a, 0.0).reshape(-1, a.shape[-1]) for a in z]


def permute_preactivations(z: list[np.ndarray], perms) -> list[np.ndarray]:
    """Pre-activations of ``permute(net, perms)`` from those of net:
    :math:`z_l[\\dots,\\pi_l]`."""
    return [a[..., np.asarray(p)] for a, p in zip(z, perms)]


def activation_match(A: Net, B: Net, X: np.ndarray | None = None, involution: bool = False,
                     zA: list | None = None, zB: list | None = None):
    """Sequential activation matching on the data X: per hidden layer,
    :math:`\\Pi_l=\\mathrm{LSA}(\\mathrm{corr}(h_l^A,h_l^B))` (max), CNN maps as (NHW)×C.
    Permuting layer l of B before layer l+1 leaves :math:`h_{l+1}^B` unchanged, so every layer
    can be matched on B's own features.  ``zA``, ``zB``: pre-activations on X if already
    computed.  Returns (perms, costs)."""
    match = _matcher(involution)
    costs = [correlation(a, b) for a, b in zip(features(A, X, zA), features(B, X, zB))]
    return [match(C) for C in costs], costs


def weight_match(A: Net, B: Net, involution: bool = False):
    """Sequential weight matching: :math:`\\Pi_l=\\arg\\max\\operatorname{tr}(\\Pi^\\top C_l)`,
    :math:`C_l=W_l^A\\Pi_{l-1}(W_l^B)^\\top+b_l^A(b_l^B)^\\top` (kernels and head taps summed
    over their spatial positions).  Returns (perms, costs)."""
    match = _matcher(involution)
    perms, costs, prev = [], [], None
    for l in range(A.depth - 1):
        RA, RB = _rows(A, l), _rows(B, l)
        if prev is not None:
            RB = RB[:, prev]
        C = np.einsum("ikr,jkr->ij", RA, RB) + np.outer(A.b(l), B.b(l))
        prev = match(C)
        perms.append(prev)
        costs.append(C)
    return perms, costs


# -- barriers, REPAIR, diagnostics -------------------------------------------------------------
def barrier(A: Net, B: Net, X: np.ndarray, y: np.ndarray, alphas=ALPHAS, ends=None) -> dict:
    """Loss and error along :math:`\\theta_\\alpha` and the barriers
    :math:`B=\\max_\\alpha[\\mathcal L(\\theta_\\alpha)-(1-\\alpha)\\mathcal L(\\theta_A)
    -\\alpha\\mathcal L(\\theta_B)]`.

    ``alphas`` must start at 0 and end at 1; ``ends`` = ((loss, err) of A, of B) if known."""
    alphas = np.asarray(alphas, dtype=float)
    if alphas[0] != 0 or alphas[-1] != 1:
        raise ValueError("the interpolation grid must start at 0 and end at 1")
    inner = [evaluate(interpolate(A, B, a), X, y) for a in alphas[1:-1]]
    ends = ends or (evaluate(A, X, y), evaluate(B, X, y))
    ev = np.array([ends[0], *inner, ends[1]])
    out = {"alpha": alphas, "loss": ev[:, 0], "err": ev[:, 1]}
    for k in ("loss", "err"):
        c = out[k]
        out[f"{k}_barrier"] = float(np.max(c - ((1 - alphas) * c[0] + alphas * c[-1])))
    return out


def repair(A: Net, B: Net, alpha: float, X: np.ndarray, zA: list | None = None,
           zB: list | None = None, eps: float = 1e-8) -> Net:
    """REPAIR (Jordan et al., ICLR 2023) of :math:`\\theta_\\alpha`: layer by layer, every hidden
    pre-activation is rescaled, :math:`z\\mapsto\\frac{s^*}{s}(z-\\mu)+\\mu^*`, with
    :math:`\\mu^*=(1-\\alpha)\\mu_A+\\alpha\\mu_B`, :math:`s^*=(1-\\alpha)s_A+\\alpha s_B` (per unit
    or channel, on X), folded into :math:`W_l,b_l`; :math:`s=\\sqrt{\\mathrm{var}+10^{-8}}`.
    ``zA``, ``zB``: the endpoints' pre-activations on X if already computed."""
    zA = preactivations(A, X) if zA is None else zA
    zB = preactivations(B, X) if zB is None else zB
    net = interpolate(A, B, alpha)
    for l in range(A.depth - 1):
        # layer 1 of θ_α sees the same input as the endpoints: z_1 is the interpolation
        z = (1 - alpha) * zA[0] + alpha * zB[0] if l == 0 else preactivations(net, X)[l]
        ax = tuple(range(z.ndim - 1))
        mu_t = (1 - alpha) * zA[l].mean(axis=ax) + alpha * zB[l].mean(axis=ax)
        s_t = (1 - alpha) * zA[l].std(axis=ax) + alpha * zB[l].std(axis=ax)
        mu, s = z.mean(axis=ax), np.sqrt(z.var(axis=ax) + eps)
        k = s_t / s
        params = list(net.params)
        params[2 * l] = net.W(l) * (k if net.layers[l] == "conv" else k[:, None])
        params[2 * l + 1] = k * (net.b(l) - mu) + mu_t
        net = net.replace(params)
    return net


def invariance_error(net: Net, X: np.ndarray, flip: np.ndarray) -> float:
    """:math:`\\|f(PX)-f(X)\\|_F/\\|f(X)\\|_F` on the logits."""
    f, fp = predict(net, X), predict(net, X[:, flip])
    return float(np.linalg.norm(fp - f) / np.linalg.norm(f))


def alignment_errors(A: Net, B: Net, X: np.ndarray | None = None, zA: list | None = None,
                     zB: list | None = None) -> list[float]:
    """:math:`a_l=\\|h_l^A-h_l^B\\|/\\|h_l^A\\|` per hidden layer (B already aligned to A)."""
    return [float(np.linalg.norm(a - b) / np.linalg.norm(a))
            for a, b in zip(features(A, X, zA), features(B, X, zB))]


def weight_errors(A: Net, B: Net) -> list[float]:
    """:math:`\\|W_l^A-W_l^B\\|/\\|W_l^A\\|` per layer (for B = ΠFA: the weight-space error)."""
    return [float(np.linalg.norm(A.W(l) - B.W(l)) / np.linalg.norm(A.W(l)))
            for l in range(A.depth)]
