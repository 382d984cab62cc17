// RUN: mlax-translate --mlax-to-stablehlo %s -verify-diagnostics -split-input-file

// The decompositions without a StableHLO op have LAPACK kernels only.
module attributes {mlax.platform = "cuda"} {
  func.func @eigh_gpu(%a: tensor<3x3xf32>) -> tensor<3xf32> {
    // expected-error @+1 {{has no kernel for element type 'f32' on platform 'cuda'}}
    %0:2 = mlax.eigh %a {lower = true} : (tensor<3x3xf32>) -> (tensor<3x3xf32>, tensor<3xf32>)
    return %0#1 : tensor<3xf32>
  }
}
