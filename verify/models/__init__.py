"""What gets measured: the Numba linear-Gaussian Monte Carlo kernels, numpy networks and their
matching, ReLU-symmetry analysis, Wasserstein / covering computations and data sets.
Uses :mod:`verify.symmetry` only.
"""
