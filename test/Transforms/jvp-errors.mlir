// RUN: mlax-opt %s -split-input-file -verify-diagnostics --mlax-expand-transforms

func.func private @f(%x: tensor<3xi32>) -> tensor<3xi32> {
  return %x : tensor<3xi32>
}
func.func @int_active(%x: tensor<3xi32>) {
  // expected-error @+1 {{argument 0 of type 'tensor<3xi32>' cannot be active}}
  %r = mlax.jvp @f(%x) tangents(%x) active = [0] : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  return
}

// -----

func.func @missing(%x: tensor<f32>) {
  // expected-error @+1 {{'nope' does not name a function}}
  %r:2 = mlax.jvp @nope(%x) tangents(%x) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return
}

// -----

func.func private @g(%x: tensor<f32>) -> tensor<f32> {
  return %x : tensor<f32>
}
func.func @bad_results(%x: tensor<f32>) {
  // expected-error @+1 {{result types must be the callee's results followed by the tangents}}
  %r = mlax.jvp @g(%x) tangents(%x) active = [0] : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return
}

// -----

func.func private @h(%x: tensor<3xf32>) -> tensor<f32> {
  %z = mlax.constant dense<0.0> : tensor<f32>
  // expected-error @+1 {{has no JVP rule for this reduction body}}
  %0 = mlax.reduce(%x) init(%z) dims = [0] : (tensor<3xf32>, tensor<f32>) -> tensor<f32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = mlax.add %a, %b : tensor<f32>
    %m = mlax.multiply %s, %s : tensor<f32>
    mlax.return %m : tensor<f32>
  }
  return %0 : tensor<f32>
}
func.func @general_reduce(%x: tensor<3xf32>) {
  // expected-error @+1 {{while expanding this mlax.jvp}}
  %r:2 = mlax.jvp @h(%x) tangents(%x) active = [0] : (tensor<3xf32>, tensor<3xf32>) -> (tensor<f32>, tensor<f32>)
  return
}

// -----

func.func private @loop(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{cannot be linearized: reverse-mode differentiation of a while loop needs a bound on its iterations: pass max_steps}}
  %0 = mlax.while(%x) : tensor<f32> cond {
  ^bb0(%v: tensor<f32>):
    %c = mlax.compare LT, %v, %x, FLOAT : tensor<f32>
    mlax.return %c : tensor<i1>
  } do {
  ^bb0(%v: tensor<f32>):
    %s = mlax.sine %v : tensor<f32>
    mlax.return %s : tensor<f32>
  }
  return %0 : tensor<f32>
}
// Reverse mode through a while loop is a diagnostic (forward mode works).
func.func @reverse_through_loop(%x: tensor<f32>, %ct: tensor<f32>) {
  // expected-error @+1 {{while expanding this mlax.vjp}}
  %r:2 = mlax.vjp @loop(%x) cotangents(%ct) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return
}

// -----

// A pure callback (with results) has no derivative, as in JAX.
func.func private @cb(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'mlax.python_callback' op Pure callbacks do not support JVP}}
  %0 = mlax.python_callback "xla_ffi_python_cpu_callback"[0](%x) : (tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}
func.func @jvp_cb(%x: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  // expected-error @+1 {{while expanding this mlax.jvp}}
  %r:2 = mlax.jvp @cb(%x) tangents(%t) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}
