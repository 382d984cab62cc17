"""ravel_pytree: a pytree of arrays as one 1-D array and the inverse map.

The leaves are promoted to one dtype as JAX does (each leaf's own dtype,
Python scalars by their type, none weak); `unravel` converts the chunks
back. With a single dtype `unravel` accepts any dtype (JAX's behaviour, so
that a solver may hand back, say, a wider vector)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from mlax._src import dtypes, lax, tree_util
from mlax._src import numpy_impl as _n
from mlax._src.core import Array, Tracer, aval_of
from mlax._src.numpy_info import result_type

__all__ = ["ravel_pytree"]


class _Unravel:
    """The inverse of one ravel: hashable and comparable (a static argument)."""

    __slots__ = ("treedef", "sizes", "shapes", "from_dtypes", "to_dtype")

    def __init__(self, treedef, sizes, shapes, from_dtypes, to_dtype):
        self.treedef, self.sizes, self.shapes = treedef, sizes, shapes
        self.from_dtypes, self.to_dtype = from_dtypes, to_dtype

    def _key(self):
        return (self.treedef, self.sizes, self.shapes, self.from_dtypes, self.to_dtype)

    def __hash__(self) -> int:
        return hash(self._key())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Unravel) and self._key() == other._key()

    def __call__(self, flat: Any) -> Any:
        flat = _n.asarray(flat)
        a = aval_of(flat)
        total = int(sum(self.sizes))
        if a.ndim != 1 or a.shape[0] != total:
            raise ValueError(
                f"unravel function given array of shape {a.shape}, but expected "
                f"a 1-D array of {total} elements"
            )
        if self.from_dtypes is not None and a.dtype != self.to_dtype:
            raise TypeError(
                f"unravel function given array of dtype {a.dtype}, "
                f"but expected dtype {self.to_dtype}"
            )
        leaves, start = [], 0
        for i, (size, shape) in enumerate(zip(self.sizes, self.shapes)):
            chunk = _n.reshape(lax.slice(flat, (start,), (start + size,)), shape)
            if self.from_dtypes is not None:
                chunk = _convert(chunk, self.from_dtypes[i])
            leaves.append(chunk)
            start += size
        return tree_util.tree_unflatten(self.treedef, leaves)


def _convert(x, dtype):
    # Complex to real keeps the real part, as JAX's unravel does (silently).
    if dtypes.is_complex(aval_of(x).dtype) and not dtypes.is_complex(dtype):
        x = lax.real(x)
    return lax.convert_element_type(x, dtype)


def _leaf_dtype(x: Any) -> np.dtype:
    if isinstance(x, (Array, Tracer, np.ndarray, np.generic)):
        return np.dtype(dtypes.canonicalize_dtype(aval_of(x).dtype))
    if isinstance(x, (bool, int, float, complex)):
        return np.dtype(dtypes.canonicalize_dtype(np.asarray(x).dtype))
    return np.dtype(dtypes.canonicalize_dtype(aval_of(_n.asarray(x)).dtype))


def ravel_pytree(pytree: Any) -> tuple[Array, Callable[[Array], Any]]:
    """Ravels a pytree of arrays and scalars into one 1-D array (the leaves'
    promoted dtype; float32 and empty for no leaves) and returns it with the
    function that maps such a vector back to the pytree."""
    leaves, treedef = tree_util.tree_flatten(pytree)
    if not leaves:
        return _n.zeros((0,), np.float32), _Unravel(treedef, (), (), None, None)
    from_dtypes = tuple(_leaf_dtype(x) for x in leaves)
    to_dtype = result_type(*from_dtypes)
    shapes = tuple(
        tuple(np.shape(x)) if not isinstance(x, (Array, Tracer)) else tuple(aval_of(x).shape)
        for x in leaves
    )
    sizes = tuple(int(np.prod(s, dtype=np.int64)) for s in shapes)
    parts = [_n.ravel(_convert(_n.asarray(x), to_dtype)) for x in leaves]
    flat = parts[0] if len(parts) == 1 else _n.concatenate(parts)
    single = all(d == to_dtype for d in from_dtypes)
    unravel = _Unravel(treedef, sizes, shapes, None if single else from_dtypes, to_dtype)
    return flat, unravel
