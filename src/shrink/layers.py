"""Layers with parameters or state: ``Dense`` and ``Dropout``, and the ``Layer`` base class.

Every layer speaks the same two verbs (the nnfs vocabulary)::

    outputs = layer.forward(inputs, training=False)    # (n, n_in) -> (n, n_out)
    dinputs = layer.backward(dvalues)                   # ∂J/∂outputs -> ∂J/∂inputs

In training mode a layer writes into arrays it reuses from step to step; the arrays it returns
are overwritten by its next training call (copy them to keep them). ``reuse=True`` asks for the
same buffers outside training (validation inside ``fit``); plain inference allocates, so what
``predict`` hands a user is theirs.
"""

from __future__ import annotations

import numpy as np

from .buffers import BufferCache
from .errors import InvalidArgumentError, InvalidArgumentTypeError
from .penalties import L1, L2, GroupL1, Penalty, check_factor
from .validation import check_choice, check_fraction, check_int, check_penalty, check_rng

__all__ = ["Dense", "Dropout", "Layer", "SelectColumns"]

#: Weight initialisations; ``"seed"`` is the old name of ``"small_normal"`` and still accepted.
INITS = ("small_normal", "he", "glorot")
_INIT_ALIASES = {"seed": "small_normal"}
#: The penalty coefficients of a Dense layer, as its constructor and configs name them.
PENALTY_ARGS = ("weight_l1", "weight_l2", "bias_l1", "bias_l2", "input_l1")
# At inference a Dense layer with at most this many inputs, and at least this many neurons,
# folds its bias into the matrix product (``Dense._infer``).
_FOLD_MAX_INPUTS = 4
_FOLD_MIN_NEURONS = 16


