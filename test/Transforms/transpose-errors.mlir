// RUN: mlax-opt %s -split-input-file -verify-diagnostics --mlax-expand-transforms

func.func private @f(%x: tensor<3xf32>) -> tensor<f32> {
  %z = mlax.constant dense<0.0> : tensor<f32>
  // expected-error @+1 {{has no JVP rule for this reduction body}}
  %0 = mlax.reduce(%x) init(%z) dims = [0] : (tensor<3xf32>, tensor<f32>) -> tensor<f32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = mlax.subtract %a, %b : tensor<f32>
    mlax.return %s : tensor<f32>
  }
  return %0 : tensor<f32>
}
func.func @g(%x: tensor<3xf32>, %ct: tensor<f32>) {
  // expected-error @+1 {{while expanding this mlax.vjp}}
  %r:2 = mlax.vjp @f(%x) cotangents(%ct) active = [0] : (tensor<3xf32>, tensor<f32>) -> (tensor<f32>, tensor<3xf32>)
  return
}

// -----

func.func private @h(%x: tensor<3xf32>) -> tensor<3xf32> {
  return %x : tensor<3xf32>
}
func.func @bad_cotangents(%x: tensor<3xf32>, %ct: tensor<f32>) {
  // expected-error @+1 {{expects one cotangent per floating-point result of the callee}}
  %r:2 = mlax.vjp @h(%x) cotangents(%ct) active = [0] : (tensor<3xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>)
  return
}
