"""shrink: L1- and L2-regularized neural networks and linear models, from scratch on NumPy."""

from .activations import Linear, ReLU, Sigmoid, Softmax, Tanh
from .errors import DivergenceError, ModelFileError, ShrinkError
from .gradcheck import gradcheck, gradient_errors
from .history import History
from .layers import Dense, Dropout, Layer
from .losses import BinaryCrossentropy, CategoricalCrossentropy, Loss, MeanAbsoluteError, MeanSquaredError
from .model import Model
from .optimizers import SGD, Adagrad, Adam, Optimizer, RMSprop
from .penalties import L1, L2, Penalty

__version__ = "0.1.0"

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Dense",
    "DivergenceError",
    "Dropout",
    "History",
    "L1",
    "L2",
    "Layer",
    "Linear",
    "Loss",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "Model",
    "ModelFileError",
    "Optimizer",
    "Penalty",
    "RMSprop",
    "ReLU",
    "ShrinkError",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "gradcheck",
    "gradient_errors",
]
