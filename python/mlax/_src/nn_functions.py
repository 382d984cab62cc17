"""jax.nn's activations, softmax family, logsumexp, one_hot and standardize.

The formulas (and so the values, dtypes and derivatives) follow jax.nn's:
relu, relu6, log1mexp and softmax carry JAX's custom JVP rules.
"""

from __future__ import annotations

import builtins
import functools
import operator
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from mlax._src import dtypes, lax
from mlax._src import numpy_impl as jnp
from mlax._src import numpy_math as jmath
from mlax._src.api import jit
from mlax._src.core import Array, ArrayLike, aval_of
from mlax._src.custom_derivatives import custom_jvp

Axis = int | Sequence[int] | None


def _arr(x: Any) -> Array:
    return jnp.asarray(x) if not jnp._is_array(x) else x


def _zeros_like(g):
    return jnp.zeros_like(g)


def _reduction_dims(ndim: int, axis: Axis) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        a = operator.index(a)
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of bounds for array of dimension {ndim}")
        out.append(a % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ValueError(f"duplicate value in 'axis': {axis}")
    return tuple(out)


# --------------------------------------------------------------------------
# Elementwise activations


def identity(x: ArrayLike) -> Array:
    """Identity activation function: returns `x` (as an array) unmodified."""
    return _arr(x)


@custom_jvp
def relu(x: ArrayLike) -> Array:
    """Rectified linear unit, max(x, 0); its derivative at 0 is 0 (as in JAX)."""
    return jnp.maximum(x, 0)


relu.defjvps(lambda g, ans, x: lax.select(x > 0, g, _zeros_like(g)))


@custom_jvp
def relu6(x: ArrayLike) -> Array:
    """min(max(x, 0), 6); its derivative at 0 and at 6 is 0 (as in JAX)."""
    return jnp.minimum(jnp.maximum(x, 0), 6.0)


relu6.defjvps(lambda g, ans, x: lax.select((x > 0) & (x < 6), g, _zeros_like(g)))


def squareplus(x: ArrayLike, b: ArrayLike = 4) -> Array:
    """(x + sqrt(x**2 + b)) / 2."""
    x = _arr(x)
    y = x + jnp.sqrt(jnp.square(x) + b)
    return y / 2


def softplus(x: ArrayLike) -> Array:
    """log(1 + exp(x)), computed as logaddexp(x, 0)."""
    return jmath.logaddexp(x, 0)


def sparse_plus(x: ArrayLike) -> Array:
    """0 for x <= -1, (x + 1)**2 / 4 on (-1, 1), x for x >= 1."""
    x = _arr(x)
    return jnp.where(x <= -1.0, 0.0, jnp.where(x >= 1.0, x, (x + 1.0) ** 2 / 4))


def soft_sign(x: ArrayLike) -> Array:
    """x / (|x| + 1)."""
    x = _arr(x)
    return x / (jnp.abs(x) + 1)


def sigmoid(x: ArrayLike) -> Array:
    """1 / (1 + exp(-x)) (lax.logistic)."""
    return lax.logistic(_arr(x))


def sparse_sigmoid(x: ArrayLike) -> Array:
    """0.5 * clip(x + 1, 0, 2): the derivative of sparse_plus."""
    return 0.5 * jnp.clip(_arr(x) + 1.0, 0.0, 2.0)


def silu(x: ArrayLike) -> Array:
    """x * sigmoid(x) (swish is the same function)."""
    x = _arr(x)
    return x * sigmoid(x)


swish = silu


def mish(x: ArrayLike) -> Array:
    """x * tanh(softplus(x))."""
    x = _arr(x)
    return x * jnp.tanh(softplus(x))


def log_sigmoid(x: ArrayLike) -> Array:
    """log(sigmoid(x)) = -softplus(-x)."""
    x = _arr(x)
    return -softplus(-x)


def elu(x: ArrayLike, alpha: ArrayLike = 1.0) -> Array:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    x = _arr(x)
    return jnp.where(x > 0, x, alpha * jnp.expm1(jnp.where(x > 0, 0.0, x)))


def leaky_relu(x: ArrayLike, negative_slope: ArrayLike = 1e-2) -> Array:
    """x for x >= 0, negative_slope * x otherwise."""
    x = _arr(x)
    return jnp.where(x >= 0, x, negative_slope * x)


def hard_tanh(x: ArrayLike) -> Array:
    """-1 below -1, 1 above 1, x in between."""
    x = _arr(x)
    return jnp.where(x > 1, 1, jnp.where(x < -1, -1, x))


def celu(x: ArrayLike, alpha: ArrayLike = 1.0) -> Array:
    """max(x, 0) + alpha * expm1(min(x, 0) / alpha)."""
    return jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0) / alpha)


