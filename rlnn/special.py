"""Numerically stable elementwise functions shared by activations and losses.

NumPy has no ``erf``; :func:`erf` evaluates Cephes' rational approximations (S. L. Moshier,
``ndtr.c``: relative error below 4e-16 on [0, 1], 6e-14 beyond), vectorized.
"""

from __future__ import annotations

import math

import numpy as np

from rlnn._typing import Array

# Cephes ndtr.c coefficients: erf on |x| < 1 is x·T(x²)/U(x²); erfc beyond is
# exp(-x²)·P(x)/Q(x) for x < 8 and exp(-x²)·R(x)/S(x) above (U, Q, S have a leading 1).
_T = (
    9.60497373987051638749e0,
    9.00260197203842689217e1,
    2.23200534594684319226e3,
    7.00332514112805075473e3,
    5.55923013010394962768e4,
)
_U = (
    1.0,
    3.35617141647503099647e1,
    5.21357949780152679795e2,
    4.59432382970980127987e3,
    2.26290000613890934246e4,
    4.92673942608635921086e4,
)
_P = (
    2.46196981473530512524e-10,
    5.64189564831068821977e-1,
    7.46321056442269912687e0,
    4.86371970985681366614e1,
    1.96520832956077098242e2,
    5.26445194995477358631e2,
    9.34528527171957607540e2,
    1.02755188689515710272e3,
    5.57535335369399327526e2,
)
_Q = (
    1.0,
    1.32281951154744992508e1,
    8.67072140885989742329e1,
    3.54937778887819891062e2,
    9.75708501743205489753e2,
    1.82390916687909736289e3,
    2.24633760818710981792e3,
    1.65666309194161350182e3,
    5.57535340817727675546e2,
)
_R = (
    5.64189583547755073984e-1,
    1.27536670759978104416e0,
    5.01905042251180477414e0,
    6.16021097993053585195e0,
    7.40974269950448939160e0,
    2.97886665372100240670e0,
)
_S = (
    1.0,
    2.26052863220117276590e0,
    9.39603524938001434673e0,
    1.20489539808096656605e1,
    1.70814450747565897222e1,
    9.60896809063285878198e0,
    3.36907645100081516050e0,
)


def _polyval(coefficients: tuple[float, ...], x: Array) -> Array:
    result = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        result = result * x + c
    return result


def erf(x: Array) -> Array:
    """The error function, elementwise, in the dtype of ``x`` (computed in float64)."""
    x = np.asarray(x)
    a = np.abs(x.astype(np.float64))
    small = a < 1.0
    z = a * a
    inner = a * _polyval(_T, z) / _polyval(_U, z)
    a_mid = np.clip(a, 1.0, 8.0)
    a_big = np.clip(a, 8.0, 30.0)
    erfc_mid = np.exp(-a_mid * a_mid) * _polyval(_P, a_mid) / _polyval(_Q, a_mid)
    erfc_big = np.exp(-a_big * a_big) * _polyval(_R, a_big) / _polyval(_S, a_big)
    outer = 1.0 - np.where(a < 8.0, erfc_mid, erfc_big)
    result = np.sign(x) * np.where(small, inner, outer)
    return result.astype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)


def normal_pdf(x: Array) -> Array:
    """Standard normal density φ(x)."""
    return np.exp(-0.5 * x * x) * (1.0 / math.sqrt(2.0 * math.pi))


def sigmoid(z: Array) -> Array:
    """1 / (1 + e^{-z}), finite for any input: computed as (1 + tanh(z/2)) / 2."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def softplus(z: Array) -> Array:
    """log(1 + e^z) = max(z, 0) + log1p(e^{-|z|}), finite for any input."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def log_softmax(z: Array, axis: int = -1) -> Array:
    """z - logsumexp(z) along ``axis``, with the max subtracted first."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(z: Array, axis: int = -1) -> Array:
    """e^z / Σ e^z along ``axis``, with the max subtracted first."""
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
