"""The JVP transformation through the Python bindings of its C API."""

import numpy as np
import pytest
from mlax._src import mlir, runtime
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as mlax_d

SRC = """
func.func @f(%x: tensor<3xf32>, %y: tensor<3xf32>) -> tensor<3xf32> {
  %0 = mlax.sine %x : tensor<3xf32>
  %1 = mlax.multiply %0, %y : tensor<3xf32>
  return %1 : tensor<3xf32>
}
"""


def test_build_jvp_function():
    module = ir.Module.parse(SRC, mlir.context())
    f = module.body.operations[0]
    jvp_fn = mlax_d.build_jvp_function(f.operation, [0], "f_jvp")
    assert jvp_fn.name == "func.func"
    text = str(module)
    assert (
        "func.func private @f_jvp(%arg0: tensor<3xf32>, %arg1: tensor<3xf32>, %arg2: tensor<3xf32>)"
        in text
    )
    assert "mlax.cosine" in text
    module.operation.verify()


def test_build_jvp_function_errors():
    ir.Module.parse(SRC, mlir.context())
    with pytest.raises(ValueError, match="could not be built"):
        # A function with a call cannot be differentiated directly.
        bad = ir.Module.parse(
            """
          func.func private @g(%x: tensor<f32>) -> tensor<f32> { return %x : tensor<f32> }
          func.func @h(%x: tensor<f32>) -> tensor<f32> {
            %0 = func.call @g(%x) : (tensor<f32>) -> tensor<f32>
            %1 = mlax.sine %0 : tensor<f32>
            return %1 : tensor<f32>
          }""",
            mlir.context(),
        )
        mlax_d.build_jvp_function(bad.body.operations[1].operation, [0], "h_jvp")


def test_expand_transforms_and_run():
    module = ir.Module.parse(
        SRC.replace("func.func @f", "func.func private @f")
        + """
    func.func @main(%x: tensor<3xf32>, %y: tensor<3xf32>, %t: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
      %r:2 = mlax.jvp @f(%x, %y) tangents(%t) active = [0] : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
      return %r#0, %r#1 : tensor<3xf32>, tensor<3xf32>
    }""",
        mlir.context(),
    )
    mlax_d.expand_transforms(module.operation)
    assert "mlax.jvp " not in str(module)
    mlir.run_pipeline(module, "builtin.module(inline,symbol-dce,canonicalize,cse)")
    exe = runtime.compile(mlir.export_stablehlo(module), 2)
    x, y, t = (np.arange(3, dtype=np.float32), np.full(3, 2, np.float32), np.ones(3, np.float32))
    out, tan = exe.execute([runtime.to_device(v) for v in (x, y, t)])
    np.testing.assert_allclose(runtime.to_host(tan), np.cos(x) * y, rtol=1e-6)


def test_build_vjp_and_transpose_functions():
    module = ir.Module.parse(SRC, mlir.context())
    f = module.body.operations[0]
    mlax_d.build_vjp_function(f.operation, [0, 1], "f_vjp")
    assert "func.func private @f_vjp" in str(module)
    lin = ir.Module.parse(
        """
      func.func @lin(%w: tensor<3xf32>, %x: tensor<3xf32>) -> tensor<3xf32> {
        %0 = mlax.multiply %w, %x : tensor<3xf32>
        return %0 : tensor<3xf32>
      }""",
        mlir.context(),
    )
    mlax_d.transpose_linear_function(lin.body.operations[0].operation, 1, "lin_t")
    assert (
        "func.func private @lin_t(%arg0: tensor<3xf32>, %arg1: tensor<3xf32>) -> tensor<3xf32>"
        in str(lin)
    )
    nonlin = ir.Module.parse(
        """
      func.func @sq(%x: tensor<3xf32>) -> tensor<3xf32> {
        %0 = mlax.multiply %x, %x : tensor<3xf32>
        return %0 : tensor<3xf32>
      }""",
        mlir.context(),
    )
    with pytest.raises(ValueError, match="could not be built"):
        mlax_d.transpose_linear_function(nonlin.body.operations[0].operation, 0, "sq_t")