def selu(x: ArrayLike) -> Array:
    """scale * elu(x, alpha) with the self-normalizing constants."""
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    return scale * elu(x, alpha)


def gelu(x: ArrayLike, approximate: bool = True) -> Array:
    """Gaussian error linear unit: the tanh approximation, or (approximate=False)
    the exact x/2 * erfc(-x/sqrt(2))."""
    (x,) = jmath._inexact(x)
    dt = aval_of(x).dtype
    if approximate:
        sqrt_2_over_pi = np.sqrt(2 / np.pi).astype(dt)
        cdf = 0.5 * (1.0 + jnp.tanh(sqrt_2_over_pi * (x + 0.044715 * (x**3))))
        return x * cdf
    sqrt_half = np.sqrt(0.5).astype(dt)
    return jnp.asarray(0.5 * x * lax.erfc(-x * sqrt_half), dtype=dt)


def glu(x: ArrayLike, axis: int = -1) -> Array:
    """x1 * sigmoid(x2), x split into halves (x1, x2) along `axis`."""
    x = _arr(x)
    size = aval_of(x).shape[axis]
    assert size % 2 == 0, "axis size must be divisible by 2"
    x1, x2 = jnp.split(x, 2, axis)
    return x1 * sigmoid(x2)


@custom_jvp
def log1mexp(x: ArrayLike) -> Array:
    """log(1 - exp(-x)), stable for small and large x (undefined for x < 0)."""
    x = _arr(x)
    c = jnp.log(2.0)
    return jnp.where(x < c, jnp.log(-jnp.expm1(-x)), jnp.log1p(-jnp.exp(-x)))


log1mexp.defjvps(lambda g, ans, x: g / jnp.expm1(x))


def hard_sigmoid(x: ArrayLike) -> Array:
    """relu6(x + 3) / 6."""
    return relu6(_arr(x) + 3.0) / 6.0


