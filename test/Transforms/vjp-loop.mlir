// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// Reverse mode through a loop with a static trip count (fori_loop with static
// bounds; JAX runs it as a scan): the primal loop stores the per-iteration
// residuals into (N, ...) buffers at a counter (loop-invariant captured
// values are used directly); the transposed loop runs the transposed body
// for k = N-1..0, accumulating the cotangents of captured values.

func.func private @pow3(%x: tensor<f32>) -> tensor<f32> {
  %zero = mlax.constant dense<0> : tensor<i32>
  %one = mlax.constant dense<1.0> : tensor<f32>
  %r:2 = mlax.while(%zero, %one) {trip_count = 3 : i64} : tensor<i32>, tensor<f32> cond {
  ^bb0(%i: tensor<i32>, %c: tensor<f32>):
    %n = mlax.constant dense<3> : tensor<i32>
    %p = mlax.compare LT, %i, %n, SIGNED : tensor<i32>
    mlax.return %p : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %c: tensor<f32>):
    %k = mlax.constant dense<1> : tensor<i32>
    %i2 = mlax.add %i, %k : tensor<i32>
    %c2 = mlax.multiply %c, %x : tensor<f32>
    mlax.return %i2, %c2 : tensor<i32>, tensor<f32>
  }
  return %r#1 : tensor<f32>
}
// CHECK-LABEL: func.func @vjp_loop(
// CHECK-DAG:    %[[TWO:.*]] = mlax.constant dense<2> : tensor<i32>
// CHECK-DAG:    %[[ZERO:.*]] = mlax.constant dense<0> : tensor<i32>
// CHECK-DAG:    %[[FZERO:.*]] = mlax.constant dense<0.000000e+00> : tensor<f32>
// CHECK-DAG:    %[[BUF:.*]] = mlax.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK:        %[[P:.*]]:4 = mlax.while(%[[ZERO]], %{{.*}}, %[[ZERO]], %[[BUF]]) {trip_count = 3 : i64}
// CHECK:          %[[C:.*]] = mlax.multiply %[[CARRY:.*]], %arg0
// CHECK:          %[[R:.*]] = mlax.reshape %[[CARRY]] : (tensor<f32>) -> tensor<1xf32>
// CHECK:          mlax.dynamic_update_slice %{{.*}}, %[[R]], starts(%{{.*}})
// CHECK:        %[[T:.*]]:3 = mlax.while(%[[TWO]], %arg1, %[[FZERO]]) {trip_count = 3 : i64}
// CHECK:          mlax.compare GE
// CHECK:          %[[S:.*]] = mlax.dynamic_slice %[[P]]#3, starts(%[[K:.*]]), sizes = [1]
// CHECK:          %[[RES:.*]] = mlax.reshape %[[S]]
// CHECK:          %[[GX:.*]] = mlax.multiply %[[RES]], %[[CT:.*]] : tensor<f32>
// CHECK:          %[[GC:.*]] = mlax.multiply %[[CT]], %arg0
// CHECK:          %[[KM:.*]] = mlax.subtract %[[K]], %{{.*}}
// CHECK:          %[[ACC:.*]] = mlax.add %{{.*}}, %[[GX]]
// CHECK:          mlax.return %[[KM]], %[[GC]], %[[ACC]]
// CHECK:        return %[[P]]#1, %[[T]]#2
func.func @vjp_loop(%x: tensor<f32>, %ct: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.vjp @pow3(%x) cotangents(%ct) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}
