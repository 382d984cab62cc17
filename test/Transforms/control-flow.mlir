// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// Forward mode through region ops: the loop carries the tangents of the
// active values; a conditional returns tangents from every branch.

func.func private @power(%x: tensor<f32>) -> tensor<f32> {
  %zero = mlax.constant dense<0.0> : tensor<f32>
  %one = mlax.constant dense<1.0> : tensor<f32>
  %0:2 = mlax.while(%one, %zero) : tensor<f32>, tensor<f32> cond {
  ^bb0(%acc: tensor<f32>, %i: tensor<f32>):
    %three = mlax.constant dense<3.0> : tensor<f32>
    %c = mlax.compare LT, %i, %three, FLOAT : tensor<f32>
    mlax.return %c : tensor<i1>
  } do {
  ^bb0(%acc: tensor<f32>, %i: tensor<f32>):
    %a = mlax.multiply %acc, %x : tensor<f32>
    %o = mlax.constant dense<1.0> : tensor<f32>
    %i1 = mlax.add %i, %o : tensor<f32>
    mlax.return %a, %i1 : tensor<f32>, tensor<f32>
  }
  return %0#0 : tensor<f32>
}
// The accumulator becomes active (it multiplies the captured x); the
// counter does not: one tangent is carried.
// CHECK-LABEL: func.func @jvp_while(
// CHECK:        %[[W:.*]]:3 = mlax.while(%{{.*}}, %{{.*}}, %{{.*}}) : tensor<f32>, tensor<f32>, tensor<f32> cond {
// CHECK:        } do {
// CHECK:          ^bb0(%[[ACC:.*]]: tensor<f32>, %[[I:.*]]: tensor<f32>, %[[T:.*]]: tensor<f32>):
// CHECK-DAG:      mlax.multiply %[[ACC]], %arg0
// CHECK-DAG:      mlax.multiply %[[T]], %arg0
// CHECK-DAG:      mlax.multiply %[[ACC]], %arg1
// CHECK:        return %[[W]]#0, %[[W]]#2
func.func @jvp_while(%x: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.jvp @power(%x) tangents(%t) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}

func.func private @choose(%i: tensor<i32>, %x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.case %i : (tensor<i32>) -> tensor<f32> {
    %s = mlax.sine %x : tensor<f32>
    mlax.return %s : tensor<f32>
  }, {
    mlax.return %x : tensor<f32>
  }
  return %0 : tensor<f32>
}
// CHECK-LABEL: func.func @jvp_case(
// CHECK:        mlax.case %arg0 : (tensor<i32>) -> (tensor<f32>, tensor<f32>) {
// CHECK:          mlax.cosine %arg1
// CHECK:        }, {
// CHECK:          mlax.return %arg1, %arg2
func.func @jvp_case(%i: tensor<i32>, %x: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.jvp @choose(%i, %x) tangents(%t) active = [1] : (tensor<i32>, tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}
// A batched index: every branch is evaluated, a select picks per element.
// CHECK-LABEL: func.func @vmap_case(
// CHECK-NOT:    mlax.case
// CHECK:        mlax.sine
// CHECK:        mlax.compare EQ
// CHECK:        mlax.select
func.func @vmap_case(%is: tensor<4xi32>, %xs: tensor<4xf32>) -> tensor<4xf32> {
  %r = mlax.vmap @choose(%is, %xs) in_dims = [0, 0] out_dims = [0] size = 4 : (tensor<4xi32>, tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}