def hard_silu(x: ArrayLike) -> Array:
    """x * hard_sigmoid(x) (hard_swish is the same function)."""
    x = _arr(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


# --------------------------------------------------------------------------
# logsumexp and the softmax family


def logsumexp(
    a: ArrayLike,
    axis: Axis = None,
    b: ArrayLike | None = None,
    keepdims: bool = False,
    return_sign: bool = False,
    where: ArrayLike | None = None,
) -> Array | tuple[Array, Array]:
    """log(sum(b * exp(a))) over `axis` (jax.scipy.special.logsumexp)."""
    if where is not None:
        a = jnp.where(where, a, 0)
    if b is not None:
        a_arr, b_arr = jmath._inexact(a, b)
        a_arr = jnp.where(b_arr != 0, a_arr, -np.inf)
    else:
        (a_arr,) = jmath._inexact(a)
        b_arr = a_arr
    dt = aval_of(a_arr).dtype
    dims = _reduction_dims(aval_of(a_arr).ndim, axis)
    real = jnp.real(a_arr) if dtypes.is_complex(dt) else a_arr
    amax = jnp.max(real, axis=dims, keepdims=keepdims, where=where, initial=-np.inf)
    amax = lax.stop_gradient(lax.select(jnp.isfinite(amax), amax, jnp.zeros_like(amax)))
    amax_with_dims = amax if keepdims else jnp.expand_dims(amax, dims)
    exp_a = lax.exp(lax.sub(a_arr, amax_with_dims.astype(dt)))
    if b is not None:
        exp_a = lax.mul(exp_a, b_arr)
    sumexp = jnp.sum(exp_a, axis=dims, keepdims=keepdims, where=where)
    sign = lax.sign(sumexp)
    if return_sign or not dtypes.is_complex(dt):
        sumexp = jnp.abs(sumexp)
    out = lax.add(lax.log(sumexp), amax.astype(aval_of(sumexp).dtype))
    if return_sign:
        return (out, sign)
    if b is not None and not dtypes.is_complex(aval_of(out).dtype):
        out = jnp.where(sign < 0, jnp.array(np.nan, dtype=aval_of(out).dtype), out)
    return out


def _count(x, axis, where, keepdims, dtype):
    shape = aval_of(x).shape
    dims = _reduction_dims(len(shape), axis)
    if where is None:
        n = 1
        for d in dims:
            n *= shape[d]
        out_shape = (
            tuple(1 if i in dims else s for i, s in enumerate(shape))
            if keepdims
            else tuple(s for i, s in enumerate(shape) if i not in dims)
        )
        return jnp.full(out_shape, n, dtype)
    mask = jnp.broadcast_to(where, shape)
    return jnp.sum(mask, axis=dims, keepdims=keepdims, dtype=dtype)


def logmeanexp(
    x: ArrayLike,
    axis: Axis = None,
    where: ArrayLike | None = None,
    keepdims: bool = False,
) -> Array:
    """logsumexp(x) - log(n), n the number of (unmasked) reduced elements."""
    x = _arr(x)
    lse = logsumexp(x, axis=axis, where=where, keepdims=keepdims)
    count = _count(x, axis, where, keepdims, aval_of(lse).dtype)
    return lse - jnp.log(count)


def log_softmax(x: ArrayLike, axis: Axis = -1, where: ArrayLike | None = None) -> Array:
    """x - logsumexp(x) along `axis`; masked-out entries (`where`) give -inf."""
    x = _arr(x)
    x_max = jnp.max(x, axis, where=where, initial=-np.inf, keepdims=True)
    x_safe = x if where is None else jnp.where(where, x, -np.inf)
    shifted = x_safe - lax.stop_gradient(x_max)
    shifted_logsumexp = jnp.log(jnp.sum(jnp.exp(shifted), axis, where=where, keepdims=True))
    result = shifted - shifted_logsumexp
    if where is not None:
        return jnp.where(where, result, -np.inf)
    return result


def _softmax_impl(x, axis, where, initial):
    x_max = jnp.max(x, axis, where=where, initial=initial, keepdims=True)
    x_safe = x if where is None else jnp.where(where, x, initial)
    unnormalized = jnp.exp(x_safe - x_max)
    result = unnormalized / jnp.sum(unnormalized, axis, where=where, keepdims=True)
    if where is not None:
        result = jnp.where(where, result, 0)
    return result


def _softmax_plain(x, axis, initial):
    return _softmax_impl(x, axis, None, initial)


def _softmax_masked(x, axis, where, initial):
    return _softmax_impl(x, axis, where, initial)


_softmax_plain = custom_jvp(_softmax_plain, nondiff_argnums=(1,))
_softmax_masked = custom_jvp(_softmax_masked, nondiff_argnums=(1,))


@_softmax_plain.defjvp
def _softmax_plain_jvp(axis, primals, tangents):
    (x, initial), (x_dot, _) = primals, tangents
    y = _softmax_plain(x, axis, initial)
    return y, y * (x_dot - jnp.sum(y * x_dot, axis, keepdims=True))


@_softmax_masked.defjvp
def _softmax_masked_jvp(axis, primals, tangents):
    (x, where, initial), (x_dot, _, _) = primals, tangents
    y = _softmax_masked(x, axis, where, initial)
    return y, y * (x_dot - jnp.sum(y * x_dot, axis, where=where, keepdims=True))


def softmax(x: ArrayLike, axis: Axis = -1, where: ArrayLike | None = None) -> Array:
    """exp(x) / sum(exp(x)) along `axis`; masked-out entries (`where`) give 0.
    Differentiated with JAX's rule y * (dx - sum(y * dx))."""
    x = _arr(x)
    if isinstance(axis, list):
        axis = tuple(axis)
    if where is None:
        return _softmax_plain(x, axis, -np.inf)
    return _softmax_masked(x, axis, jnp.asarray(where), -np.inf)


# --------------------------------------------------------------------------
# one_hot and standardize


def one_hot(x: Any, num_classes: int, *, dtype: Any | None = None, axis: int = -1) -> Array:
    """One-hot encodes integer indices (out-of-range indices give all zeros);
    the new axis of size num_classes goes at `axis`."""
    try:
        num_classes = operator.index(num_classes)
    except TypeError as e:
        raise TypeError(
            f"num_classes must be a concrete integer, got {num_classes!r}. "
            "The error arose in jax.nn.one_hot argument `num_classes`."
        ) from e
    x = _arr(x)
    xdt = aval_of(x).dtype
    if not (dtypes.is_integer(xdt) or dtypes.is_bool(xdt)):
        warnings.warn(
            f"jax.nn.one_hot input should be integer-typed; got dtype={xdt}",
            DeprecationWarning,
            stacklevel=2,
        )
    dtype = dtypes.default_float_dtype() if dtype is None else dtype
    if not isinstance(axis, (int, np.integer)):
        raise NotImplementedError("one_hot with a named axis is not supported in mlax")
    ndim = aval_of(x).ndim
    if not -(ndim + 1) <= axis <= ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim + 1}")
    pos = int(axis) % (ndim + 1)
    lhs = jnp.expand_dims(x, (pos,))
    rhs_shape = [1] * ndim
    rhs_shape.insert(pos, num_classes)
    rhs = lax.broadcasted_iota(xdt, tuple(rhs_shape), pos)
    return (lhs == rhs).astype(dtype)


