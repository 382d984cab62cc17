// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s


// custom_jvp: the JVP transformation uses the rule, never the callee's body.
func.func private @f(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.sine %x : tensor<f32>
  return %0 : tensor<f32>
}
// rule: (x, t) -> (sin x, 2 * t)  (a deliberately "wrong" derivative)
func.func private @f_rule(%x: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %0 = mlax.sine %x : tensor<f32>
  %two = mlax.constant dense<2.0> : tensor<f32>
  %1 = mlax.multiply %t, %two : tensor<f32>
  return %0, %1 : tensor<f32>, tensor<f32>
}
func.func private @uses_f(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.custom_jvp_call @f(%x) jvp @f_rule : (tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}
// CHECK-LABEL: func.func @jvp_custom(
// CHECK-NOT:    mlax.cosine
// CHECK-DAG:    %[[TWO:.*]] = mlax.constant dense<2.000000e+00>
// CHECK-DAG:    %[[Y:.*]] = mlax.sine %arg0
// CHECK:        %[[T:.*]] = mlax.multiply %arg1, %[[TWO]]
// CHECK:        return %[[Y]], %[[T]]
func.func @jvp_custom(%x: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.jvp @uses_f(%x) tangents(%t) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}
// Reverse mode linearizes and transposes the rule's tangent computation.
// CHECK-LABEL: func.func @grad_custom(
// CHECK-NOT:    mlax.cosine
// CHECK:        mlax.multiply %arg1, %{{.*}}
// CHECK:        return
func.func @grad_custom(%x: tensor<f32>, %ct: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.vjp @uses_f(%x) cotangents(%ct) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}
// Outside differentiation the op is a call of the primal function.
// CHECK-LABEL: func.func @plain(
// CHECK-NEXT:   %[[Y:.*]] = mlax.sine %arg0
// CHECK-NEXT:   return %[[Y]]
func.func @plain(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.custom_jvp_call @f(%x) jvp @f_rule : (tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// custom_vjp: fwd runs in the primal part, bwd transposes the custom_lin.
func.func private @g(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.exponential %x : tensor<f32>
  return %0 : tensor<f32>
}
func.func private @g_fwd(%x: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %0 = mlax.exponential %x : tensor<f32>
  return %0, %x : tensor<f32>, tensor<f32>
}
// bwd: (residual x, ct) -> ct * x  (not the true derivative, on purpose)
func.func private @g_bwd(%x: tensor<f32>, %ct: tensor<f32>) -> tensor<f32> {
  %0 = mlax.multiply %ct, %x : tensor<f32>
  return %0 : tensor<f32>
}
func.func private @uses_g(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.custom_vjp_call @g(%x) fwd @g_fwd bwd @g_bwd : (tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}
// CHECK-LABEL: func.func @grad_custom_vjp(
// CHECK-DAG:    %[[E:.*]] = mlax.exponential %arg0
// CHECK-DAG:    %[[G:.*]] = mlax.multiply %arg1, %arg0
// CHECK:        return %[[E]], %[[G]]
func.func @grad_custom_vjp(%x: tensor<f32>, %ct: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.vjp @uses_g(%x) cotangents(%ct) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}

// A rule whose tangent applies another custom_jvp function (a solve, say)
// to the tangent: transposition inlines that function's primal body (x3);
// its own rule (x5) is for differentiation only.
func.func private @scale(%v: tensor<f32>) -> tensor<f32> {
  %three = mlax.constant dense<3.0> : tensor<f32>
  %0 = mlax.multiply %v, %three : tensor<f32>
  return %0 : tensor<f32>
}
func.func private @scale_rule(%v: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %0 = func.call @scale(%v) : (tensor<f32>) -> tensor<f32>
  %five = mlax.constant dense<5.0> : tensor<f32>
  %1 = mlax.multiply %t, %five : tensor<f32>
  return %0, %1 : tensor<f32>, tensor<f32>
}
func.func private @h_rule(%x: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %0 = mlax.sine %x : tensor<f32>
  %1 = mlax.custom_jvp_call @scale(%t) jvp @scale_rule : (tensor<f32>) -> tensor<f32>
  return %0, %1 : tensor<f32>, tensor<f32>
}
func.func private @uses_h(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.custom_jvp_call @f(%x) jvp @h_rule : (tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}
// CHECK-LABEL: func.func @grad_custom_in_rule(
// CHECK-NOT:    dense<5.0
// CHECK-DAG:    %[[THREE:.*]] = mlax.constant dense<3.000000e+00>
// CHECK-DAG:    %[[Y:.*]] = mlax.sine %arg0
// CHECK:        %[[G:.*]] = mlax.multiply %arg1, %[[THREE]]
// CHECK:        return %[[Y]], %[[G]]
func.func @grad_custom_in_rule(%x: tensor<f32>, %ct: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.vjp @uses_h(%x) cotangents(%ct) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}
