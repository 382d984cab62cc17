"""The error catalogue: bad inputs across the API, each run with jax and with
mlax. mlax must raise where jax raises, an exception of jax's type (its
builtin base class, and jax's own class name where jax has one), with a
message naming the problem; never MLIRError or an XLA runtime error, never a
value. Each case is (id, code, pattern): `code(m)` uses m.jnp / m.lax /
m.api / m.random / m.np; `pattern` is a regex the mlax message must match.

Cases where jax's own exception is an internal one (AssertionError, say)
are in INTERNAL: there mlax must raise the type given there."""

import re
import types

import jax
import jax.numpy as jjnp
import mlax
import mlax.numpy as mjnp
import numpy as np
import pytest

JAX = types.SimpleNamespace(
    jnp=jjnp, lax=jax.lax, api=jax, random=jax.random, np=np, errors=jax.errors
)
MLAX = types.SimpleNamespace(
    jnp=mjnp, lax=mlax.lax, api=mlax, random=mlax.random, np=np, errors=mlax.errors
)

f32 = np.float32
c64 = np.complex64


def _ones(m, *shape, dtype=f32):
    return m.jnp.ones(shape, dtype)


def _cjvp_rule(m, rule):
    f = m.api.custom_jvp(lambda x: m.jnp.sin(x))
    f.defjvp(rule)
    return f


def _cvjp(m, fwd, bwd):
    f = m.api.custom_vjp(lambda x: m.jnp.sin(x))
    f.defvjp(fwd, bwd)
    return f


def _leak(m):
    box = []

    def f(x):
        box.append(x)
        return x

    m.api.jit(f)(1.0)
    return box[0]