class Layer:
    """Base class. ``params`` names the trainable arrays; their gradients are ``"d" + name``."""

    params: tuple[str, ...] = ()
    #: Parameters that decoupled weight decay shrinks (weights, never biases).
    decayed: tuple[str, ...] = ()

    def __init__(self):
        self._cache = BufferCache()

    def _out(self, name: str, shape: tuple[int, ...], dtype, reuse: bool) -> np.ndarray:
        # Reuse between training steps; allocate at inference so callers own what they get.
        return self._cache.empty(name, shape, dtype) if reuse else np.empty(shape, dtype)

    def forward(self, inputs: np.ndarray, training: bool = False, *, reuse: bool | None = None) -> np.ndarray:
        """(n, n_in) -> (n, n_out). ``reuse`` (default: ``training``) writes into kept buffers."""
        raise NotImplementedError  # pragma: no cover

    def backward(self, dvalues: np.ndarray, *, skip: tuple[type, ...] = ()) -> np.ndarray:
        """∂J/∂outputs -> ∂J/∂inputs; parameter gradients include every penalty whose kind is
        not in ``skip`` (those an optimizer applies by their proximal operator)."""
        raise NotImplementedError  # pragma: no cover

    def _infer(self, inputs: np.ndarray, reuse: bool = False) -> np.ndarray:
        """The outputs at inference (dropout off), for ``Model``'s inference path only.

        The function of ``forward(inputs, training=False)``, but nothing is kept for
        ``backward`` and a layer may take a faster route, rounded differently in the last bits
        (a bias folded into the product, another order of a sum). ``Model`` infers through
        this alone, so ``predict``, ``evaluate`` and ``fit``'s validation agree to the bit.
        ``reuse`` as for ``forward``.
        """
        return self.forward(inputs, training=False, reuse=reuse)

    def penalties_of(self, name: str) -> tuple[Penalty, ...]:
        """The penalties on parameter ``name`` (none by default)."""
        return ()

    def get_config(self) -> dict:
        """Constructor arguments that rebuild this layer (parameters excluded)."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _initial_weights(init: str, n_inputs: int, n_neurons: int, rng: np.random.Generator):
    if init == "small_normal":  # 0.01·N(0, 1), the nnfs book's: tiny weights, fine for shallow nets
        return 0.01 * rng.standard_normal((n_inputs, n_neurons))
    if init == "he":  # N(0, 2/n_in): keeps ReLU activations' variance through depth
        return np.sqrt(2.0 / n_inputs) * rng.standard_normal((n_inputs, n_neurons))
    limit = np.sqrt(6.0 / (n_inputs + n_neurons))  # Glorot uniform, for tanh/sigmoid
    return rng.uniform(-limit, limit, size=(n_inputs, n_neurons))


def _coefficient(param: str, index: int, arg: str, doc: str) -> property:
    """A float attribute (``weight_l2`` …) backed by the penalty object it configures."""

    def get(self) -> float:
        return self._penalties[param][index].coef

    def set(self, value) -> None:
        kind = type(self._penalties[param][index])
        factor = self._factor if param == "weights" else None
        self._penalties[param][index] = kind(check_penalty(value, arg), factor=factor)

    return property(get, set, doc=doc)


class Dense(Layer):
    """Fully connected layer ``outputs = inputs @ weights + biases``.

    Parameters
    ----------
    n_inputs, n_neurons : int
        ``weights`` has shape (n_inputs, n_neurons), ``biases`` shape (1, n_neurons).
    weight_l1, weight_l2, bias_l1, bias_l2 : float, default 0
        Penalty coefficients ≥ 0, added to the objective once per batch::

            weight_l1·Σ|W| + weight_l2·ΣW² + bias_l1·Σ|b| + bias_l2·Σb²
    input_l1 : float, default 0
        Group-lasso coefficient ≥ 0 on the rows of ``weights``: ``input_l1·Σ_i ‖W[i, :]‖₂``,
        one group per input (its outgoing weights; ``GroupL1``). A row at exactly zero deletes
        the input: a feature on the first layer, a hidden unit of the layer before on later
        ones (``shrink.sparsity.compact`` then removes it). It composes with ``weight_l1``
        (the sparse group lasso) and ``weight_l2``. Exact zeros need a proximal optimizer
        (``l1_method="proximal"``).
    penalty_factor : None, float or sequence of n_inputs floats ≥ 0, default None
        Per-input factors on every row-wise penalty of the weights (glmnet's
        ``penalty.factor``): row i is penalized with ``weight_l1·f_i``, ``weight_l2·f_i`` and
        ``input_l1·f_i``; 0 leaves input i unpenalized (a feature known to matter), None means
        1 for every input. Bias penalties are not scaled. Its length is checked against the
        weights' rows when they are set: when the layer joins a ``Model``, is loaded, or
        ``weights`` is assigned (configs build layers before their input width is known).
    rng : None, int or numpy.random.Generator
        Source of the initial weights.
    init : {"small_normal", "he", "glorot"}, default "small_normal"
        ``"small_normal"`` is ``0.01 * N(0, 1)`` (the nnfs book's; ``"seed"`` is an alias),
        ``"he"`` is ``N(0, 2/n_inputs)``, ``"glorot"`` uniform on ±√(6/(n_in + n_out)). Biases
        always start at 0.

    After ``backward``, ``dweights`` and ``dbiases`` hold ∂J/∂W and ∂J/∂b of the whole objective,
    penalties included.
    """

    params = ("weights", "biases")
    decayed = ("weights",)

    weight_l1 = _coefficient("weights", 0, "weight_l1", "L1 coefficient on the weights.")
    weight_l2 = _coefficient("weights", 1, "weight_l2", "L2 coefficient on the weights.")
    input_l1 = _coefficient("weights", 2, "input_l1", "Group-L1 coefficient on the weights' rows (one group per input).")
    bias_l1 = _coefficient("biases", 0, "bias_l1", "L1 coefficient on the biases.")
    bias_l2 = _coefficient("biases", 1, "bias_l2", "L2 coefficient on the biases.")

    def __init__(
        self,
        n_inputs: int,
        n_neurons: int,
        *,
        weight_l1: float = 0.0,
        weight_l2: float = 0.0,
        bias_l1: float = 0.0,
        bias_l2: float = 0.0,
        input_l1: float = 0.0,
        penalty_factor=None,
        rng=None,
        init: str = "small_normal",
    ):
        super().__init__()
        self.n_inputs = check_int(n_inputs, "n_inputs", minimum=1)
        self.n_neurons = check_int(n_neurons, "n_neurons", minimum=1)
        self.init = check_choice(_INIT_ALIASES.get(init, init) if isinstance(init, str) else init, "init", INITS)
        self._factor = check_factor(penalty_factor, "penalty_factor")
        factor = self._factor
        # Each parameter owns its penalties; the layer only ever sums what they return. The
        # order of the weights' list is the order of the coefficient properties above.
        self._penalties: dict[str, list[Penalty]] = {
            "weights": [L1(check_penalty(weight_l1, "weight_l1"), factor=factor),
                        L2(check_penalty(weight_l2, "weight_l2"), factor=factor),
                        GroupL1(check_penalty(input_l1, "input_l1"), factor=factor)],
            "biases": [L1(check_penalty(bias_l1, "bias_l1")), L2(check_penalty(bias_l2, "bias_l2"))],
        }
        # Set directly: configs build a layer with a stand-in width before the real one is known.
        self._weights = _initial_weights(self.init, self.n_inputs, self.n_neurons, check_rng(rng))
        self.biases = np.zeros((1, self.n_neurons))
        self.dweights: np.ndarray | None = None
        self.dbiases: np.ndarray | None = None

    @property
    def weights(self) -> np.ndarray:
        """(n_inputs, n_neurons). Assigning checks ``penalty_factor``'s length against the rows."""
        return self._weights

    @weights.setter
    def weights(self, value) -> None:
        if isinstance(self._factor, np.ndarray):
            rows = np.shape(value)[0] if np.ndim(value) else 0
            if rows != len(self._factor):
                raise InvalidArgumentError("penalty_factor", f"has {len(self._factor)} entries, but the layer has "
                                           f"{rows} inputs (one factor per input, that is per row of the weights)")
        self._weights = value

    @property
    def penalty_factor(self):
        """The per-input factors as a list of floats; a single float (1.0 by default) when one
        factor applies to every input."""
        factor = self._factor
        if factor is None:
            return 1.0
        return factor.tolist() if isinstance(factor, np.ndarray) else factor

    @penalty_factor.setter
    def penalty_factor(self, value) -> None:
        factor = check_factor(value, "penalty_factor", n_rows=len(self._weights))
        self._factor = factor
        self._penalties["weights"] = [type(p)(p.coef, factor=factor) for p in self._penalties["weights"]]

    def penalties_of(self, name: str) -> tuple[Penalty, ...]:
        return tuple(p for p in self._penalties[name] if p)

    def forward(self, inputs: np.ndarray, training: bool = False, *, reuse: bool | None = None) -> np.ndarray:
        """(n, n_inputs) -> (n, n_neurons)."""
        self.inputs = inputs
        out = self._out("output", (inputs.shape[0], self.n_neurons), self.weights.dtype,
                        training if reuse is None else reuse)
        np.matmul(inputs, self.weights, out=out)
        out += self.biases
        self.output = out
        return out

    def _infer(self, inputs: np.ndarray, reuse: bool = False, out: np.ndarray | None = None,
               bias: bool = True) -> np.ndarray:
        """``forward`` at inference. ``out`` (any layout) receives the result, which is then
        returned; ``bias=False`` leaves the bias for the caller to add (``Model`` adds the last
        layer's once to its gathered, column-major outputs: a few long passes, where over
        blocks of rows of a few values it costs 4x more)."""
        n, k = inputs.shape
        dtype = self.weights.dtype
        product = self._out("output", (n, self.n_neurons), dtype, reuse)
        if bias and k <= _FOLD_MAX_INPUTS and self.n_neurons >= _FOLD_MIN_NEURONS:
            # A handful of inputs (2-D spirals): the product is cheap and adding the bias row by
            # row costs twice as much. A column of ones on the inputs and the biases as an extra
            # row of weights fold the bias into the product. ``augmented`` is column-major, so
            # the inputs are copied in column by column, and its column of ones is never rewritten.
            if reuse:
                augmented = self._cache.filled("augmented_by_column", (k + 1, n), dtype, 1).T
            else:
                augmented = np.ones((k + 1, n), dtype).T
            augmented[:, :k] = inputs
            weights = self._out("augmented_weights", (k + 1, self.n_neurons), dtype, reuse)
            np.concatenate((self.weights, self.biases), out=weights)
            np.matmul(augmented, weights, out=product)
        else:
            np.matmul(inputs, self.weights, out=product)
            if bias:
                product += self.biases
        return _into(out, product)

    def backward(self, dvalues: np.ndarray, *, skip: tuple[type, ...] = (),
                 need_dinputs: bool = True) -> np.ndarray | None:
        """Gradients from ∂J/∂outputs (n, n_neurons).

        Leaves ``dweights = inputsᵀ·dvalues + Σ∂Ω/∂W`` and ``dbiases = Σ_rows dvalues + Σ∂Ω/∂b``
        (penalties of a kind in ``skip`` excepted: the optimizer applies those by prox) and
        returns ``dinputs = dvalues·Wᵀ`` (n, n_inputs), or None when ``need_dinputs`` is False
        (the first layer: nobody needs ∂J/∂X, and it is a whole matrix product).
        """
        dtype = self.weights.dtype
        cache = self._cache
        self.dweights = np.matmul(self.inputs.T, dvalues, out=cache.empty("dweights", self.weights.shape, dtype))
        # Column sums as a GEMV with a row of ones: ~3x faster than dvalues.sum(axis=0).
        ones = cache.ones((1, dvalues.shape[0]), dtype)
        self.dbiases = np.matmul(ones, dvalues, out=cache.empty("dbiases", self.biases.shape, dtype))
        for penalty in self.penalties_of("weights"):
            if not isinstance(penalty, skip):
                penalty.add_grad(self.weights, self.dweights, cache.empty("work_w", self.weights.shape, dtype))
        for penalty in self.penalties_of("biases"):
            if not isinstance(penalty, skip):  # biases, not weights (a bug of the nnfs-style code shrink grew from)
                penalty.add_grad(self.biases, self.dbiases, cache.empty("work_b", self.biases.shape, dtype))
        if not need_dinputs:
            self.dinputs = None
            return None
        dinputs = cache.empty("dinputs", (dvalues.shape[0], self.n_inputs), dtype)
        self.dinputs = np.matmul(dvalues, self.weights.T, out=dinputs)
        return self.dinputs

    def get_config(self) -> dict:
        config = {"n_inputs": self.n_inputs, "n_neurons": self.n_neurons}
        for arg in PENALTY_ARGS:
            if getattr(self, arg):
                config[arg] = getattr(self, arg)
        if self._factor is not None:
            config["penalty_factor"] = self.penalty_factor
        if self.init != "small_normal":
            config["init"] = self.init
        return config


class SelectColumns(Dense):
    """The columns ``columns`` of the inputs, in that order: ``outputs = inputs[:, columns]``.

    What ``shrink.sparsity.compact`` puts first in a model whose first layer lost inputs, so the
    compacted model still takes the original X and picks its columns itself. It is the Dense
    layer with fixed 0/1 weights (``weights[columns[k], k] = 1``) and zero biases, computed by
    indexing; it has no trainable parameters and no penalties (``params`` is empty), and as a
    Dense layer it sets the model's ``n_features`` to ``n_inputs``.

    Parameters
    ----------
    n_inputs : int
        The width of the inputs.
    columns : sequence of distinct int in [0, n_inputs)
        The columns kept; ``n_neurons`` is their number.
    """

    params = ()
    decayed = ()

    def __init__(self, n_inputs: int, columns):
        Layer.__init__(self)
        self.n_inputs = check_int(n_inputs, "n_inputs", minimum=1)
        if isinstance(columns, (str, bytes)) or np.asarray(columns).dtype.kind not in "iu" \
                or np.ndim(columns) != 1 or np.size(columns) == 0:
            raise InvalidArgumentTypeError("columns", f"must be a non-empty list of column indices, got {columns!r}")
        picked = np.array(columns, dtype=np.intp)
        if picked.min() < 0 or picked.max() >= self.n_inputs:
            bad = int(picked.min() if picked.min() < 0 else picked.max())
            raise InvalidArgumentError("columns", f"holds {bad}, outside 0..{self.n_inputs - 1} (the inputs' columns)")
        if len(np.unique(picked)) != len(picked):
            raise InvalidArgumentError("columns", "must not repeat a column")
        picked.setflags(write=False)
        self._columns = picked
        self.n_neurons = len(picked)
        self.init = "small_normal"
        self._factor = None
        self._penalties = {"weights": [L1(0.0), L2(0.0), GroupL1(0.0)], "biases": [L1(0.0), L2(0.0)]}
        self.dweights = self.dbiases = None

    @property
    def columns(self) -> list[int]:
        """The kept columns, in output order."""
        return self._columns.tolist()

    @property
    def weights(self) -> np.ndarray:
        """The 0/1 selection matrix (n_inputs, n_neurons) this layer applies (a new array)."""
        matrix = np.zeros((self.n_inputs, self.n_neurons))
        matrix[self._columns, np.arange(self.n_neurons)] = 1.0
        return matrix

    @property
    def biases(self) -> np.ndarray:
        """Zeros (1, n_neurons)."""
        return np.zeros((1, self.n_neurons))

    def penalties_of(self, name: str) -> tuple[Penalty, ...]:
        return ()

    def forward(self, inputs: np.ndarray, training: bool = False, *, reuse: bool | None = None) -> np.ndarray:
        out = self._out("output", (inputs.shape[0], self.n_neurons), inputs.dtype, training if reuse is None else reuse)
        np.take(inputs, self._columns, axis=1, out=out)
        self.output = out
        return out

    def _infer(self, inputs: np.ndarray, reuse: bool = False, out: np.ndarray | None = None,
               bias: bool = True) -> np.ndarray:
        return _into(out, np.take(inputs, self._columns, axis=1))

    def backward(self, dvalues: np.ndarray, *, skip: tuple[type, ...] = (),
                 need_dinputs: bool = True) -> np.ndarray | None:
        """``dinputs`` with ``dvalues`` in the kept columns and zeros elsewhere."""
        if not need_dinputs:
            return None
        dinputs = self._cache.empty("dinputs", (dvalues.shape[0], self.n_inputs), dvalues.dtype)
        dinputs[...] = 0
        dinputs[:, self._columns] = dvalues
        self.dinputs = dinputs
        return dinputs

    def get_config(self) -> dict:
        return {"n_inputs": self.n_inputs, "columns": self.columns}


class Dropout(Layer):
    """Inverted dropout: in training, zero each input with probability ``rate`` and scale the
    rest by ``1/(1 − rate)`` so the expected activation is unchanged; identity at inference.

    Parameters
    ----------
    rate : float in [0, 1)
        Probability of dropping a unit.
    rng : None, int or numpy.random.Generator
        Source of the masks. When None, ``fit`` passes its own generator at each training
        forward pass, so one seed fixes the whole run.

    Setting ``frozen = True`` reuses the last mask (gradient checks need a fixed function).
    """

    def __init__(self, rate: float, *, rng=None):
        super().__init__()
        self.rate = check_fraction(rate, "rate")
        self.rng_given = rng is not None
        self.rng = check_rng(rng)
        self.frozen = False
        self.mask: np.ndarray | None = None

    def forward(self, inputs: np.ndarray, training: bool = False, *, reuse: bool | None = None,
                rng: np.random.Generator | None = None) -> np.ndarray:
        """Masks come from ``rng`` when given (``fit`` passes its own generator, so one seed
        fixes the run), else from the layer's own generator."""
        if not training or self.rate == 0:
            self.mask = None
            return inputs
        dtype = inputs.dtype
        if not (self.frozen and self.mask is not None and self.mask.shape == inputs.shape):
            source = self.rng if rng is None or self.rng_given else rng
            keep = source.random(inputs.shape, dtype=dtype) >= self.rate
            self.mask = np.multiply(keep, 1.0 / (1.0 - self.rate), dtype=dtype)
        return np.multiply(inputs, self.mask, out=self._cache.empty("output", inputs.shape, dtype))

    def backward(self, dvalues: np.ndarray, *, skip: tuple[type, ...] = ()) -> np.ndarray:
        if self.mask is None:
            return dvalues
        return np.multiply(dvalues, self.mask, out=self._cache.empty("dinputs", dvalues.shape, dvalues.dtype))

    def get_config(self) -> dict:
        return {"rate": self.rate}


def _into(out: np.ndarray | None, value: np.ndarray) -> np.ndarray:
    """``value``, copied into ``out`` when a destination is given."""
    if out is None:
        return value
    out[...] = value
    return out
