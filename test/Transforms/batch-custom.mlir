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