CASES = [
    # ---- elementwise shapes and broadcasting
    (
        "add_broadcast",
        lambda m: m.jnp.add(_ones(m, 2, 3), _ones(m, 4)),
        r"\(2, 3\).*\(4,\)|incompatible|broadcast",
    ),
    ("mul_broadcast", lambda m: _ones(m, 3) * _ones(m, 4), r"broadcast|incompatible"),
    (
        "where_broadcast",
        lambda m: m.jnp.where(_ones(m, 2) > 0, _ones(m, 3), 0.0),
        r"broadcast|incompatible",
    ),
    ("lax_add_shapes", lambda m: m.lax.add(_ones(m, 2), _ones(m, 3)), r"shape"),
    ("lax_add_dtypes", lambda m: m.lax.add(_ones(m, 2), _ones(m, 2, dtype=np.int32)), r"dtype"),
    ("lax_mul_dtypes", lambda m: m.lax.mul(_ones(m, 2), m.jnp.ones(2, np.float16)), r"dtype"),
    (
        "lax_select_pred_dtype",
        lambda m: m.lax.select(_ones(m, 2), _ones(m, 2), _ones(m, 2)),
        r"pred|bool",
    ),
    (
        "lax_select_pred_shape",
        lambda m: m.lax.select(m.jnp.ones(3, bool), _ones(m, 2), _ones(m, 2)),
        r"pred|shape",
    ),
    (
        "lax_select_branch_shape",
        lambda m: m.lax.select(m.jnp.ones(2, bool), _ones(m, 2), _ones(m, 3)),
        r"shape",
    ),
    ("lax_lt_shapes", lambda m: m.lax.lt(_ones(m, 2), _ones(m, 3)), r"shape"),
    # ---- dtypes that an op does not accept
    (
        "rem_complex",
        lambda m: m.jnp.remainder(_ones(m, 2, dtype=c64), _ones(m, 2, dtype=c64)),
        r"complex",
    ),
    ("mod_complex", lambda m: m.jnp.mod(_ones(m, 2, dtype=c64), 2), r"complex"),
    ("percent_complex", lambda m: _ones(m, 2, dtype=c64) % _ones(m, 2, dtype=c64), r"complex"),
    (
        "lax_rem_complex",
        lambda m: m.lax.rem(_ones(m, 2, dtype=c64), _ones(m, 2, dtype=c64)),
        r"complex64",
    ),
    ("floor_divide_complex", lambda m: m.jnp.floor_divide(_ones(m, 2, dtype=c64), 2), r"complex"),
    ("cbrt_complex", lambda m: m.jnp.cbrt(_ones(m, 2, dtype=c64)), r"complex64"),
    ("lax_cbrt_complex", lambda m: m.lax.cbrt(_ones(m, 2, dtype=c64)), r"complex64"),
    (
        "lax_lt_complex",
        lambda m: m.lax.lt(_ones(m, 2, dtype=c64), _ones(m, 2, dtype=c64)),
        r"complex64",
    ),
    (
        "lax_ge_complex",
        lambda m: m.lax.ge(_ones(m, 2, dtype=c64), _ones(m, 2, dtype=c64)),
        r"complex64",
    ),
    ("lax_floor_int", lambda m: m.lax.floor(m.jnp.ones(2, np.int32)), r"int32"),
    ("lax_floor_complex", lambda m: m.lax.floor(_ones(m, 2, dtype=c64)), r"complex64"),
    ("lax_ceil_bool", lambda m: m.lax.ceil(m.jnp.ones(2, bool)), r"bool"),
    ("lax_round_int", lambda m: m.lax.round(m.jnp.ones(2, np.int32)), r"int32"),
    ("lax_exp_int", lambda m: m.lax.exp(m.jnp.ones(2, np.int32)), r"int32"),
    ("lax_sin_bool", lambda m: m.lax.sin(m.jnp.ones(2, bool)), r"bool"),
    ("lax_sqrt_int", lambda m: m.lax.sqrt(m.jnp.ones(2, np.int32)), r"int32"),
    ("lax_log_bool", lambda m: m.lax.log(m.jnp.ones(2, bool)), r"bool"),
    ("lax_tanh_int", lambda m: m.lax.tanh(m.jnp.ones(2, np.int32)), r"int32"),
    ("lax_erf_complex", lambda m: m.lax.erf(_ones(m, 2, dtype=c64)), r"complex64"),
    ("lax_erf_inv_int", lambda m: m.lax.erf_inv(m.jnp.ones(2, np.int32)), r"int32"),
    (
        "lax_atan2_int",
        lambda m: m.lax.atan2(m.jnp.ones(2, np.int32), m.jnp.ones(2, np.int32)),
        r"int32",
    ),
    ("lax_and_float", lambda m: m.lax.bitwise_and(_ones(m, 2), _ones(m, 2)), r"float32"),
    ("lax_or_float", lambda m: m.lax.bitwise_or(_ones(m, 2), _ones(m, 2)), r"float32"),
    ("lax_not_float", lambda m: m.lax.bitwise_not(_ones(m, 2)), r"float32"),
    ("lax_shift_float", lambda m: m.lax.shift_left(_ones(m, 2), _ones(m, 2)), r"float32"),
    ("lax_neg_bool", lambda m: m.lax.neg(m.jnp.ones(2, bool)), r"bool"),
    ("lax_sub_bool", lambda m: m.lax.sub(m.jnp.ones(2, bool), m.jnp.ones(2, bool)), r"bool"),
    ("lax_div_bool", lambda m: m.lax.div(m.jnp.ones(2, bool), m.jnp.ones(2, bool)), r"bool"),
    ("lax_abs_unsigned", lambda m: m.lax.abs(m.jnp.ones(2, np.uint32)), r"uint32"),
    ("lax_real_float", lambda m: m.lax.real(_ones(m, 2)), r"float32"),
    ("lax_imag_int", lambda m: m.lax.imag(m.jnp.ones(2, np.int32)), r"int32"),
    (
        "lax_complex_int",
        lambda m: m.lax.complex(m.jnp.ones(2, np.int32), m.jnp.ones(2, np.int32)),
        r"int32",
    ),
    (
        "lax_integer_pow_neg_int",
        lambda m: m.lax.integer_pow(m.jnp.ones(2, np.int32), -2),
        r"negative|int32",
    ),
    (
        "jnp_bitwise_and_float",
        lambda m: m.jnp.bitwise_and(_ones(m, 2), _ones(m, 2)),
        r"float32|integer|bool",
    ),
    ("jnp_invert_float", lambda m: ~_ones(m, 2), r"float32|integer|bool"),
    ("clip_complex", lambda m: m.jnp.clip(_ones(m, 2, dtype=c64), 0, 1), r"[Cc]omplex"),
    ("clip_complex_bound", lambda m: m.jnp.clip(_ones(m, 2), 1j, None), r"[Cc]omplex"),
    ("jnp_floor_complex", lambda m: m.jnp.floor(_ones(m, 2, dtype=c64)), r"complex"),
    ("jnp_ceil_complex", lambda m: m.jnp.ceil(_ones(m, 2, dtype=c64)), r"complex"),
    (
        "convert_complex_bad",
        lambda m: m.lax.convert_element_type(_ones(m, 2), "not-a-dtype"),
        r"not-a-dtype|dtype",
    ),
    ("astype_bad", lambda m: _ones(m, 2).astype("float99"), r"float99|dtype"),
    # ---- reductions
    ("max_empty", lambda m: m.jnp.max(m.jnp.zeros((0,))), r"zero-size"),
    ("min_empty", lambda m: m.jnp.min(m.jnp.zeros((0,))), r"zero-size"),
    ("max_empty_axis", lambda m: m.jnp.max(m.jnp.zeros((2, 0)), axis=1), r"zero-size"),
    ("amin_empty", lambda m: m.jnp.amin(m.jnp.zeros((0, 3))), r"zero-size"),
    ("argmax_complex", lambda m: m.jnp.argmax(_ones(m, 2, dtype=c64)), r"complex64"),
    ("argmax_empty", lambda m: m.jnp.argmax(m.jnp.zeros((0,))), r"empty"),
    ("argmin_empty", lambda m: m.jnp.argmin(m.jnp.zeros((3, 0)), axis=1), r"empty"),
    (
        "sum_axis_range",
        lambda m: m.jnp.sum(_ones(m, 2, 3), axis=2),
        r"axis 2.*(rank|dimension|bounds|ndim)|out of bounds|out of range",
    ),
    (
        "sum_axis_neg_range",
        lambda m: m.jnp.sum(_ones(m, 2, 3), axis=-3),
        r"axis -3|out of bounds|out of range",
    ),
    (
        "mean_axis_range",
        lambda m: m.jnp.mean(_ones(m, 2), axis=1),
        r"axis 1|out of bounds|out of range",
    ),
    (
        "max_axis_range",
        lambda m: m.jnp.max(_ones(m, 2), axis=3),
        r"axis 3|out of bounds|out of range",
    ),
    (
        "argmax_axis_range",
        lambda m: m.jnp.argmax(_ones(m, 2), axis=1),
        r"axis 1|out of bounds|out of range",
    ),
    (
        "prod_axis_range",
        lambda m: m.jnp.prod(_ones(m, 2), axis=5),
        r"axis 5|out of bounds|out of range",
    ),
    (
        "var_axis_range",
        lambda m: m.jnp.var(_ones(m, 2), axis=2),
        r"axis 2|out of bounds|out of range",
    ),
    (
        "cumsum_axis_range",
        lambda m: m.jnp.cumsum(_ones(m, 2), axis=1),
        r"axis 1|out of bounds|out of range",
    ),
    ("lax_reduce_sum_axis", lambda m: m.lax.reduce_sum(_ones(m, 2), (1,)), r"axes|dimension|axis"),
    # ---- shapes of structural ops
    ("matmul_inner", lambda m: _ones(m, 2, 3) @ _ones(m, 2, 3), r"\(3,?\).*\(2,?\)|3.*2"),
    (
        "matmul_scalar",
        lambda m: m.jnp.matmul(_ones(m), _ones(m, 2)),
        r"scalar|0-d|ndim|rank|dimension",
    ),
    ("dot_inner", lambda m: m.jnp.dot(_ones(m, 3), _ones(m, 4)), r"3.*4|4.*3"),
    (
        "lax_dot_general_contract",
        lambda m: m.lax.dot_general(_ones(m, 2, 3), _ones(m, 4, 5), (((1,), (0,)), ((), ()))),
        r"contracting|3.*4",
    ),
    (
        "lax_dot_general_batch",
        lambda m: m.lax.dot_general(_ones(m, 2, 3), _ones(m, 4, 3), (((1,), (1,)), ((0,), (0,)))),
        r"batch|2.*4",
    ),
    ("reshape_size", lambda m: _ones(m, 2, 3).reshape(4), r"reshape.*\(2, 3\)"),
    ("reshape_two_minus_one", lambda m: _ones(m, 2, 3).reshape(-1, -1), r"-1"),
    ("reshape_bad_minus_one", lambda m: _ones(m, 2, 3).reshape(4, -1), r"reshape|\(2, 3\)"),
    ("lax_reshape_size", lambda m: m.lax.reshape(_ones(m, 2, 3), (5,)), r"reshape|size|\(2, 3\)"),
    ("transpose_perm", lambda m: m.jnp.transpose(_ones(m, 2, 3), (0,)), r"permutation"),
    (
        "transpose_perm_dup",
        lambda m: m.jnp.transpose(_ones(m, 2, 3), (0, 0)),
        r"permutation|repeated",
    ),
    ("lax_transpose_perm", lambda m: m.lax.transpose(_ones(m, 2, 3), (1, 2)), r"permutation"),
    (
        "concatenate_rank",
        lambda m: m.jnp.concatenate([_ones(m, 2), _ones(m, 2, 2)]),
        r"dimension|rank|ndim",
    ),
    (
        "concatenate_shape",
        lambda m: m.jnp.concatenate([_ones(m, 2, 3), _ones(m, 2, 4)], axis=0),
        r"shape|3.*4|dimension",
    ),
    (
        "concatenate_axis",
        lambda m: m.jnp.concatenate([_ones(m, 2), _ones(m, 2)], axis=1),
        r"axis 1|out of bounds|out of range",
    ),
    ("concatenate_empty", lambda m: m.jnp.concatenate([]), r"at least one|empty|Need"),
    ("stack_shapes", lambda m: m.jnp.stack([_ones(m, 2), _ones(m, 3)]), r"same shape|shape"),
    (
        "stack_axis",
        lambda m: m.jnp.stack([_ones(m, 2), _ones(m, 2)], axis=3),
        r"axis 3|out of bounds|out of range",
    ),
    ("stack_empty", lambda m: m.jnp.stack([]), r"at least one|empty|Need"),
    ("broadcast_to_bad", lambda m: m.jnp.broadcast_to(_ones(m, 3), (4,)), r"broadcast|\(3,\)"),
    ("broadcast_to_rank", lambda m: m.jnp.broadcast_to(_ones(m, 2, 3), (3,)), r"broadcast|rank"),
    (
        "lax_broadcast_in_dim_dims",
        lambda m: m.lax.broadcast_in_dim(_ones(m, 3), (3, 4), (1,)),
        r"broadcast|dimension|3.*4",
    ),
    (
        "squeeze_non_one",
        lambda m: m.jnp.squeeze(_ones(m, 2, 3), axis=0),
        r"squeeze|size 1|dimension",
    ),
    (
        "squeeze_axis_range",
        lambda m: m.jnp.squeeze(_ones(m, 1, 3), axis=2),
        r"axis 2|out of bounds|out of range",
    ),
    (
        "expand_dims_range",
        lambda m: m.jnp.expand_dims(_ones(m, 2), 3),
        r"axis 3|out of bounds|out of range",
    ),
    (
        "moveaxis_range",
        lambda m: m.jnp.moveaxis(_ones(m, 2, 3), 2, 0),
        r"axis 2|out of bounds|out of range",
    ),
    (
        "swapaxes_range",
        lambda m: m.jnp.swapaxes(_ones(m, 2, 3), 0, 2),
        r"axis 2|out of bounds|out of range",
    ),
    ("split_uneven", lambda m: m.jnp.split(_ones(m, 5), 2), r"equal|divide|5"),
    (
        "split_axis_range",
        lambda m: m.jnp.split(_ones(m, 4), 2, axis=1),
        r"axis 1|out of bounds|out of range",
    ),
    (
        "take_axis_range",
        lambda m: m.jnp.take(_ones(m, 3), m.jnp.array([0]), axis=1),
        r"axis 1|out of bounds|out of range",
    ),
    ("diagonal_1d", lambda m: m.jnp.diagonal(_ones(m, 3)), r"2|ndim|dimension"),
    ("trace_1d", lambda m: m.jnp.trace(_ones(m, 3)), r"2|ndim|dimension"),
    (
        "einsum_bad_subscripts",
        lambda m: m.jnp.einsum("ij,jk->ik", _ones(m, 2, 3), _ones(m, 4, 5)),
        r"3.*4|4.*3|size|dimension",
    ),
    (
        "einsum_bad_operand_count",
        lambda m: m.jnp.einsum("ij,jk->ik", _ones(m, 2, 3)),
        r"operand|subscript",
    ),
    ("outer_ok_tile_neg", lambda m: m.jnp.tile(_ones(m, 2), -1), r"negative|-1|non-?negative"),
    ("repeat_neg", lambda m: m.jnp.repeat(_ones(m, 2), -1), r"negative|-1|non-?negative"),
    # ---- array creation
    ("ones_negative", lambda m: m.jnp.ones((-1, 3)), r"-1|negative|nonnegative"),
    ("zeros_negative", lambda m: m.jnp.zeros((2, -2)), r"-2|negative|nonnegative"),
    ("full_negative", lambda m: m.jnp.full((-3,), 1.0), r"-3|negative|nonnegative"),
    ("ones_float_shape", lambda m: m.jnp.ones(3.5), r"3\.5|integer"),
    ("zeros_float_shape_tuple", lambda m: m.jnp.zeros((2, 1.5)), r"1\.5|integer"),
    ("empty_str_shape", lambda m: m.jnp.zeros("ab"), r"integer|ab|shape"),
    ("ones_bad_dtype", lambda m: m.jnp.ones(3, dtype="strange"), r"strange|dtype"),
    ("full_shape_mismatch", lambda m: m.jnp.full((2, 3), m.jnp.ones(4)), r"broadcast|\(4,\)|shape"),
    ("arange_zero_step", lambda m: m.jnp.arange(0, 5, 0), r"step|zero|division"),
    ("eye_negative", lambda m: m.jnp.eye(-2), r"-2|negative|nonnegative"),
    (
        "linspace_negative",
        lambda m: m.jnp.linspace(0.0, 1.0, -1),
        r"-1|negative|nonnegative|Number of samples",
    ),
    ("asarray_string", lambda m: m.jnp.asarray("abc"), r"str|abc|type"),
    (
        "asarray_ragged",
        lambda m: m.jnp.asarray([[1, 2], [3]]),
        r"inhomogeneous|ragged|sequence|shape",
    ),
    ("asarray_object", lambda m: m.jnp.asarray(object()), r"object|type"),
    ("device_put_str", lambda m: m.api.device_put("abc"), r"abc|str|valid"),
    ("array_dict", lambda m: m.jnp.array({"a": 1}), r"dict|type|object"),
    ("sin_of_string", lambda m: m.jnp.sin("abc"), r"str|abc|type|valid"),
    ("add_list", lambda m: m.lax.add([1.0], [2.0]), r"list|array|type|valid"),
    # ---- indexing
    ("index_too_many", lambda m: _ones(m, 3)[0, 0], r"[Tt]oo many indices"),
    ("index_float", lambda m: _ones(m, 3)[1.5], r"float|integer|index"),
    ("index_string", lambda m: _ones(m, 3)["a"], r"str|index|integer"),
    ("index_two_ellipsis", lambda m: _ones(m, 3, 3)[..., ...], r"[Ee]llipsis|\.\.\."),
    (
        "index_bool_mask_shape",
        lambda m: _ones(m, 3)[np.array([True, False])],
        r"mask|shape|boolean",
    ),
    ("index_float_array", lambda m: _ones(m, 3)[np.array([0.5])], r"float|integer|index"),
    ("index_scalar_array", lambda m: _ones(m)[0], r"[Tt]oo many indices|0-d|scalar"),
    ("at_set_too_many", lambda m: _ones(m, 3).at[0, 1].set(2.0), r"[Tt]oo many indices"),
    ("at_set_float_index", lambda m: _ones(m, 3).at[1.5].set(2.0), r"float|integer|index"),
    ("at_set_shape", lambda m: _ones(m, 3).at[0:2].set(_ones(m, 3)), r"shape|broadcast"),
    ("at_unknown_method", lambda m: _ones(m, 3).at[0].frobnicate(1.0), r"frobnicate"),
    (
        "lax_dynamic_slice_rank",
        lambda m: m.lax.dynamic_slice(_ones(m, 3, 3), (0,), (1, 1)),
        r"start|indices|operand|rank",
    ),
    (
        "lax_dynamic_slice_size",
        lambda m: m.lax.dynamic_slice(_ones(m, 3), (0,), (4,)),
        r"slice|size|4|3",
    ),
    (
        "lax_dynamic_update_slice_rank",
        lambda m: m.lax.dynamic_update_slice(_ones(m, 3), _ones(m, 1, 1), (0,)),
        r"update|rank|shape",
    ),
    ("lax_slice_bad", lambda m: m.lax.slice(_ones(m, 3), (0,), (4,)), r"limit|slice|4|3"),
    (
        "lax_gather_bad_dims",
        lambda m: m.lax.gather(
            _ones(m, 3),
            m.jnp.zeros((1, 1), np.int32),
            m.lax.GatherDimensionNumbers(
                offset_dims=(), collapsed_slice_dims=(5,), start_index_map=(0,)
            ),
            (1,),
        ),
        r"collapsed|dimension|5",
    ),
    (
        "lax_scatter_bad_dims",
        lambda m: m.lax.scatter(
            _ones(m, 3),
            m.jnp.zeros((1, 1), np.int32),
            _ones(m, 1),
            m.lax.ScatterDimensionNumbers(
                update_window_dims=(), inserted_window_dims=(7,), scatter_dims_to_operand_dims=(0,)
            ),
        ),
        r"inserted|dimension|7",
    ),
    # ---- pytrees and transformations' arguments
    ("grad_not_callable", lambda m: m.api.grad(3)(1.0), r"callable"),
    ("jit_not_callable", lambda m: m.api.jit(3), r"callable"),
    ("vmap_not_callable", lambda m: m.api.vmap(3)(_ones(m, 2)), r"callable"),
    ("jvp_not_callable", lambda m: m.api.jvp(3, (1.0,), (1.0,)), r"callable"),
    ("vjp_not_callable", lambda m: m.api.vjp(3, 1.0), r"callable"),
    ("grad_nonscalar", lambda m: m.api.grad(lambda x: x)(_ones(m, 3)), r"scalar"),
    ("grad_int_input", lambda m: m.api.grad(lambda x: x * 2)(3), r"int32|integer"),
    (
        "grad_int_output",
        lambda m: m.api.grad(lambda x: m.jnp.int32(1) + m.jnp.int32(x))(1.0),
        r"int32|real|float",
    ),
    ("grad_complex_output", lambda m: m.api.grad(lambda x: x * 1j)(1.0), r"complex|holomorphic"),
    (
        "grad_holomorphic_real",
        lambda m: m.api.grad(lambda x: x, holomorphic=True)(1.0),
        r"holomorphic|complex",
    ),
    (
        "grad_argnums_range",
        lambda m: m.api.grad(lambda x: x, argnums=1)(1.0),
        r"argnums|1|positional",
    ),
    (
        "grad_has_aux_not_pair",
        lambda m: m.api.grad(lambda x: x, has_aux=True)(1.0),
        r"pair|aux|tuple",
    ),
    (
        "value_and_grad_nonscalar",
        lambda m: m.api.value_and_grad(lambda x: x)(_ones(m, 2)),
        r"scalar",
    ),
    ("jvp_tree_mismatch", lambda m: m.api.jvp(m.jnp.sin, (1.0,), (1.0, 2.0)), r"tree structure"),
    ("jvp_not_tuple", lambda m: m.api.jvp(m.jnp.sin, 1.0, 1.0), r"tuples or lists"),
    (
        "jvp_dtype_mismatch",
        lambda m: m.api.jvp(m.jnp.sin, (_ones(m, 2),), (m.jnp.ones(2, np.float16),)),
        r"dtype",
    ),
    (
        "jvp_shape_mismatch",
        lambda m: m.api.jvp(m.jnp.sin, (_ones(m, 2),), (_ones(m, 3),)),
        r"shape",
    ),
    (
        "jvp_int_primal_float_tangent",
        lambda m: m.api.jvp(lambda x: x, (1,), (1.0,)),
        r"float0|dtype",
    ),
    (
        "vjp_ct_shape",
        lambda m: m.api.vjp(m.jnp.sin, _ones(m, 3))[1](_ones(m, 2)),
        r"shape|\(3,\)|\(2,\)",
    ),
    (
        "vjp_ct_tree",
        lambda m: m.api.vjp(m.jnp.sin, _ones(m, 3))[1]((_ones(m, 3), _ones(m, 3))),
        r"tree|structure",
    ),
    (
        "vjp_ct_dtype",
        lambda m: m.api.vjp(m.jnp.sin, _ones(m, 3))[1](m.jnp.ones(3, np.int32)),
        r"dtype|int32|float32",
    ),
    (
        "linear_transpose_ct_shape",
        lambda m: m.api.linear_transpose(lambda x: 2 * x, _ones(m, 3))(_ones(m, 2)),
        r"cotangent|shape|\(2,\)",
    ),
    (
        "linear_transpose_ct_tree",
        lambda m: m.api.linear_transpose(lambda x: 2 * x, _ones(m, 3))((_ones(m, 3),) * 2),
        r"cotangent|tree|structure",
    ),
    (
        "tree_map_mismatch",
        lambda m: m.api.tree_util.tree_map(lambda a, b: a, (1, 2), (1,)),
        r"tuple|arity|structure|length|mismatch|2.*1",
    ),
    (
        "tree_unflatten_count",
        lambda m: m.api.tree_util.tree_unflatten(m.api.tree_util.tree_structure((1, 2)), [1]),
        r"leaves|2|1",
    ),
    ("jacfwd_int_input", lambda m: m.api.jacfwd(lambda x: x)(1), r"int32|integer|real"),
    ("jacrev_int_input", lambda m: m.api.jacrev(lambda x: x)(1), r"int32|integer|real"),
    ("hessian_int_input", lambda m: m.api.hessian(lambda x: x * x)(2), r"int32|integer|real"),
    # ---- vmap axes
    (
        "vmap_in_axes_str",
        lambda m: m.api.vmap(m.jnp.sin, in_axes="x")(_ones(m, 3)),
        r"in_axes|'x'|x",
    ),
    (
        "vmap_in_axes_range",
        lambda m: m.api.vmap(m.jnp.sin, in_axes=1)(_ones(m, 3)),
        r"axis 1|out of bounds|rank|ndim|dimension",
    ),
    (
        "vmap_in_axes_neg_range",
        lambda m: m.api.vmap(m.jnp.sin, in_axes=-2)(_ones(m, 3)),
        r"-2|out of bounds|rank|ndim|dimension",
    ),
    (
        "vmap_sizes_differ",
        lambda m: m.api.vmap(m.jnp.add)(_ones(m, 3), _ones(m, 4)),
        r"sizes|size|3.*4",
    ),
    (
        "vmap_scalar_arg",
        lambda m: m.api.vmap(m.jnp.sin)(1.0),
        r"rank|0-d|scalar|axis|dimension|ndim",
    ),
    (
        "vmap_in_axes_len",
        lambda m: m.api.vmap(m.jnp.add, in_axes=(0, 0, 0))(_ones(m, 3), _ones(m, 3)),
        r"in_axes|length|3.*2|2.*3|prefix|positional",
    ),
    (
        "vmap_all_none",
        lambda m: m.api.vmap(m.jnp.sin, in_axes=None)(_ones(m, 3)),
        r"axis_size|at least one|None",
    ),
    (
        "vmap_out_axes_range",
        lambda m: m.api.vmap(m.jnp.sin, out_axes=2)(_ones(m, 3)),
        r"out_axes|2|out of bounds|range",
    ),
    (
        "vmap_in_axes_float",
        lambda m: m.api.vmap(m.jnp.sin, in_axes=0.5)(_ones(m, 3)),
        r"in_axes|0\.5|int",
    ),
    ("vmap_no_args", lambda m: m.api.vmap(lambda: 1.0)(), r"argument|axis_size|at least one"),
    # ---- jit and static arguments
    (
        "jit_static_argnums_range",
        lambda m: m.api.jit(lambda x: x, static_argnums=1)(1.0),
        r"static_argnums|positional",
    ),
    (
        "jit_unhashable_static",
        lambda m: m.api.jit(lambda x, y: x, static_argnums=1)(1.0, [1]),
        r"hashable|list",
    ),
    (
        "jit_bool_tracer",
        lambda m: m.api.jit(lambda x: 1 if x > 0 else 2)(1.0),
        r"bool|concrete|Abstract|traced",
    ),
    ("jit_int_tracer", lambda m: m.api.jit(lambda x: int(x))(1.0), r"int|concrete|Abstract|traced"),
    (
        "jit_float_tracer",
        lambda m: m.api.jit(lambda x: float(x))(1.0),
        r"float|concrete|Abstract|traced",
    ),
    (
        "jit_numpy_tracer",
        lambda m: m.api.jit(lambda x: np.asarray(x))(1.0),
        r"numpy|array|concrete|Abstract|traced",
    ),
    (
        "jit_range_tracer",
        lambda m: m.api.jit(lambda n: m.jnp.arange(n))(3),
        r"concrete|Abstract|traced|arange",
    ),
    (
        "jit_index_tracer",
        lambda m: m.api.jit(lambda i: [1, 2, 3][i])(1),
        r"index|concrete|Abstract|traced|__index__",
    ),
    (
        "jit_shape_from_tracer",
        lambda m: m.api.jit(lambda n: m.jnp.zeros(n))(3),
        r"concrete|Abstract|traced|[Ss]hape",
    ),
    (
        "jit_item_tracer",
        lambda m: m.api.jit(lambda x: x.item())(1.0),
        r"concrete|Abstract|traced|item",
    ),
    ("leaked_tracer_eager", lambda m: m.jnp.sin(_leak(m)), r"[Uu]nexpected tracer|leak"),
    (
        "leaked_tracer_jit",
        lambda m: (lambda t: m.api.jit(lambda y: y + t)(1.0))(_leak(m)),
        r"[Uu]nexpected tracer|leak",
    ),
    (
        "leaked_tracer_grad",
        lambda m: (lambda t: m.api.grad(lambda y: y * t)(1.0))(_leak(m)),
        r"[Uu]nexpected tracer|leak",
    ),
    (
        "leaked_tracer_vmap",
        lambda m: (lambda t: m.api.vmap(lambda y: y * t)(_ones(m, 2)))(_leak(m)),
        r"[Uu]nexpected tracer|leak",
    ),
    ("len_scalar", lambda m: len(_ones(m)), r"len\(\)|unsized"),
    ("iter_scalar", lambda m: list(iter(_ones(m))), r"iteration|0-d"),
    ("bool_array", lambda m: bool(_ones(m, 2)), r"ambiguous"),
    ("hash_array", lambda m: hash(_ones(m, 2)), r"unhashable"),
    # ---- control flow carries and branches
    (
        "while_int_carry_float_body",
        lambda m: m.lax.while_loop(lambda c: c < 3, lambda c: c + 1.5, m.jnp.int32(0)),
        r"int32.*float32|float32.*int32",
    ),
    (
        "fori_int_carry_float_body",
        lambda m: m.lax.fori_loop(0, 3, lambda i, c: c + 0.5, m.jnp.int32(0)),
        r"int32.*float32|float32.*int32",
    ),
    (
        "while_shape_change",
        lambda m: m.lax.while_loop(
            lambda c: c[0] < 3, lambda c: m.jnp.concatenate([c, c]), _ones(m, 2)
        ),
        r"shape|float32\[2\]|float32\[4\]",
    ),
    (
        "while_structure_change",
        lambda m: m.lax.while_loop(lambda c: c < 3, lambda c: (c, c), 0.0),
        r"structure|tuple|PyTreeDef",
    ),
    (
        "while_cond_not_bool",
        lambda m: m.lax.while_loop(lambda c: c, lambda c: c - 1, 3.0),
        r"bool|boolean",
    ),
    (
        "while_cond_not_scalar",
        lambda m: m.lax.while_loop(lambda c: c > 0, lambda c: c - 1, _ones(m, 2)),
        r"scalar|bool\[2\]|shape",
    ),
    (
        "while_f16_carry_f32_body",
        lambda m: m.lax.while_loop(lambda c: c < 3, lambda c: c + _ones(m), m.jnp.float16(0)),
        r"float16.*float32|float32.*float16",
    ),
    (
        "cond_branch_types",
        lambda m: m.lax.cond(True, lambda: _ones(m, 2), lambda: _ones(m, 3)),
        r"branch|shape|float32\[2\]|float32\[3\]",
    ),
    (
        "cond_branch_dtypes",
        lambda m: m.lax.cond(True, lambda: _ones(m, 2), lambda: m.jnp.ones(2, np.int32)),
        r"branch|dtype|int32",
    ),
    (
        "cond_branch_structure",
        lambda m: m.lax.cond(True, lambda: (1.0, 2.0), lambda: 1.0),
        r"branch|structure|tuple|PyTreeDef",
    ),
    (
        "cond_pred_shape",
        lambda m: m.lax.cond(_ones(m, 2) > 0, lambda: 1.0, lambda: 2.0),
        r"scalar|[Pp]red|shape",
    ),
    (
        "cond_pred_string",
        lambda m: m.lax.cond("yes", lambda: 1.0, lambda: 2.0),
        r"str|[Pp]red|type|valid",
    ),
    ("switch_no_branches", lambda m: m.lax.switch(0, []), r"branch"),
    (
        "switch_branch_types",
        lambda m: m.lax.switch(0, [lambda: 1.0, lambda: _ones(m, 2)]),
        r"branch|shape|float32",
    ),
    (
        "switch_index_float",
        lambda m: m.lax.switch(0.5, [lambda: 1.0, lambda: 2.0]),
        r"index|integer|float",
    ),
    (
        "fori_structure_change",
        lambda m: m.lax.fori_loop(0, 2, lambda i, c: (c, c), 1.0),
        r"structure|tuple|PyTreeDef",
    ),
    # ---- custom rules
    ("custom_jvp_no_rule", lambda m: m.api.custom_jvp(lambda x: x)(1.0), r"defjvp|JVP"),
    ("custom_vjp_no_rule", lambda m: m.api.custom_vjp(lambda x: x)(1.0), r"defvjp|VJP"),
    (
        "custom_jvp_rule_not_pair",
        lambda m: m.api.jvp(_cjvp_rule(m, lambda p, t: p[0]), (1.0,), (1.0,)),
        r"pair",
    ),
    (
        "custom_jvp_int_tangent",
        lambda m: m.api.jvp(
            _cjvp_rule(m, lambda p, t: (m.jnp.sin(p[0]), m.jnp.int32(1))), (1.0,), (1.0,)
        ),
        r"int32",
    ),
    (
        "custom_jvp_tangent_shape",
        lambda m: m.api.jvp(
            _cjvp_rule(m, lambda p, t: (m.jnp.sin(p[0]), _ones(m, 3))),
            (_ones(m, 2),),
            (_ones(m, 2),),
        ),
        r"float32\[3\]|shape",
    ),
    (
        "custom_jvp_tree_mismatch",
        lambda m: m.api.jvp(
            _cjvp_rule(m, lambda p, t: (m.jnp.sin(p[0]), (t[0], t[0]))), (1.0,), (1.0,)
        ),
        r"structure|tree",
    ),
    (
        "custom_vjp_jvp",
        lambda m: m.api.jvp(
            _cvjp(m, lambda x: (m.jnp.sin(x), x), lambda r, g: (g,)), (1.0,), (1.0,)
        ),
        r"forward-mode|jvp",
    ),
    (
        "custom_vjp_fwd_not_pair",
        lambda m: m.api.grad(_cvjp(m, lambda x: m.jnp.sin(x), lambda r, g: (g,)))(1.0),
        r"pair|fwd",
    ),
    (
        "custom_vjp_bwd_wrong_len",
        lambda m: m.api.grad(_cvjp(m, lambda x: (m.jnp.sin(x), x), lambda r, g: (g, g)))(1.0),
        r"bwd|one|per|tuple|length|1",
    ),
    (
        "custom_vjp_bwd_not_tuple",
        lambda m: m.api.grad(_cvjp(m, lambda x: (m.jnp.sin(x), x), lambda r, g: g))(1.0),
        r"bwd|tuple",
    ),
    (
        "custom_vjp_bwd_shape",
        lambda m: m.api.grad(
            lambda x: m.jnp.sum(
                _cvjp(m, lambda x: (m.jnp.sin(x), x), lambda r, g: (_ones(m, 3),))(x)
            )
        )(_ones(m, 2)),
        r"float32\[3\]|shape",
    ),
    (
        "custom_vjp_fwd_structure",
        lambda m: m.api.grad(_cvjp(m, lambda x: ((x, x), x), lambda r, g: (g,)))(1.0),
        r"structure|tree",
    ),
    # ---- random
    ("random_key_float", lambda m: m.random.PRNGKey(1.5), r"1\.5|integer|float|seed"),
    (
        "random_normal_bad_shape",
        lambda m: m.random.normal(m.random.PRNGKey(0), (-1,)),
        r"-1|negative|nonnegative|shape",
    ),
    ("random_uniform_bad_key", lambda m: m.random.uniform(_ones(m, 3)), r"key|uint32|PRNG"),
    ("random_split_bad_key", lambda m: m.random.split(_ones(m, 5)), r"key|uint32|PRNG"),
    # ---- numerics-level API
    (
        "round_int_neg_decimals",
        lambda m: m.jnp.round(m.jnp.ones(2, np.int32), -1),
        r"decimals|integer",
    ),
    (
        "integer_pow_float_exponent",
        lambda m: m.lax.integer_pow(_ones(m, 2), 1.5),
        r"integer|float|index",
    ),
    ("power_int_negative", lambda m: m.lax.integer_pow(m.jnp.int32(2), -1), r"negative|int32"),
]

