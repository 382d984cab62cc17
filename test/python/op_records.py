"""The op table the differential tests share (as JAX's lax_test_util
op_record): one row per lax op. Adding an elementwise op is one row here;
test_ops_jit (values), test_jvp, test_grad, test_vmap and test_check_grads
(finite differences) read it."""

from __future__ import annotations

from typing import NamedTuple


class OpRecord(NamedTuple):
    name: str  # the mlax.lax / jax.lax function
    nargs: int
    domain: str = "any"  # inputs for values: "any", "positive", "unit"
    grad_domain: str | None = None  # inputs for derivatives (default: domain)
    differentiable: bool = True
    complex_values: bool = False  # values also checked on complex64
    complex_jvp: bool = False  # jvp also checked on complex64
    low_precision: bool = True  # values also on float16 / bfloat16

    @property
    def derivative_domain(self) -> str:
        return self.grad_domain or self.domain


UNARY_RECORDS = [
    OpRecord("neg", 1, complex_values=True, complex_jvp=True),
    OpRecord("abs", 1, complex_values=True),
    OpRecord("sign", 1, complex_values=True),
    OpRecord("exp", 1, complex_values=True, complex_jvp=True),
    OpRecord("expm1", 1),
    OpRecord("log", 1, "positive", complex_values=True, complex_jvp=True),
    OpRecord("log1p", 1, "positive"),
    OpRecord("sqrt", 1, "positive", complex_values=True, complex_jvp=True),
    OpRecord("rsqrt", 1, "positive"),
    OpRecord("cbrt", 1, "any", grad_domain="positive"),
    OpRecord("sin", 1, complex_values=True, complex_jvp=True),
    OpRecord("cos", 1, complex_values=True, complex_jvp=True),
    OpRecord("tan", 1, "unit"),
    OpRecord("tanh", 1, complex_values=True, complex_jvp=True),
    OpRecord("sinh", 1, complex_values=True, complex_jvp=True),
    OpRecord("cosh", 1, complex_values=True, complex_jvp=True),
    OpRecord("logistic", 1),
    OpRecord("floor", 1),
    OpRecord("ceil", 1),
    OpRecord("erf", 1),
    OpRecord("erf_inv", 1, "unit"),
    OpRecord("is_finite", 1, differentiable=False),
]

BINARY_RECORDS = [
    OpRecord("add", 2),
    OpRecord("sub", 2),
    OpRecord("mul", 2),
    OpRecord("div", 2, "any", grad_domain="positive"),
    OpRecord("rem", 2, "any", grad_domain="positive"),
    OpRecord("pow", 2, "positive"),
    OpRecord("max", 2),
    OpRecord("min", 2),
    OpRecord("atan2", 2),
]

# name -> input domain, for the tests of derivatives.
UNARY = {r.name: r.derivative_domain for r in UNARY_RECORDS if r.differentiable}
BINARY = {r.name: r.derivative_domain for r in BINARY_RECORDS if r.differentiable}
