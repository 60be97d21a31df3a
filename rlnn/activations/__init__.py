"""Activations: each a layer, each registered by name.

``rlnn.activations.get("leaky_relu", alpha=0.1)`` or ``rlnn.activations.LeakyReLU(0.1)``;
``rlnn.activations.names()`` lists them.
"""

from rlnn.activations.base import Activation, get, names, registry
from rlnn.activations.piecewise import (
    CELU,
    ELU,
    ISRLU,
    PELU,
    SELU,
    BinaryStep,
    HardSigmoid,
    HardSwish,
    LeakyReLU,
    Linear,
    PReLU,
    ReLU,
    RReLU,
)
from rlnn.activations.smooth import (
    GELU,
    ArcTan,
    BipolarSigmoid,
    Mish,
    Sigmoid,
    SiLU,
    SoftExponential,
    Softplus,
    Softsign,
    Swish,
    Tanh,
)
from rlnn.activations.softmax import LogSoftmax, Softmax

__all__ = [
    "Activation",
    "get",
    "names",
    "registry",
    "BinaryStep",
    "Linear",
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "RReLU",
    "ELU",
    "CELU",
    "SELU",
    "ISRLU",
    "PELU",
    "HardSigmoid",
    "HardSwish",
    "Sigmoid",
    "Tanh",
    "BipolarSigmoid",
    "Softplus",
    "Softsign",
    "ArcTan",
    "Swish",
    "SiLU",
    "Mish",
    "GELU",
    "SoftExponential",
    "Softmax",
    "LogSoftmax",
]
