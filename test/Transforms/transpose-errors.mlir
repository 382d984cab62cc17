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

// -----

// A scan whose carry does not depend on the linear inputs (a counter) has
// no transpose.
func.func private @counted(%x: tensor<f32>) -> tensor<f32> {
  %zero = mlax.constant dense<0.0> : tensor<f32>
  // expected-error @+1 {{cannot be transposed: carry #0 does not depend on the scan's linear inputs}}
  %r:2 = mlax.scan(%zero, %x) over() length = 3 : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  ^bb0(%i: tensor<f32>, %c: tensor<f32>):
    %one = mlax.constant dense<1.0> : tensor<f32>
    %i2 = mlax.add %i, %one : tensor<f32>
    %c2 = mlax.add %c, %c : tensor<f32>
    mlax.return %i2, %c2 : tensor<f32>, tensor<f32>
  }
  return %r#1 : tensor<f32>
}
func.func @t(%ct: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{while expanding this mlax.linear_transpose}}
  %r = mlax.linear_transpose @counted() cotangents(%ct) : (tensor<f32>) -> tensor<f32>
  return %r : tensor<f32>
}
