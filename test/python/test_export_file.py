"""The lit file that uses every op exports to StableHLO that PJRT compiles and
runs; and the mlax-opt/mlax-translate tools are installed with the package."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from mlax._src import mlir, runtime
from mlax.mlir import ir

OPS_FILE = os.path.join(os.path.dirname(__file__), "..", "Dialect", "ops.mlir")


def _compile_ops_file():
    with open(OPS_FILE) as f:
        module = ir.Module.parse(f.read(), mlir.context())
    text = mlir.export_stablehlo(module)
    assert "mlax." not in text
    return runtime.compile(text, num_outputs=1)


@pytest.mark.parametrize("branch", [0, 1, 7])
def test_every_op_exports_compiles_and_runs(rng, branch):
    exe = _compile_ops_file()
    x = rng.normal(size=(2, 3)).astype(np.float32)
    y = rng.normal(size=(2, 3)).astype(np.float32)
    args = [
        x,
        y,
        np.arange(6, dtype=np.int32).reshape(2, 3),
        x > 0,
        rng.normal(size=(3, 4)).astype(np.float32),
        np.int32(branch),
        np.array([1 + 2j, 3 - 1j], np.complex64),
    ]
    (out,) = exe.execute([runtime.to_device(np.asarray(a)) for a in args])
    # mlax.case runs branch `index`, and the last branch when out of range.
    np.testing.assert_array_equal(runtime.to_host(out), x if branch == 0 else y)


def test_module_with_errors_is_not_exported():
    ctx = mlir.context()
    with ctx, ir.Location.unknown():
        module = ir.Module.create()
        f32 = ir.F32Type.get()
        t2, t3 = ir.RankedTensorType.get([2], f32), ir.RankedTensorType.get([3], f32)
        from mlax.mlir.dialects import func

        with ir.InsertionPoint(module.body):
            fn = func.FuncOp("main", ir.FunctionType.get([t2], [t2]))
        block = fn.add_entry_block()
        with ir.InsertionPoint(block):
            ir.Operation.create("mlax.negate", results=[t3], operands=[block.arguments[0]])
            func.ReturnOp([block.arguments[0]])
    with pytest.raises(ValueError, match="could not be exported"):
        mlir.export_stablehlo(module)


@pytest.mark.parametrize("tool", ["mlax-opt", "mlax-translate"])
def test_tools_installed_next_to_python(tool):
    path = os.path.join(os.path.dirname(sys.executable), tool)
    assert os.path.exists(path) or shutil.which(tool), f"{tool} not installed"
    path = path if os.path.exists(path) else shutil.which(tool)
    out = subprocess.run([path, "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    flag = "--mlax-to-stablehlo" if tool == "mlax-translate" else "--canonicalize"
    assert flag in out.stdout
