"""Ops carry the user's source line: C++ diagnostics and concretization
errors point at the user's code, and make_mlir can print the locations."""

import inspect

import mlax
import mlax.numpy as jnp
import pytest

HERE = __file__


def _line_of(marker: str) -> int:
    for i, line in enumerate(inspect.getsource(inspect.getmodule(_line_of)).splitlines(), 1):
        if marker in line and "_line_of" not in line:
            return i
    raise AssertionError(marker)


def test_transformation_diagnostics_name_the_users_line():
    @mlax.custom_jvp
    def f(x):
        return jnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), t * t  # MARK-NONLINEAR

    with pytest.raises(mlax.TransformationError) as e:
        mlax.grad(f)(1.0)
    msg = str(e.value)
    first = msg.splitlines()[0]
    assert first.startswith(
        f"{HERE}:{_line_of('MARK-NONLINEAR')}: error: 'mlax.multiply' op is "
        "not linear in its tangent operands"
    )
    assert "see current operation" not in msg


def test_concretization_error_names_the_users_line():
    @mlax.jit
    def f(x):
        if x > 0:  # MARK-BRANCH
            return x
        return -x

    with pytest.raises(
        mlax.ConcretizationTypeError,
        match=rf"\(at {HERE}:{_line_of('MARK-BRANCH')}\)\. Inside mlax.jit",
    ):
        f(1.0)


def test_make_mlir_prints_locations():
    def g(x):
        y = jnp.sin(x)  # MARK-SIN
        return y * 2

    text = mlax.make_mlir(g, optimize=False)(1.0).as_text(debug_info=True)
    sin_line = [line for line in text.splitlines() if "mlax.sine" in line][0]
    assert f'loc("{HERE}":{_line_of("MARK-SIN")}:0)' in sin_line or "loc(#loc" in sin_line
    assert f'"{HERE}":{_line_of("MARK-SIN")}' in text
    # Without debug info the text (and the executable cache key) has none.
    assert HERE not in mlax.make_mlir(g)(1.0).as_text()