# jax raises an internal exception (not part of its API) for these; mlax's
# type is given instead.
INTERNAL = {
    "linear_transpose_sin": (
        lambda m: m.api.linear_transpose(m.jnp.sin, 1.0)(1.0),
        mlax.TransformationError,
        r"mlax\.sine.*not linear",
    ),
    "linear_transpose_square": (
        lambda m: m.api.linear_transpose(lambda x: x * x, 1.0)(1.0),
        mlax.TransformationError,
        r"multiply.*not linear",
    ),
    "linear_transpose_exp": (
        lambda m: m.api.linear_transpose(m.jnp.exp, 1.0)(1.0),
        mlax.TransformationError,
        r"exponential.*not linear",
    ),
}

_FORBIDDEN = ("MLIRError", "JaxRuntimeError", "XlaRuntimeError")


def _builtin_base(cls: type) -> type:
    for c in cls.__mro__:
        if c.__module__ == "builtins":
            return c
    return Exception


def _raised(code, ns):
    try:
        code(ns)
    except Exception as e:  # noqa: BLE001 - every exception is compared
        return e
    return None


@pytest.mark.parametrize("name,code,pattern", CASES, ids=[c[0] for c in CASES])
def test_error_matches_jax(name, code, pattern):
    want = _raised(code, JAX)
    assert want is not None, f"{name}: jax does not raise; not a bad input"
    got = _raised(code, MLAX)
    assert got is not None, f"{name}: mlax returned a value where jax raises {want!r}"
    assert type(got).__name__ not in _FORBIDDEN, f"{name}: leaked {type(got).__name__}: {got}"
    # Where jax itself leaks a compiler error, mlax must raise a user error.
    base = (
        (TypeError, ValueError) if type(want).__name__ in _FORBIDDEN else _builtin_base(type(want))
    )
    assert isinstance(got, base), (
        f"{name}: jax raises {type(want).__name__} ({base}), mlax {type(got).__name__}: {got}"
    )
    if type(want).__module__.startswith("jax") and type(want).__name__ not in _FORBIDDEN:
        # jax's own class: mlax's class of that name (or a subclass of it).
        names = [c.__name__ for c in type(got).__mro__]
        assert type(want).__name__ in names, (name, type(want), type(got))
    assert re.search(pattern, str(got)), f"{name}: message {str(got)!r} !~ {pattern!r}"


@pytest.mark.parametrize("name", sorted(INTERNAL))
def test_error_where_jax_fails_internally(name):
    code, cls, pattern = INTERNAL[name]
    assert _raised(code, JAX) is not None
    got = _raised(code, MLAX)
    assert isinstance(got, cls), (name, got)
    assert re.search(pattern, str(got)), str(got)


def test_catalogue_size():
    assert len(CASES) + len(INTERNAL) >= 150
