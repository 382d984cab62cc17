// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// vmap keeps custom_jvp calls: the function and its rule are batched, so a
// later differentiation of the batched function still uses the rule (the
// rule calls the function itself, which is batched inside its own batching).

func.func private @f(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.exponential %x : tensor<f32>
  return %0 : tensor<f32>
}
func.func private @f_rule(%x: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %0 = mlax.custom_jvp_call @f(%x) jvp @f_rule : (tensor<f32>) -> tensor<f32>
  %two = mlax.constant dense<2.0> : tensor<f32>
  %1 = mlax.multiply %t, %two : tensor<f32>
  return %0, %1 : tensor<f32>, tensor<f32>
}
func.func private @g(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.custom_jvp_call @f(%x) jvp @f_rule : (tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}
func.func private @h(%xs: tensor<3xf32>) -> tensor<3xf32> {
  %r = mlax.vmap @g(%xs) in_dims = [0] out_dims = [0] size = 3 : (tensor<3xf32>) -> tensor<3xf32>
  return %r : tensor<3xf32>
}
// The JVP of the vmapped function uses the batched rule: t * 2, not the
// derivative of exp.
// CHECK-LABEL: func.func @main(
// CHECK-DAG:    %[[TWO:.*]] = mlax.constant dense<2.000000e+00> : tensor<3xf32>
// CHECK-DAG:    %[[Y:.*]] = mlax.exponential %arg0
// CHECK:        %[[T:.*]] = mlax.multiply %arg1, %[[TWO]]
// CHECK-NEXT:   return %[[Y]], %[[T]]
func.func @main(%xs: tensor<3xf32>, %ts: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %r:2 = mlax.jvp @h(%xs) tangents(%ts) active = [0] : (tensor<3xf32>, tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return %r#0, %r#1 : tensor<3xf32>, tensor<3xf32>
}

// vmap keeps custom_vjp calls: function, fwd and bwd are batched. The
// gradient of the vmapped function then runs the batched bwd; its cotangent
// of the shared operand %w is summed over the batch.
func.func private @p(%x: tensor<f32>, %w: tensor<f32>) -> tensor<f32> {
  %0 = mlax.multiply %x, %w : tensor<f32>
  return %0 : tensor<f32>
}
func.func private @p_fwd(%x: tensor<f32>, %w: tensor<f32>) -> (tensor<f32>, tensor<f32>, tensor<f32>) {
  %0 = mlax.multiply %x, %w : tensor<f32>
  return %0, %x, %w : tensor<f32>, tensor<f32>, tensor<f32>
}
// A deliberately wrong rule (3 * ct * w, 5 * ct * x) so the test sees it.
func.func private @p_bwd(%x: tensor<f32>, %w: tensor<f32>, %ct: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %three = mlax.constant dense<3.0> : tensor<f32>
  %five = mlax.constant dense<5.0> : tensor<f32>
  %0 = mlax.multiply %ct, %w : tensor<f32>
  %1 = mlax.multiply %0, %three : tensor<f32>
  %2 = mlax.multiply %ct, %x : tensor<f32>
  %3 = mlax.multiply %2, %five : tensor<f32>
  return %1, %3 : tensor<f32>, tensor<f32>
}
func.func private @q(%x: tensor<f32>, %w: tensor<f32>) -> tensor<f32> {
  %0 = mlax.custom_vjp_call @p(%x, %w) fwd @p_fwd bwd @p_bwd : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}
func.func private @vq(%xs: tensor<4xf32>, %w: tensor<f32>) -> tensor<4xf32> {
  %r = mlax.vmap @q(%xs, %w) in_dims = [0, -1] out_dims = [0] size = 4 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}
// CHECK-LABEL: func.func @grad_vmap_custom_vjp(
// CHECK-DAG:    %[[THREE:.*]] = mlax.constant dense<3.000000e+00> : tensor<4xf32>
// CHECK-DAG:    %[[FIVE:.*]] = mlax.constant dense<5.000000e+00> : tensor<4xf32>
// CHECK-DAG:    %[[W:.*]] = mlax.broadcast_in_dim %arg1, dims = [] : (tensor<f32>) -> tensor<4xf32>
// CHECK-DAG:    %[[Y:.*]] = mlax.multiply %arg0, %[[W]]
// CHECK-DAG:    %[[GX:.*]] = mlax.multiply {{.*}}, %[[THREE]]
// CHECK-DAG:    %[[GW5:.*]] = mlax.multiply {{.*}}, %[[FIVE]]
// CHECK-DAG:    %[[GW:.*]] = mlax.reduce(%[[GW5]]) {{.*}} dims = [0]
// CHECK:        return %[[Y]], %[[GX]], %[[GW]]
func.func @grad_vmap_custom_vjp(%xs: tensor<4xf32>, %w: tensor<f32>, %ct: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<f32>) {
  %r:3 = mlax.vjp @vq(%xs, %w) cotangents(%ct) active = [0, 1] : (tensor<4xf32>, tensor<f32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<f32>)
  return %r#0, %r#1, %r#2 : tensor<4xf32>, tensor<4xf32>, tensor<f32>
}
