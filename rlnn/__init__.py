"""rlnn: a NumPy neural-network library with explicit, gradient-checked backward passes."""

from rlnn import activations, initializers, losses
from rlnn.gradcheck import GradcheckResult, gradcheck
from rlnn.io import load, save
from rlnn.layers import BatchNorm, Dense, Dropout, Layer, Parameter, Sequential, build, mlp

__version__ = "0.1.0"

__all__ = [
    "activations", "initializers", "losses", "Layer", "Parameter", "Dense", "Sequential",
    "Dropout", "BatchNorm", "mlp", "build", "load", "save", "gradcheck", "GradcheckResult",
]
