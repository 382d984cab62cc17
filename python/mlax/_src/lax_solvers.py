"""lax.custom_root and lax.custom_linear_solve on mlax's custom_jvp.

The user's functions close over the values they are differentiated with
respect to; each is traced once into a private function whose captured
tracers become explicit arguments (closure conversion), so that the
custom_jvp sees them as inputs and its rule can differentiate them:

* custom_root: the solution's tangent comes from implicit differentiation,
  -tangent_solve(df/dx, df/dparams . params_dot) at the solution; `solve`
  itself is never differentiated.
* custom_linear_solve: x_dot = solve(matvec, b_dot - dmatvec/dparams(x)).
  Reverse mode transposes that tangent map, i.e. the `solve` function (so
  it must be transposable: direct solves, fori_loop, while_loop with
  max_steps); `transpose_solve` and `symmetric` are checked but not used.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from mlax._src import core, lax, tree_util
from mlax._src.autodiff import _differentiable, _emit_call
from mlax._src.core import aval_of


def _closure_convert(fun: Callable, *example_args):
    """(converted, consts, out_tree): converted(*args, *consts) == fun(*args),
    with the outer tracers `fun` closes over passed as `consts` (call it
    inside a trace)."""
    flat, tree = tree_util.tree_flatten(example_args)
    avals = [aval_of(x) for x in flat]
    name = getattr(fun, "__name__", "fn").strip("<>")
    tf = core.trace_subfunction(lambda *xs: fun(*tree_util.tree_unflatten(tree, xs)), avals, name)
    n_args = len(example_args)

    def converted(*args_and_consts):
        leaves = tree_util.tree_leaves(args_and_consts[:n_args])
        outs = _emit_call(tf, list(leaves) + list(args_and_consts[n_args:]), with_captures=False)
        return tree_util.tree_unflatten(tf.out_tree, outs)

    return converted, list(tf.captures), tf.out_tree


def _checked(fun: Callable, name: str, expected_name: str, expected: Any, has_aux: bool = False):
    """fun, checking that its output (or output[0] with has_aux) has the
    tree structure, shapes and dtypes of `expected`, with JAX's TypeErrors."""
    exp_leaves, exp_tree = tree_util.tree_flatten(expected)

    def g(*args):
        y = fun(*args)
        out = y
        if has_aux:
            if not (isinstance(y, (tuple, list)) and len(y) == 2):
                raise TypeError(
                    f"{name}() produced {type(y).__name__}, but a pair of output "
                    "pytree and auxiliary data was expected (has_aux=True)."
                )
            out = y[0]
        leaves, tree = tree_util.tree_flatten(out)
        if tree != exp_tree:
            raise TypeError(
                f"{name}() output pytree structure must match {expected_name}, "
                f"got {tree} and {exp_tree}."
            )
        _check_avals(name, expected_name, leaves, exp_leaves)
        return y

    return g


def _check_avals(func_name, expected_name, outs, expected):
    for o, e in zip(outs, expected):
        ao, ae = aval_of(o), aval_of(e)
        if (ao.shape, ao.dtype) != (ae.shape, ae.dtype):
            raise TypeError(
                f"{func_name}() output shapes must match {expected_name}, got "
                f"{[aval_of(x).str_short() for x in outs]} and "
                f"{[aval_of(x).str_short() for x in expected]}"
            )


def _zeros(x):
    a = aval_of(x)
    return lax.broadcast_in_dim(np.zeros((), a.dtype), a.shape, ())


def _jvp_wrt(fun: Callable, consts: list, const_dots: list, *fixed):
    """The tangent of fun(*fixed, *consts) for tangents of the
    differentiable consts (None when there are none)."""
    from mlax._src.autodiff import jvp

    diff = [i for i, c in enumerate(consts) if _differentiable(aval_of(c).dtype)]
    if not diff:
        return None

    def of_diff(*dc):
        full = list(consts)
        for i, v in zip(diff, dc):
            full[i] = v
        return fun(*fixed, *full)

    _, out_dot = jvp(of_diff, tuple(consts[i] for i in diff), tuple(const_dots[i] for i in diff))
    return out_dot


def _in_trace(fun: Callable, *args):
    """fun(*args) inside a trace (a jit when called eagerly), so that the
    closure conversion has one to trace into."""
    if core.current_trace() is not None:
        return fun(*args)
    from mlax._src.api import jit

    return jit(fun)(*args)


def custom_root(
    f: Callable, initial_guess: Any, solve: Callable, tangent_solve: Callable, has_aux=False
):
    """A root of `f` found by `solve(f, initial_guess)`, differentiated
    implicitly: the derivative uses `tangent_solve(g, y)` (solving the
    linear `g(x) = y`, g being f linearized at the root) instead of
    differentiating `solve`. With has_aux, solve returns (root, aux)."""
    return _in_trace(lambda g: _custom_root(f, g, solve, tangent_solve, has_aux), initial_guess)


