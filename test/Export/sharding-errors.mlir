// RUN: not mlax-translate --mlax-to-stablehlo %s 2>&1 | FileCheck %s

// A malformed mlax.sharding function attribute is a diagnostic, not a crash.

// CHECK: error: invalid mlax.sharding attribute: mesh axis 3 out of range for a mesh of 2 axes
func.func @main(%x: tensor<8x4xf32> {mlax.sharding = {mesh = array<i64: 2, 4>, spec = [array<i64: 3>, array<i64>]}}) -> tensor<8x4xf32> {
  return %x : tensor<8x4xf32>
}
