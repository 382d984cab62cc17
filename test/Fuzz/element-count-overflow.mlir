// RUN: not mlax-opt %s 2>&1 | FileCheck %s
// RUN: not mlax-opt - < %s 2>&1 | FileCheck %s
// RUN: not mlax-translate --mlax-to-stablehlo %s 2>&1 | FileCheck %s
// Found by tools/fuzz_mlax_opt.py: MLIR's dense-attribute parser asserts on
// an element count that overflows int64; mlax-opt reports it instead.

func.func @f() -> tensor<2x4611686018427387904xf32> {
  // CHECK: error: shaped type has more elements than fit in int64
  %0 = mlax.constant dense<1.0> : tensor<2x4611686018427387904xf32>
  return %0 : tensor<2x4611686018427387904xf32>
}
