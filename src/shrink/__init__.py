"""shrink: L1- and L2-regularized neural networks and linear models, from scratch on NumPy.

This package is the engine and needs NumPy only. The ``shrink`` command, configs, run
directories, sweeps, plots and reports live in ``shrink.app`` (see ARCHITECTURE.md).
"""

from .activations import Linear, ReLU, Sigmoid, Softmax, Tanh
from .callbacks import Callback, EarlyStopping, LambdaCallback, LearningRateScheduler, ReduceLROnPlateau
from .errors import (
    ConvergenceWarning,
    DivergenceError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    ModelFileError,
    ShrinkError,
)
from .gradcheck import GradientCheck, gradcheck, gradient_check, gradient_errors
from .history import History
from .layers import Dense, Dropout, Layer, SelectColumns
from .losses import BinaryCrossentropy, CategoricalCrossentropy, Loss, MeanAbsoluteError, MeanSquaredError
from .model import Model
from .optimizers import SGD, Adagrad, Adam, Optimizer, Parameter, RMSprop
from .penalties import L1, L2, GroupL1, Penalty
from .preprocessing import Standardizer

__version__ = "0.1.0"

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "BinaryCrossentropy",
    "Callback",
    "CategoricalCrossentropy",
    "ConvergenceWarning",
    "Dense",
    "DivergenceError",
    "Dropout",
    "EarlyStopping",
    "GroupL1",
    "History",
    "InvalidArgumentError",
    "InvalidArgumentTypeError",
    "L1",
    "L2",
    "LambdaCallback",
    "Layer",
    "LearningRateScheduler",
    "Linear",
    "Loss",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "Model",
    "ModelFileError",
    "Optimizer",
    "Parameter",
    "Penalty",
    "RMSprop",
    "ReLU",
    "ReduceLROnPlateau",
    "SelectColumns",
    "ShrinkError",
    "Sigmoid",
    "Softmax",
    "Standardizer",
    "Tanh",
    "GradientCheck",
    "gradcheck",
    "gradient_check",
    "gradient_errors",
]