def standardize(
    x: ArrayLike,
    axis: Axis = -1,
    mean: ArrayLike | None = None,
    variance: ArrayLike | None = None,
    epsilon: ArrayLike = 1e-5,
    where: ArrayLike | None = None,
    *,
    algorithm: str = "fast",
) -> Array:
    """(x - mean) / sqrt(variance + epsilon), mean and variance over `axis`
    unless given; algorithm "fast" (E[x^2] - E[x]^2, clipped at 0) or "stable"."""
    x = _arr(x)
    if mean is None:
        mean = jnp.mean(x, axis, keepdims=True, where=where)
    if variance is None:
        if algorithm == "stable":
            variance = jnp.mean(jnp.square(jnp.subtract(x, mean)), axis, keepdims=True, where=where)
        elif algorithm == "fast":
            variance = jnp.mean(jnp.square(x), axis, keepdims=True, where=where) - jnp.square(mean)
            variance = jnp.clip(variance, 0)
        else:
            raise ValueError(f"Unknown algorithm '{algorithm}'. Expected 'fast' or 'stable'.")
    return jnp.subtract(x, mean) * lax.rsqrt(variance + epsilon)


# --------------------------------------------------------------------------
# dot_product_attention (jax's "xla" reference implementation)
# --------------------------------------------------------------------------


def _large_negative(dtype) -> Array:
    # softmax runs in float32: keep the value finite there
    dmax = min(float(dtypes.finfo(dtype).max), float(np.finfo(np.float32).max))
    return jnp.asarray(-0.7 * dmax, dtype=dtype)


def _tril_ones(T: int, S: int) -> Array:
    return jnp.arange(T)[:, None] >= jnp.arange(S)[None, :]


