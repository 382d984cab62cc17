// RUN: mlax-opt %s -split-input-file -verify-diagnostics --mlax-expand-transforms

func.func private @g(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.exponential %x : tensor<f32>
  return %0 : tensor<f32>
}
func.func private @g_fwd(%x: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %0 = mlax.exponential %x : tensor<f32>
  return %0, %x : tensor<f32>, tensor<f32>
}
func.func private @g_bwd(%x: tensor<f32>, %ct: tensor<f32>) -> tensor<f32> {
  return %ct : tensor<f32>
}
func.func private @uses_g(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{can't apply forward-mode autodiff (jvp) to a custom_vjp function.}}
  %0 = mlax.custom_vjp_call @g(%x) fwd @g_fwd bwd @g_bwd : (tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}
func.func @forward_mode(%x: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.jvp @uses_g(%x) tangents(%t) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}

// -----

func.func private @f(%x: tensor<f32>) -> tensor<f32> {
  return %x : tensor<f32>
}
func.func private @bad_rule(%x: tensor<f32>) -> tensor<f32> {
  return %x : tensor<f32>
}
func.func @wrong_rule_type(%x: tensor<f32>) {
  // expected-error @+1 {{JVP rule 'bad_rule' must have type '(tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)'}}
  %0 = mlax.custom_jvp_call @f(%x) jvp @bad_rule : (tensor<f32>) -> tensor<f32>
  return
}

// -----

func.func private @f(%x: tensor<f32>) -> tensor<f32> {
  return %x : tensor<f32>
}
// A rule that is not linear in its tangent fails at transposition.
func.func private @square_rule(%x: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  // expected-error @+1 {{is not linear in its tangent operands}}
  %0 = mlax.multiply %t, %t : tensor<f32>
  return %x, %0 : tensor<f32>, tensor<f32>
}
func.func private @uses(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.custom_jvp_call @f(%x) jvp @square_rule : (tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}
func.func @nonlinear_rule(%x: tensor<f32>, %ct: tensor<f32>) {
  // expected-error @+1 {{while expanding this mlax.vjp}}
  %r:2 = mlax.vjp @uses(%x) cotangents(%ct) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return
}

// -----

func.func private @f(%x: tensor<f32>) -> tensor<f32> {
  return %x : tensor<f32>
}
func.func private @opaque(tensor<f32>) -> tensor<f32>
func.func private @opaque_rule(%v: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  return %v, %t : tensor<f32>, tensor<f32>
}
func.func private @rule(%x: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  // expected-error @+1 {{is applied to linear values but its callee cannot be inlined}}
  %0 = mlax.custom_jvp_call @opaque(%t) jvp @opaque_rule : (tensor<f32>) -> tensor<f32>
  return %x, %0 : tensor<f32>, tensor<f32>
}
func.func private @uses(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.custom_jvp_call @f(%x) jvp @rule : (tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}
func.func @grad_opaque(%x: tensor<f32>, %ct: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  // expected-error @+1 {{while expanding this mlax.vjp}}
  %r:2 = mlax.vjp @uses(%x) cotangents(%ct) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}
