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