def _attention_masks(logits, mask, is_causal, q_seqlen, kv_seqlen, local_window_size):
    """logits: (B, N, T, S); mask broadcastable to it (or None)."""
    if (
        mask is None
        and not is_causal
        and q_seqlen is None
        and kv_seqlen is None
        and local_window_size is None
    ):
        return logits
    combined = jnp.ones(logits.shape, dtype=bool)
    if mask is not None:
        combined = jmath.logical_and(combined, mask)
    T, S = logits.shape[-2], logits.shape[-1]
    if is_causal:
        combined = jmath.logical_and(combined, _tril_ones(T, S)[None, None])
    if local_window_size is not None:
        left, right = local_window_size
        qpos = jnp.arange(T)[:, None]
        kpos = jnp.arange(S)[None, :]
        window = jmath.logical_and(qpos >= kpos - right, qpos <= kpos + left)
        combined = jmath.logical_and(combined, window[None, None])
    if q_seqlen is not None or kv_seqlen is not None:
        pad = True
        if q_seqlen is not None:
            pad = jnp.arange(T)[None, :, None] < q_seqlen[:, None, None]
        if kv_seqlen is not None:
            kv = jnp.arange(S)[None, None, :] < kv_seqlen[:, None, None]
            pad = jmath.logical_and(pad, kv)
        combined = jmath.logical_and(combined, pad[:, None, :, :])
    return jnp.where(combined, logits, _large_negative(logits.dtype))


def _attention_core(query, key, value, bias, mask, is_causal, scale, q_seqlen, kv_seqlen, window):
    """One group: query (B, T, K, H), key/value (B, S, K, H), bias/mask (B|1, K|1, T|1, S|1)."""
    qdt = np.dtype(query.dtype)
    logits_dtype = qdt if qdt == np.float64 else np.dtype(np.float32)  # promote with f32
    logits = jnp.einsum("BTNH,BSNH->BNTS", query, key, preferred_element_type=logits_dtype)
    logits = logits * jnp.array(scale, dtype=logits.dtype)
    if bias is not None:
        logits = (logits + bias).astype(logits.dtype)
    padded = _attention_masks(logits, mask, is_causal, q_seqlen, kv_seqlen, window)
    padded = padded.astype(np.float32)  # the softmax is carried out in float32
    probs = softmax(padded, axis=-1).astype(key.dtype)
    # value as the lhs, as in jax's batched (vmapped) program
    encoded = lax.dot_general(value, probs, (((1,), (3,)), ((0, 2), (0, 1))))  # B N H T
    encoded = jnp.transpose(encoded, (0, 3, 1, 2))
    if q_seqlen is not None:
        qmask = jnp.arange(encoded.shape[1])[None, :] < q_seqlen[:, None]
        encoded = encoded * qmask[:, :, None, None].astype(encoded.dtype)
    lse = logsumexp(padded, axis=-1).astype(key.dtype)
    return encoded, lax.stop_gradient(jnp.transpose(lse, (0, 2, 1)))  # B N T -> B T N


@functools.partial(jit, static_argnums=(5, 6, 9, 10))
def _attention_xla(
    query, key, value, bias, mask, is_causal, scale, q_seqlen, kv_seqlen, window, residual
):
    from mlax._src.batching import vmap

    B, T, N, H = query.shape
    _, S, K, _ = key.shape
    G = N // K
    query = jnp.reshape(query, (B, T, K, G, H))

    def grouped(t):
        if t is None:
            return None
        tB, tN, tT, tS = t.shape
        if tN == 1:
            return jnp.broadcast_to(t[:, :, None, :, :], (tB, tN, G, tT, tS))
        return jnp.reshape(t, (tB, K, G, tT, tS))

    bias, mask = grouped(bias), grouped(mask)

    def core(q, b, m):
        return _attention_core(q, key, value, b, m, is_causal, scale, q_seqlen, kv_seqlen, window)

    in_axes = (3, None if bias is None else 2, None if mask is None else 2)
    encoded, lse = vmap(core, in_axes=in_axes, out_axes=3)(query, bias, mask)
    encoded = jnp.reshape(encoded, (B, T, N, H))
    if not residual:
        return encoded, None
    return encoded, jnp.reshape(lse, (B, T, N))


