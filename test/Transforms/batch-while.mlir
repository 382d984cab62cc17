// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// A while loop whose predicate depends on the batch: the loop runs while any
// element's predicate holds, and elements that are done keep their values.

func.func private @double_until_ten(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.while(%x) : tensor<f32> cond {
  ^bb0(%v: tensor<f32>):
    %ten = mlax.constant dense<10.0> : tensor<f32>
    %c = mlax.compare LT, %v, %ten, FLOAT : tensor<f32>
    mlax.return %c : tensor<i1>
  } do {
  ^bb0(%v: tensor<f32>):
    %two = mlax.constant dense<2.0> : tensor<f32>
    %m = mlax.multiply %v, %two : tensor<f32>
    mlax.return %m : tensor<f32>
  }
  return %0 : tensor<f32>
}
// CHECK-LABEL: func.func @batched_predicate(
// CHECK:        mlax.while(%arg0) : tensor<3xf32> cond {
// CHECK:          %[[P:.*]] = mlax.compare LT
// CHECK:          mlax.reduce(%[[P]])
// CHECK:          mlax.or
// CHECK:        } do {
// CHECK:          %[[Q:.*]] = mlax.compare LT
// CHECK:          %[[N:.*]] = mlax.multiply
// CHECK:          mlax.select %[[Q]], %[[N]], %{{.*}} : tensor<3xi1>, tensor<3xf32>
func.func @batched_predicate(%xs: tensor<3xf32>) -> tensor<3xf32> {
  %r = mlax.vmap @double_until_ten(%xs) in_dims = [0] out_dims = [0] size = 3 : (tensor<3xf32>) -> tensor<3xf32>
  return %r : tensor<3xf32>
}

func.func private @count(%n: tensor<i32>, %x: tensor<f32>) -> tensor<f32> {
  %zero = mlax.constant dense<0> : tensor<i32>
  %0:2 = mlax.while(%zero, %x) : tensor<i32>, tensor<f32> cond {
  ^bb0(%i: tensor<i32>, %v: tensor<f32>):
    %c = mlax.compare LT, %i, %n, SIGNED : tensor<i32>
    mlax.return %c : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %v: tensor<f32>):
    %one = mlax.constant dense<1> : tensor<i32>
    %i1 = mlax.add %i, %one : tensor<i32>
    %v1 = mlax.sine %v : tensor<f32>
    mlax.return %i1, %v1 : tensor<i32>, tensor<f32>
  }
  return %0#1 : tensor<f32>
}
// An unbatched trip count: the predicate stays a scalar, no select.
// CHECK-LABEL: func.func @unbatched_predicate(
// CHECK:        mlax.while(%{{.*}}, %arg1) : tensor<i32>, tensor<4xf32> cond {
// CHECK-NOT:    mlax.select
// CHECK:        mlax.sine %{{.*}} : tensor<4xf32>
func.func @unbatched_predicate(%n: tensor<i32>, %xs: tensor<4xf32>) -> tensor<4xf32> {
  %r = mlax.vmap @count(%n, %xs) in_dims = [-1, 0] out_dims = [0] size = 4 : (tensor<i32>, tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}
