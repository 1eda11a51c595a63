r"""How a group acts on a user's arrays: representations on the trailing axes of a sample.

A spec is a tensor product of factors joined by ``*``, matched to the trailing axes of one
sample (the batch axis excluded), the first factor on the earliest of them; leading axes are
left alone (channels, points).  Factors:

* a named representation of the group (``perm``, ``rot``, ``sign``, ``std``; ``natural`` is
  the group's first one): the matrix :math:`\rho(g)` on one axis, :math:`x\mapsto x\rho(g)^\top`;
* ``image``: :math:`C_4`, :math:`D_4` (any group whose ``rot`` representation maps the square
  pixel grid to itself) on two axes H×W, :math:`(g\cdot x)(p)=x(R_g^{-1}p)` for centred pixel
  coordinates p, i.e. rotations by 90° and flips;
* ``id``: one axis the group does not act on;
* ``trivial`` alone: the trivial representation (invariance).

So a vector field on an image is ``rot*image`` on (2, H, W), a point cloud (N, 3) under SO(3) is
``std``, and m points with c channels under :math:`S_m` is ``perm*id``.  Each factor acts by an
orthogonal map, so their product is an orthogonal representation and the Gaussian law
N(0, I) on the sample is invariant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .groups import CompactGroup, FiniteGroup
from .permutation import LIST_LIMIT

__all__ = ["ArrayRep", "BoundRep", "default_spec", "elements", "parse_rep"]


@dataclass(frozen=True)
class _Factor:
    kind: str  # "mat", "image" or "id"
    name: str
    naxes: int


def _rep_names(group) -> list[str]:
    return ["std"] if isinstance(group, CompactGroup) else list(group.rep_names)


def _rep_dim(group, name: str) -> int:
    return group.rep(name).dim


@dataclass(frozen=True)
class ArrayRep:
    """A parsed spec for one group and one sample shape; :meth:`bind` evaluates it at
    elements."""

    group: object
    spec: str
    factors: tuple[_Factor, ...]
    shape: tuple[int, ...]

    @property
    def is_trivial(self) -> bool:
        return not self.factors

    def bind(self, handles) -> BoundRep:
        return BoundRep(self, handles)

    def describe(self) -> str:
        if self.is_trivial:
            return "trivial (invariance)"
        names = "*".join(f.name for f in self.factors)
        return f"{names} on the last {sum(f.naxes for f in self.factors)} axes of {self.shape}"


def parse_rep(group, spec: str, shape: tuple[int, ...]) -> ArrayRep:
    """Parse ``spec`` for samples of ``shape``; ValueError naming the mismatch otherwise."""
    shape = tuple(int(s) for s in shape)
    spec = spec.strip()
    if spec == "trivial":
        return ArrayRep(group, spec, (), shape)
    factors = []
    names = _rep_names(group)
    for raw in spec.split("*"):
        name = raw.strip()
        if name == "natural":
            name = names[0]
        if name == "image":
            factors.append(_Factor("image", name, 2))
        elif name == "id":
            factors.append(_Factor("id", name, 1))
        elif name in names:
            factors.append(_Factor("mat", name, 1))
        else:
            raise ValueError(f"unknown representation {raw.strip()!r} for {group.name}; use "
                             f"{', '.join(names)}, natural, image, id (joined by *) or trivial")
    need = sum(f.naxes for f in factors)
    if need > len(shape):
        raise ValueError(f"representation {spec!r} acts on {need} axes but a sample has shape "
                         f"{shape}")
    axis = len(shape) - need
    for f in factors:
        size = shape[axis:axis + f.naxes]
        if f.kind == "mat" and size[0] != _rep_dim(group, f.name):
            raise ValueError(f"representation {f.name!r} of {group.name} has dimension "
                             f"{_rep_dim(group, f.name)}, but axis {axis} of a sample of shape "
                             f"{shape} has size {size[0]}")
        if f.kind == "image":
            _image_perm(group, size, None)  # validates
        axis += f.naxes
    return ArrayRep(group, spec, tuple(factors), shape)


def default_spec(group, shape: tuple[int, ...]) -> str:
    """The natural action on a sample: ``image`` for square 2-D samples under a group with a
    pixel-grid ``rot`` representation (C4, D4, ...), else the first representation on the last
    axis when its dimension matches; ValueError when neither applies."""
    shape = tuple(shape)
    if len(shape) >= 2 and shape[-1] == shape[-2] and "rot" in _rep_names(group):
        try:
            _image_perm(group, shape[-2:], None)
            return "image"
        except ValueError:
            pass
    name = _rep_names(group)[0]
    if shape and shape[-1] == _rep_dim(group, name):
        return "natural"
    raise ValueError(f"no default action of {group.name} on samples of shape {shape}: its "
                     f"natural representation ({name}) has dimension {_rep_dim(group, name)}; "
                     "give the representation explicitly")


def elements(group, n_elements: int | None, rng: np.random.Generator,
             include_identity: bool = False):
    """Element handles and names: every element of a finite group that can be listed (all but
    the identity unless asked), or a Haar sample of ``n_elements``.  Returns
    ``(handles, names, exhaustive)``."""
    if isinstance(group, FiniteGroup):
        idx = np.arange(0 if include_identity else 1, group.order)
        if n_elements is not None and n_elements < idx.size:
            return np.sort(rng.choice(idx, n_elements, replace=False)), None, False
        return idx, [f"{group.name}[{i}]" for i in idx], True
    if getattr(group, "by_generators", False) and group.order <= LIST_LIMIT and (
            n_elements is None or n_elements >= group.order - 1):
        E = group.elements()
        start = 0 if include_identity else 1
        return E[start:], [f"{group.name}[{i}]" for i in range(start, len(E))], True
    n = 64 if n_elements is None else n_elements
    return group.sample(n, rng), [f"{group.name}~{i}" for i in range(n)], False


def _matrices(group, name: str, handles) -> np.ndarray:
    if isinstance(group, FiniteGroup):
        return group.rep(name).matrices[np.asarray(handles)]
    if isinstance(group, CompactGroup):
        return np.asarray(group.rep(name)._at(np.asarray(handles)), dtype=np.float64)
    return group.rep(name).at(handles)


def _image_perm(group, size, handles) -> np.ndarray | None:
    """Pixel permutations (n, H*W), ``perm[p]`` the image of pixel p under :math:`R_g`; with
    ``handles=None`` only checks that the action exists."""
    H, W = (int(s) for s in size)
    if "rot" not in _rep_names(group) or _rep_dim(group, "rot") != 2:
        raise ValueError(f"the image action needs a group with a plane representation 'rot' "
                         f"(C4, D4, ...); {group.name} has {_rep_names(group)}")
    R = _matrices(group, "rot", handles if handles is not None else _all_or_gens(group))
    if not np.allclose(R, np.round(R), atol=1e-9):
        raise ValueError(f"{group.name} does not map the pixel grid to itself (only rotations "
                         "by multiples of 90 degrees and flips do: use C4, D4, C2, D2)")
    if H != W and np.any(np.abs(np.round(R)[:, 0, 1]) > 0):
        raise ValueError(f"rotating by 90 degrees needs a square image, got {H}x{W}")
    if handles is None:
        return None
    rows, cols = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    u = np.stack([rows.ravel() - (H - 1) / 2, cols.ravel() - (W - 1) / 2])  # (2, HW)
    v = np.einsum("nab,bp->nap", np.round(R), u)
    r, c = np.rint(v[:, 0] + (H - 1) / 2).astype(int), np.rint(v[:, 1] + (W - 1) / 2).astype(int)
    return r * W + c


def _all_or_gens(group):
    if isinstance(group, FiniteGroup):
        return np.arange(group.order)
    if getattr(group, "by_generators", False):
        return group.generators
    return group.sample(4, np.random.default_rng(0))


class BoundRep:
    """An :class:`ArrayRep` evaluated at element handles: ``act(x, j)`` is
    :math:`\\rho(g_j)x` on a batch, ``act(x, j, inverse=True)`` is :math:`\\rho(g_j)^{-1}x`."""

    def __init__(self, rep: ArrayRep, handles):
        self.rep, self.n = rep, len(handles)
        self._ops = []
        for f in rep.factors:
            if f.kind == "mat" and _is_perm_rep(rep.group, f.name):
                P = rep.group.rep(f.name).perm_at(handles)  # never a dense (n, dim, dim)
                self._ops.append((P, np.argsort(P, axis=1)))
            elif f.kind == "mat":
                self._ops.append(_matrices(rep.group, f.name, handles))
            elif f.kind == "image":
                P = _image_perm(rep.group, _axes_size(rep, f), handles)
                self._ops.append((P, np.argsort(P, axis=1)))
            else:
                self._ops.append(None)

    def act(self, x: np.ndarray, j: int, inverse: bool = False) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.shape[1:] != self.rep.shape:
            raise ValueError(f"expected samples of shape {self.rep.shape}, got {x.shape[1:]}")
        axis = x.ndim - sum(f.naxes for f in self.rep.factors)
        for f, op in zip(self.rep.factors, self._ops):
            if f.kind == "mat" and isinstance(op, tuple):  # a permutation of one axis
                P, Pinv = op
                x = np.take(x, P[j] if inverse else Pinv[j], axis=axis)
            elif f.kind == "mat":
                M = op[j].T if inverse else op[j]
                x = np.moveaxis(np.moveaxis(x, axis, -1) @ M.T, -1, axis)
            elif f.kind == "image":
                P, Pinv = op
                # (g x)[P[p]] = x[p]  <=>  (g x)[q] = x[Pinv[q]]
                take = P[j] if inverse else Pinv[j]
                H, W = x.shape[axis], x.shape[axis + 1]
                flat = x.reshape(*x.shape[:axis], H * W, *x.shape[axis + 2:])
                x = np.take(flat, take, axis=axis).reshape(x.shape)
            axis += f.naxes
        return x


def _is_perm_rep(group, name: str) -> bool:
    """A representation of a group by generators that permutes the basis."""
    return getattr(group, "by_generators", False) and group.rep(name).is_permutation


def _axes_size(rep: ArrayRep, factor: _Factor) -> tuple[int, int]:
    axis = len(rep.shape) - sum(f.naxes for f in rep.factors)
    for f in rep.factors:
        if f is factor:
            return rep.shape[axis:axis + 2]
        axis += f.naxes
    raise AssertionError("factor not in rep")