def dot_product_attention(
    query: ArrayLike,
    key: ArrayLike,
    value: ArrayLike,
    bias: ArrayLike | None = None,
    mask: ArrayLike | None = None,
    *,
    scale: float | None = None,
    is_causal: bool = False,
    query_seq_lengths: ArrayLike | None = None,
    key_value_seq_lengths: ArrayLike | None = None,
    local_window_size: int | tuple[int, int] | None = None,
    implementation: str | None = None,
    return_residual: bool = False,
):
    """Scaled dot-product attention, softmax(Q K^T * scale + bias) V per head, for
    query (B, T, N, H) or (T, N, H) and key/value (B, S, K, H) with N a multiple of
    K (grouped-query attention); boolean `mask`, `is_causal`, per-batch sequence
    lengths and a (left, right) `local_window_size` mask the logits. jax's "xla"
    implementation (softmax in float32); return_residual also returns the
    logsumexp of the logits, shape (B, T, N)."""
    output_shape = tuple(jnp.asarray(query).shape)
    residual_shape = output_shape[:-1]

    def ensure_4d(t):
        t = jnp.asarray(t)
        add = 4 - t.ndim
        return jnp.expand_dims(t, axis=tuple(range(add))) if add > 0 else t

    query_arr, key_arr, value_arr = ensure_4d(query), ensure_4d(key), ensure_4d(value)
    bias = ensure_4d(bias) if bias is not None else None
    mask = ensure_4d(mask) if mask is not None else None
    if query_seq_lengths is not None:
        query_seq_lengths = jnp.asarray(query_seq_lengths)
    if key_value_seq_lengths is not None:
        key_value_seq_lengths = jnp.asarray(key_value_seq_lengths)
    if isinstance(local_window_size, (int, np.integer)):
        local_window_size = (int(local_window_size), int(local_window_size))

    def check(t, shape, dtype, name):
        if t is None:
            return
        if t.ndim != len(shape):
            raise ValueError(f"{name} ndim should be {len(shape)}, but got {t.ndim}")
        if dtype is not None and np.dtype(t.dtype) != np.dtype(dtype):
            raise ValueError(f"{name} dtype should be {np.dtype(dtype)}, but got {t.dtype}")
        for i in range(t.ndim):
            if shape[i] != -1 and t.shape[i] != shape[i]:
                raise ValueError(f"{name} shape should be {shape}: but got {tuple(t.shape)}")

    B, S, K, H = key_arr.shape
    check(value_arr, [B, S, K, H], key_arr.dtype, "value")
    check(query_arr, [B, -1, -1, H], key_arr.dtype, "query")
    check(mask, [-1] * 4, np.dtype(bool), "mask")
    check(bias, [-1] * 4, None, "bias")
    check(query_seq_lengths, [B], np.dtype("int32"), "query_seq_lengths")
    check(key_value_seq_lengths, [B], np.dtype("int32"), "key_value_seq_lengths")
    if query_arr.shape[-2] % K != 0:
        raise ValueError(
            "The number of query heads must be a multiple of key/value heads, "
            f"but got {query_arr.shape[-2]} vs {K}"
        )
    if implementation == "cudnn":
        raise NotImplementedError("dot_product_attention: mlax has no cuDNN implementation")
    if implementation not in (None, "xla"):
        raise ValueError(f"Unsupported implementation option: {implementation}")
    scale_val = float(1.0 / np.sqrt(H)) if scale is None else scale
    if local_window_size is not None:
        local_window_size = tuple(int(w) for w in local_window_size)
    out, residual = _attention_xla(
        query_arr,
        key_arr,
        value_arr,
        bias,
        mask,
        is_causal,
        scale_val,
        query_seq_lengths,
        key_value_seq_lengths,
        local_window_size,
        return_residual,
    )
    if return_residual:
        return jnp.reshape(out, output_shape), jnp.reshape(residual, residual_shape)
    return jnp.reshape(out, output_shape)
