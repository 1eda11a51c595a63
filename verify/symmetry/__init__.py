"""The symmetry layer: groups as orthogonal representations, the Reynolds projection and the
one equivariance-error metric. Imports nothing else from :mod:`verify`.
"""
