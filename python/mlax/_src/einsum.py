"""jnp.einsum: subscripts (explicit or implicit output, '...') lowered to
diagonals, reductions and one dot_general per pair of operands (left to
right), then a transpose into the output order."""

from __future__ import annotations

import builtins
import string
from typing import Any

from mlax._src import lax
from mlax._src.core import aval_of


def _parse(subscripts: str, ndims: list[int]) -> tuple[list[str], str]:
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        ins, out = subscripts.split("->")
        explicit = True
    else:
        ins, out, explicit = subscripts, "", False
    inputs = ins.split(",")
    if len(inputs) != len(ndims):
        raise ValueError(f"einsum: {len(inputs)} operand subscripts for {len(ndims)} operands")
    used = set(c for c in subscripts if c.isalpha())
    spare = iter(c for c in string.ascii_letters if c not in used)
    # '...' becomes the same fresh labels in every operand (right-aligned).
    n_ell = 0
    for s, nd in zip(inputs, ndims):
        if "..." in s:
            n_ell = builtins.max(n_ell, nd - len(s.replace("...", "")))
    ell = "".join(next(spare) for _ in range(n_ell))
    expanded = []
    for s, nd in zip(inputs, ndims):
        for c in s.replace("...", ""):
            if not c.isalpha():
                raise ValueError(f"einsum: invalid subscript character {c!r} in {subscripts!r}")
        if "..." in s:
            k = nd - len(s.replace("...", ""))
            s = s.replace("...", ell[n_ell - k :] if k else "")
        if len(s) != nd:
            raise ValueError(f"einsum: operand subscripts {s!r} do not match its {nd} dimensions")
        expanded.append(s)
    if explicit:
        out = out.replace("...", ell)
        for c in out:
            if not any(c in s for s in expanded):
                raise ValueError(f"einsum: output subscript {c!r} appears in no operand")
        if len(set(out)) != len(out):
            raise ValueError(f"einsum: output subscript {out!r} repeats a label")
    else:
        counts: dict[str, int] = {}
        for s in expanded:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return expanded, out


def _diagonals(x, labels: str):
    """Repeated labels within one operand take the diagonal."""
    from mlax._src import numpy_impl as jnp

    while len(set(labels)) != len(labels):
        for c in labels:
            first = labels.index(c)
            second = labels.find(c, first + 1)
            if second >= 0:
                x = jnp.diagonal(x, 0, first, second)
                labels = labels[:first] + labels[first + 1 : second] + labels[second + 1 :] + c
                break
    return x, labels


def _sum_out(x, labels: str, keep: set):
    axes = tuple(i for i, c in enumerate(labels) if c not in keep)
    if axes:
        x = lax.reduce_sum(x, axes)
        labels = "".join(c for c in labels if c in keep)
    return x, labels


def einsum(
    subscripts: str,
    *operands: Any,
    optimize: Any = "auto",
    precision: Any = None,
    preferred_element_type: Any = None,
):
    """Einstein summation (numpy's subscript language, JAX's semantics:
    operands promoted to a common dtype)."""
    from mlax._src import numpy_impl as jnp

    if not isinstance(subscripts, str):
        raise TypeError("einsum: the first argument must be a subscripts string")
    if not operands:
        raise ValueError("einsum: needs at least one operand")
    arrays = jnp._promote_dtypes(*[jnp.asarray(o) for o in operands])
    inputs, out = _parse(subscripts, [aval_of(a).ndim for a in arrays])
    sizes: dict[str, int] = {}
    for a, s in zip(arrays, inputs):
        for c, n in zip(s, aval_of(a).shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise ValueError(f"einsum: label {c!r} has sizes {sizes[c]} and {n}")
            sizes[c] = builtins.max(sizes.get(c, 1), n)
    ops = []
    for a, s in zip(arrays, inputs):
        # Size-1 dimensions broadcast against the label's size (numpy's rule).
        shape = tuple(sizes[c] for c in s)
        if aval_of(a).shape != shape:
            a = jnp.broadcast_to(a, shape)
        ops.append(_diagonals(a, s))
    x, labels = ops[0]
    for k in range(1, len(ops)):
        y, ylabels = ops[k]
        later = set(out).union(*[set(s) for _, s in ops[k + 1 :]])
        x, labels = _sum_out(x, labels, later | set(ylabels))
        y, ylabels = _sum_out(y, ylabels, later | set(labels))
        batch = [c for c in labels if c in ylabels and c in later]
        contract = [c for c in labels if c in ylabels and c not in later]
        dn = (
            ([labels.index(c) for c in contract], [ylabels.index(c) for c in contract]),
            ([labels.index(c) for c in batch], [ylabels.index(c) for c in batch]),
        )
        x = lax.dot_general(
            x, y, dn, precision=precision, preferred_element_type=preferred_element_type
        )
        labels = (
            "".join(batch)
            + "".join(c for c in labels if c not in ylabels)
            + "".join(c for c in ylabels if c not in labels)
        )
    x, labels = _sum_out(x, labels, set(out))
    perm = tuple(labels.index(c) for c in out)
    return lax.transpose(x, perm) if perm != tuple(range(len(perm))) else x
