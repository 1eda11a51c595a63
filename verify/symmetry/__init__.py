"""The symmetry layer: groups as orthogonal representations, the Reynolds projection and the
one equivariance-error metric (:mod:`.equivariance`). Imports nothing else from :mod:`verify`.
"""
