"""Array type aliases shared by the whole library."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.floating]
"""A floating-point array (float32 by default, float64 for gradient checks)."""

IntArray = npt.NDArray[np.integer]
BoolArray = npt.NDArray[np.bool_]
DTypeLike = npt.DTypeLike
Spec = "str | dict"
"""A registry spec: a name (``"adam"``) or a dict (``{"name": "adam", "lr": 3e-4}``)."""
