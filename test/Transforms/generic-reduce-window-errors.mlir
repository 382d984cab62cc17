// RUN: mlax-opt %s --mlax-expand-transforms -split-input-file -verify-diagnostics

// Reverse mode cannot split a reduction of primals and tangents (JAX
// cannot either).
func.func private @prod(%x: tensor<6xf32>) -> tensor<5xf32> {
  %one = mlax.constant dense<1.0> : tensor<f32>
  // expected-error @+1 {{with a general computation cannot be differentiated in reverse mode}}
  %0 = mlax.generic_reduce_window(%x) init(%one) window = [2], strides = [1], base_dilations = [1], window_dilations = [1], padding = [0, 0] : (tensor<6xf32>, tensor<f32>) -> tensor<5xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = mlax.multiply %a, %b : tensor<f32>
    mlax.return %m : tensor<f32>
  }
  return %0 : tensor<5xf32>
}

func.func @prod_vjp(%x: tensor<6xf32>, %ct: tensor<5xf32>) -> (tensor<5xf32>, tensor<6xf32>) {
  // expected-error @+1 {{while expanding this mlax.vjp}}
  %r:2 = mlax.vjp @prod(%x) cotangents(%ct) active = [0] : (tensor<6xf32>, tensor<5xf32>) -> (tensor<5xf32>, tensor<6xf32>)
  return %r#0, %r#1 : tensor<5xf32>, tensor<6xf32>
}

// -----

func.func private @f(%x: tensor<6xf32>, %init: tensor<f32>) -> tensor<5xf32> {
  // expected-error @+1 {{cannot be batched: a batched init value is not supported}}
  %0 = mlax.generic_reduce_window(%x) init(%init) window = [2], strides = [1], base_dilations = [1], window_dilations = [1], padding = [0, 0] : (tensor<6xf32>, tensor<f32>) -> tensor<5xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = mlax.multiply %a, %b : tensor<f32>
    mlax.return %m : tensor<f32>
  }
  return %0 : tensor<5xf32>
}

func.func @f_vmap(%x: tensor<3x6xf32>, %i: tensor<3xf32>) -> tensor<3x5xf32> {
  // expected-error @+1 {{while expanding this mlax.vmap}}
  %r = mlax.vmap @f(%x, %i) in_dims = [0, 0] out_dims = [0] size = 3 : (tensor<3x6xf32>, tensor<3xf32>) -> tensor<3x5xf32>
  return %r : tensor<3x5xf32>
}

// -----

func.func private @g(%x: tensor<6xf32>, %init: tensor<f32>) -> tensor<5xf32> {
  // expected-error @+1 {{has no JVP rule for a non-zero tangent of an init value}}
  %0 = mlax.generic_reduce_window(%x) init(%init) window = [2], strides = [1], base_dilations = [1], window_dilations = [1], padding = [0, 0] : (tensor<6xf32>, tensor<f32>) -> tensor<5xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = mlax.multiply %a, %b : tensor<f32>
    mlax.return %m : tensor<f32>
  }
  return %0 : tensor<5xf32>
}

func.func @g_jvp(%x: tensor<6xf32>, %i: tensor<f32>, %tx: tensor<6xf32>, %ti: tensor<f32>) -> (tensor<5xf32>, tensor<5xf32>) {
  // expected-error @+1 {{while expanding this mlax.jvp}}
  %r:2 = mlax.jvp @g(%x, %i) tangents(%tx, %ti) active = [0, 1] : (tensor<6xf32>, tensor<f32>, tensor<6xf32>, tensor<f32>) -> (tensor<5xf32>, tensor<5xf32>)
  return %r#0, %r#1 : tensor<5xf32>, tensor<5xf32>
}
