"""Operators and methods of mlax.Array and traced values that are numpy
functions of the array (JAX's `register_jax_array_methods`): installed by
mlax.numpy at import, so that core needs neither numpy nor indexing."""

from __future__ import annotations

from typing import Any

import numpy as np

# Operator -> (numpy function, the array is the right operand).
_OPERATORS = {
    "__add__": ("add", False),
    "__radd__": ("add", True),
    "__sub__": ("subtract", False),
    "__rsub__": ("subtract", True),
    "__mul__": ("multiply", False),
    "__rmul__": ("multiply", True),
    "__truediv__": ("true_divide", False),
    "__rtruediv__": ("true_divide", True),
    "__floordiv__": ("floor_divide", False),
    "__rfloordiv__": ("floor_divide", True),
    "__mod__": ("remainder", False),
    "__rmod__": ("remainder", True),
    "__pow__": ("power", False),
    "__rpow__": ("power", True),
    "__matmul__": ("matmul", False),
    "__rmatmul__": ("matmul", True),
    "__and__": ("bitwise_and", False),
    "__rand__": ("bitwise_and", True),
    "__or__": ("bitwise_or", False),
    "__ror__": ("bitwise_or", True),
    "__xor__": ("bitwise_xor", False),
    "__rxor__": ("bitwise_xor", True),
    "__lt__": ("less", False),
    "__le__": ("less_equal", False),
    "__gt__": ("greater", False),
    "__ge__": ("greater_equal", False),
    "__eq__": ("equal", False),
    "__ne__": ("not_equal", False),
}
_UNARY = {"__neg__": "negative", "__abs__": "abs", "__invert__": "invert"}

# Methods that are numpy functions of the array: method name -> function.
_METHODS = {
    "argmax": "argmax",
    "argmin": "argmin",
    "clip": "clip",
    "round": "round",
    "any": "any",
    "all": "all",
    "var": "var",
    "std": "std",
    "cumprod": "cumprod",
    "cumsum": "cumsum",
    "squeeze": "squeeze",
    "flatten": "ravel",
    "ravel": "ravel",
    "conj": "conj",
    "conjugate": "conjugate",
    "nonzero": "nonzero",
    "prod": "prod",
    "swapaxes": "swapaxes",
    "repeat": "repeat",
    "diagonal": "diagonal",
    "trace": "trace",
    "take": "take",
    "ptp": "ptp",
    "astype": "astype",
    "dot": "dot",
    "sum": "sum",
    "mean": "mean",
    "max": "max",
    "min": "min",
}


def _binary(np_mod, fname: str, reflected: bool):
    fn = getattr(np_mod, fname)
    if reflected:
        return lambda self, other: fn(other, self)
    return lambda self, other: fn(self, other)


def _method(np_mod, name: str, fname: str):
    fn = getattr(np_mod, fname)

    def method(self, *args: Any, out: Any = None, **kwargs: Any):
        # NumPy's functions (np.std(x)) pass out=None to the method.
        if out is not None:
            raise NotImplementedError(f"The 'out' argument to {name} is not supported.")
        return fn(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"Same as mlax.numpy.{fname}(self, ...)."
    return method


def register_array_methods(cls: type, np_mod: Any) -> None:
    """Installs the operators and numpy methods of `cls` from `np_mod`
    (mlax.numpy's implementation module)."""
    from mlax._src.indexing import _IndexUpdateHelper

    for name, (fname, reflected) in _OPERATORS.items():
        setattr(cls, name, _binary(np_mod, fname, reflected))
    for name, fname in _UNARY.items():
        fn = getattr(np_mod, fname)
        setattr(cls, name, lambda self, fn=fn: fn(self))
    cls.__pos__ = lambda self: self
    for name, fname in _METHODS.items():
        setattr(cls, name, _method(np_mod, name, fname))

    def reshape(self, *shape, order: str = "C"):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return np_mod.reshape(self, shape, order=order)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return np_mod.transpose(self, axes or None)

    cls.reshape = reshape
    cls.transpose = transpose
    cls.__getitem__ = lambda self, idx: np_mod._getitem(self, idx)
    cls.T = property(lambda self: np_mod.transpose(self), doc="Transpose (all axes reversed).")
    cls.mT = property(
        lambda self: np_mod.swapaxes(self, -1, -2), doc="Transpose of the last two axes."
    )
    cls.real = property(lambda self: np_mod.real(self), doc="Real part.")
    cls.imag = property(lambda self: np_mod.imag(self), doc="Imaginary part.")
    cls.at = property(
        lambda self: _IndexUpdateHelper(self),
        doc="Functional index updates: x.at[idx].set(v), .add(v), .get(), ...",
    )
    cls.copy = lambda self: np_mod.array(self)
    cls.view = _view

    def sort(self, axis: int | None = -1, *, stable: bool = True, descending: bool = False):
        from mlax._src.sorting import jnp_sort

        return jnp_sort(self, axis, stable=stable, descending=descending)

    def argsort(self, axis: int | None = -1, *, stable: bool = True, descending: bool = False):
        from mlax._src.sorting import argsort

        return argsort(self, axis, stable=stable, descending=descending)

    cls.sort = sort
    cls.argsort = argsort


def _view(self, dtype=None, type=None):
    """The same bits seen as `dtype` (NumPy's view): the last axis scales by
    the ratio of the item sizes."""
    from mlax._src import dtypes, lax

    if type is not None:
        raise NotImplementedError("`type` argument of Array.view() is not supported.")
    if dtype is None:
        return self
    new = dtypes.canonicalize_dtype(dtype)
    old = self.dtype
    if new == old:
        return self
    if old == np.bool_ or new == np.bool_:
        # XLA cannot bitcast pred: go through uint8.
        via = lax.convert_element_type(self, np.uint8) if old == np.bool_ else self
        out = _view(via, np.uint8) if via.dtype != np.uint8 else via
        return lax.ne(out, np.uint8(0)) if new == np.bool_ else _view(out, new)
    if not self.ndim:
        if old.itemsize != new.itemsize:
            raise ValueError(
                "Changing the dtype of a 0d array is only supported if the itemsize is unchanged"
            )
        return lax.bitcast_convert_type(self, new)
    last = self.shape[-1]
    if old.itemsize == new.itemsize:
        return lax.bitcast_convert_type(self, new)
    if old.itemsize > new.itemsize:
        out = lax.bitcast_convert_type(self, new)  # (..., last, ratio)
        return lax.reshape(out, self.shape[:-1] + (last * (old.itemsize // new.itemsize),))
    ratio = new.itemsize // old.itemsize
    if last % ratio:
        raise ValueError(
            "When changing to a larger dtype, its size must be a divisor of the total "
            "size in bytes of the last axis of the array."
        )
    grouped = lax.reshape(self, self.shape[:-1] + (last // ratio, ratio))
    return lax.bitcast_convert_type(grouped, new)
