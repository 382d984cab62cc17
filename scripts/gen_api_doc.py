"""Writes docs/api.md from the public names of mlax's modules
(`python scripts/gen_api_doc.py`); test_api_doc checks that it is current."""

from __future__ import annotations

import pathlib
import sys
import types

HEADER = """# API coverage

What exists today, generated from the modules by `scripts/gen_api_doc.py`
(test/python/test_api_doc.py fails when it is stale). Each function is tested
against jax in test/python/ (values over several shapes and dtypes; jvp, grad
and vmap for the differentiable ones).
"""

FOOTER = """
## Arrays

`mlax.Array` (and traced values) support JAX's operators, `.T`, `.shape`,
`.dtype`, `.ndim`, `.size`, `.real`, `.imag`, `.mT`, `.nbytes`, `astype`, `item`,
`reshape`, `sum`/`mean`/`max`/`argmax`/`clip`/`cumsum`/`take`/`nonzero`/...
methods, `__array__`, printing as JAX does, and indexing: integers, slices
with steps, `None`, `...`, integer arrays (one gather; JAX's placement of the
broadcast index dimensions) and static boolean masks. Functional updates:
`x.at[idx].set / add / subtract / multiply / mul / divide / min / max / get`
with `mode` (`"clip"`, `"fill"`/`"drop"`, `"promise_in_bounds"`) and
`fill_value`; repeated indices accumulate (add, multiply, min, max) and
out-of-bounds updates are dropped, as in JAX; `.apply` and `.power` too.
"""

SECTIONS = [
    "mlax",
    "mlax.numpy",
    "mlax.numpy.linalg",
    "mlax.numpy.fft",
    "mlax.lax",
    "mlax.lax.linalg",
    "mlax.random",
    "mlax.nn",
    "mlax.nn.initializers",
    "mlax.scipy.linalg",
    "mlax.scipy.optimize",
    "mlax.scipy.special",
    "mlax.scipy.stats",
    "mlax.tree_util",
    "mlax.flatten_util",
    "mlax.image",
    "mlax.ops",
    "mlax.custom_derivatives",
    "mlax.experimental",
    "mlax.experimental.ode",
]
# Modules whose public names include submodules (the distributions).
WITH_SUBMODULES = ("mlax", "mlax.scipy.stats")


def public_names(module) -> list[str]:
    if hasattr(module, "__all__"):
        return sorted(module.__all__, key=lambda n: (n.lower(), n))
    names = []
    for name in dir(module):
        if name.startswith("_"):
            continue
        value = getattr(module, name)
        if isinstance(value, types.ModuleType) and module.__name__ not in WITH_SUBMODULES:
            continue
        names.append(name)
    return sorted(names, key=lambda n: (n.lower(), n))


def render() -> str:
    import importlib

    out = [HEADER]
    for section in SECTIONS:
        module = importlib.import_module(section)
        out.append(f"## {section}\n")
        out.append(", ".join(f"`{n}`" for n in public_names(module)) + "\n")
    out.append(FOOTER)
    return "\n".join(out)


def main() -> None:
    path = pathlib.Path(__file__).resolve().parent.parent / "docs" / "api.md"
    path.write_text(render())
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