def _custom_root(f, initial_guess, solve, tangent_solve, has_aux):
    from mlax._src.autodiff import jvp
    from mlax._src.custom_derivatives import custom_jvp

    guess_flat, guess_tree = tree_util.tree_flatten(initial_guess)
    f_conv, f_consts, _ = _closure_convert(
        _checked(f, "f", "initial_guess", initial_guess), initial_guess
    )
    s_conv, s_consts, s_tree = _closure_convert(
        _checked(lambda x: solve(f, x), "solve", "initial_guess", initial_guess, has_aux),
        initial_guess,
    )

    def linearize_and_solve(x, b):
        return tangent_solve(lambda v: jvp(f, (x,), (v,))[1], b)

    ls_conv, ls_consts, _ = _closure_convert(
        _checked(linearize_and_solve, "tangent_solve", "x", initial_guess),
        initial_guess,
        initial_guess,
    )
    nf, ns, nl = len(f_consts), len(s_consts), len(ls_consts)
    n_x = len(guess_flat)

    def root_fn(*args):
        guess = tree_util.tree_unflatten(guess_tree, args[nf + ns + nl :])
        return tree_util.tree_leaves(s_conv(guess, *args[nf : nf + ns]))

    root_fn.__name__ = "custom_root"
    root = custom_jvp(root_fn)

    @root.defjvp
    def _root_jvp(primals, tangents):
        # f(params, x*(params)) = 0 gives dx* = -(df/dx)^-1 (df/dparams . dparams)
        sol = root(*primals)
        x = tree_util.tree_unflatten(guess_tree, sol[:n_x])
        f_c, ls_c = list(primals[:nf]), list(primals[nf + ns : nf + ns + nl])
        rhs = _jvp_wrt(f_conv, f_c, list(tangents[:nf]), x)
        if rhs is None:
            x_dot = [_zeros(v) for v in sol[:n_x]]
        else:
            x_dot = [lax.neg(v) for v in tree_util.tree_leaves(ls_conv(x, rhs, *ls_c))]
        return sol, x_dot + [_zeros(v) for v in sol[n_x:]]

    flat = root(*f_consts, *s_consts, *ls_consts, *guess_flat)
    return tree_util.tree_unflatten(s_tree, flat)


def custom_linear_solve(
    matvec: Callable,
    b: Any,
    solve: Callable,
    transpose_solve: Callable | None = None,
    symmetric=False,
    has_aux=False,
):
    """x = solve(matvec, b), differentiated as the solution of the linear
    system matvec(x) = b: x_dot = solve(matvec, b_dot - matvec_dot(x)).
    With has_aux, solve returns (x, aux)."""
    return _in_trace(
        lambda bb: _custom_linear_solve(matvec, bb, solve, transpose_solve, symmetric, has_aux), b
    )


def _custom_linear_solve(matvec, b, solve, transpose_solve, symmetric, has_aux):
    from mlax._src.custom_derivatives import custom_jvp

    if transpose_solve is None and symmetric:
        transpose_solve = solve
    b_flat, b_tree = tree_util.tree_flatten(b)
    mv_conv, mv_consts, _ = _closure_convert(_checked(matvec, "matvec", "b", b), b)
    s_conv, s_consts, s_tree = _closure_convert(
        _checked(lambda v: solve(matvec, v), "solve", "b", b, has_aux), b
    )
    if transpose_solve is not None:
        if symmetric:
            vecmat = matvec
        else:
            from mlax._src.autodiff import linear_transpose

            def vecmat(v):
                (out,) = linear_transpose(matvec, b)(v)
                return out

        # Traced for its checks (structure, shapes), as JAX does.
        _closure_convert(
            _checked(lambda v: transpose_solve(vecmat, v), "transpose_solve", "b", b, has_aux), b
        )
    nm, ns = len(mv_consts), len(s_consts)
    n_x = len(b_flat)

    def solve_fn(*args):
        bb = tree_util.tree_unflatten(b_tree, args[nm + ns :])
        return tree_util.tree_leaves(s_conv(bb, *args[nm : nm + ns]))

    solve_fn.__name__ = "custom_linear_solve"
    lin = custom_jvp(solve_fn)

    @lin.defjvp
    def _lin_jvp(primals, tangents):
        sol = lin(*primals)
        x = tree_util.tree_unflatten(b_tree, sol[:n_x])
        b_dot = tree_util.tree_unflatten(b_tree, list(tangents[nm + ns :]))
        mv_dot = _jvp_wrt(mv_conv, list(primals[:nm]), list(tangents[:nm]), x)
        rhs = b_dot if mv_dot is None else tree_util.tree_map(lax.sub, b_dot, mv_dot)
        out = s_conv(rhs, *primals[nm : nm + ns])
        x_dot = tree_util.tree_leaves(out[0] if has_aux else out)
        return sol, list(x_dot) + [_zeros(v) for v in sol[n_x:]]

    flat = lin(*mv_consts, *s_consts, *b_flat)
    return tree_util.tree_unflatten(s_tree, flat)
