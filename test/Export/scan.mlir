// RUN: mlax-translate --mlax-to-stablehlo %s | FileCheck %s

// Export lowers mlax.scan (mlax-lower-scan) to a StableHLO while loop.
// CHECK-LABEL: func.func @cumulative(
// CHECK:        stablehlo.while
// CHECK:          stablehlo.compare{{.*}}comparison_direction LT
// CHECK:          stablehlo.dynamic_slice
// CHECK:          stablehlo.add
// CHECK:          stablehlo.dynamic_update_slice
// CHECK-NOT:    mlax.
func.func @cumulative(%xs: tensor<5xf32>) -> tensor<5xf32> {
  %z = mlax.constant dense<0.0> : tensor<f32>
  %r:2 = mlax.scan(%z) over(%xs) length = 5 : (tensor<f32>, tensor<5xf32>) -> (tensor<f32>, tensor<5xf32>) {
  ^bb0(%c: tensor<f32>, %x: tensor<f32>):
    %n = mlax.add %c, %x : tensor<f32>
    mlax.return %n, %n : tensor<f32>, tensor<f32>
  }
  return %r#1 : tensor<5xf32>
}

// cumsum as JAX lowers it: a reduce_window spanning the axis, padded by
// length - 1 before it (after it when reversed).
// CHECK-LABEL: func.func @prefix_sums(
// CHECK:        "stablehlo.reduce_window"(%arg0, %{{.*}}) ({
// CHECK:          stablehlo.add
// CHECK:          stablehlo.return
// CHECK:        }) {padding = dense<{{\[\[}}0, 0], [3, 0]]> : tensor<2x2xi64>, window_dimensions = array<i64: 1, 4>, window_strides = array<i64: 1, 1>}
// CHECK:        "stablehlo.reduce_window"
// CHECK:        padding = dense<{{\[\[}}0, 1], [0, 0]]>
// CHECK-SAME:   window_dimensions = array<i64: 2, 1>
func.func @prefix_sums(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %0 = mlax.cumsum %x, axis = 1 : tensor<2x4xf32>
  %1 = mlax.cumsum %x, axis = 0 reverse : tensor<2x4xf32>
  return %0, %1 : tensor<2x4xf32>, tensor<2x4xf32>
}
