// RUN: not mlax-translate --mlax-to-stablehlo %s 2>&1 | FileCheck %s

// A module that does not verify is not exported: the verifier's diagnostic
// is reported instead.
func.func @main(%x: tensor<2xf32>) -> tensor<3xf32> {
  // CHECK: error: 'mlax.reshape' op cannot reshape
  %0 = mlax.reshape %x : (tensor<2xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

