"""mlax.lax: primitives one-to-one with the mlax dialect's ops."""
from mlax._src.lax import (  # noqa: F401
    RoundingMethod, abs, add, and_, atan2, bitcast_convert_type, bitwise_and,
    bitwise_not, bitwise_or, bitwise_xor, broadcast, broadcast_in_dim,
    broadcasted_iota, cbrt, ceil, clamp, concatenate, convert_element_type, cos,
    div, dot, dot_general, dynamic_slice, dynamic_update_slice, eq, erf, erf_inv,
    exp, expm1, floor, ge, gt, iota, is_finite, le, log, log1p, logistic, lt, max,
    min, mul, ne, neg, not_, or_, pad, pow, reduce_and, reduce_max, reduce_min,
    reduce_or, reduce_prod, reduce_sum, rem, reshape, rev, round, rsqrt, select,
    shift_left, shift_right_logical, sign, sin, slice, sqrt, stop_gradient, sub,
    tan, tanh, integer_pow, square, real, imag, complex, conj,
    transpose, xor, while_loop, fori_loop, cond, switch)
from mlax._src.gather_scatter import (  # noqa: F401,E402
    GatherDimensionNumbers, GatherScatterMode, ScatterDimensionNumbers, gather, scatter,
    scatter_add, scatter_max, scatter_min, scatter_mul)
