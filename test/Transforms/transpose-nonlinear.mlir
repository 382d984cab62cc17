// RUN: mlax-opt %s -split-input-file -verify-diagnostics --mlax-expand-transforms

func.func private @square(%x: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{is not linear in its tangent operands (both factors depend on tangents)}}
  %0 = mlax.multiply %x, %x : tensor<3xf32>
  return %0 : tensor<3xf32>
}
func.func @f(%ct: tensor<3xf32>) {
  // expected-error @+1 {{while expanding this mlax.linear_transpose}}
  %r = mlax.linear_transpose @square() cotangents(%ct) : (tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func private @nonlinear(%x: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{has no transpose rule; it is not linear in its tangent operands}}
  %0 = mlax.sine %x : tensor<3xf32>
  return %0 : tensor<3xf32>
}
func.func @g(%ct: tensor<3xf32>) {
  // expected-error @+1 {{while expanding this mlax.linear_transpose}}
  %r = mlax.linear_transpose @nonlinear() cotangents(%ct) : (tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func private @lin(%x: tensor<3xf32>) -> tensor<3xf32> {
  return %x : tensor<3xf32>
}
func.func @bad(%ct: tensor<f32>) {
  // expected-error @+1 {{expects one cotangent per result of 'lin'}}
  %r = mlax.linear_transpose @lin() cotangents(%ct) : (tensor<f32>) -> tensor<3xf32>
  return
}
