// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// A counted loop (`counter < bound` with a bound known at run time, at most
// max_steps): reverse mode stores one residual per step in a max_steps-long
// buffer; the linear loop replays exactly `bound` steps and its transpose
// counts up too (j = 0..bound-1, reading step bound - 1 - j), so that a
// second reverse mode can linearize it again.

func.func private @loop(%x: tensor<f32>, %n: tensor<i32>) -> tensor<f32> {
  %zero = mlax.constant dense<0> : tensor<i32>
  %one = mlax.constant dense<1> : tensor<i32>
  %0:2 = mlax.while(%zero, %x) {counted, max_steps = 6 : i64} : tensor<i32>, tensor<f32> cond {
  ^bb0(%i: tensor<i32>, %c: tensor<f32>):
    %p = mlax.compare LT, %i, %n, SIGNED : tensor<i32>
    mlax.return %p : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %c: tensor<f32>):
    %s = mlax.sine %c : tensor<f32>
    %j = mlax.add %i, %one : tensor<i32>
    mlax.return %j, %s : tensor<i32>, tensor<f32>
  }
  return %0#1 : tensor<f32>
}

func.func @loop_vjp(%x: tensor<f32>, %n: tensor<i32>, %ct: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.vjp @loop(%x, %n) cotangents(%ct) active = [0] : (tensor<f32>, tensor<i32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}

// CHECK-LABEL: func.func @loop_vjp(
// CHECK-SAME:     %[[X:.*]]: tensor<f32>, %[[N:.*]]: tensor<i32>, %[[CT:.*]]: tensor<f32>)
// CHECK:        %[[P:.*]]:4 = mlax.while(%{{.*}}, %[[X]], %{{.*}}, %{{.*}}) {counted, max_steps = 6 : i64} : tensor<i32>, tensor<f32>, tensor<i32>, tensor<6xf32>
// CHECK:          mlax.compare LT, %{{.*}}, %[[N]], SIGNED
// CHECK:          mlax.cosine
// CHECK:          mlax.dynamic_update_slice
// CHECK:        %[[T:.*]]:2 = mlax.while(%{{.*}}, %[[CT]]) {counted, max_steps = 6 : i64} : tensor<i32>, tensor<f32>
// CHECK:          mlax.compare LT, %{{.*}}, %[[N]], SIGNED
// CHECK:        } do {
// CHECK-NEXT:   ^bb0(%[[J:.*]]: tensor<i32>, %[[C:.*]]: tensor<f32>):
// CHECK-NEXT:     %[[LAST:.*]] = mlax.subtract %[[N]], %{{.*}}
// CHECK-NEXT:     %[[K:.*]] = mlax.subtract %[[LAST]], %[[J]]
// CHECK-NEXT:     %[[R:.*]] = mlax.dynamic_slice %[[P]]#3, starts(%[[K]]), sizes = [1]
// CHECK-NEXT:     %[[RS:.*]] = mlax.reshape %[[R]]
// CHECK-NEXT:     mlax.multiply %[[C]], %[[RS]]
// CHECK:        return %[[P]]#1, %[[T]]#1

// Batching a counted loop whose bound is batched leaves a loop that runs
// while any element's cond holds: no longer counted.
func.func @loop_batched(%x: tensor<3xf32>, %n: tensor<3xi32>) -> tensor<3xf32> {
  %r = mlax.vmap @loop(%x, %n) in_dims = [0, 0] out_dims = [0] size = 3 : (tensor<3xf32>, tensor<3xi32>) -> tensor<3xf32>
  return %r : tensor<3xf32>
}

// CHECK-LABEL: func.func @loop_batched(
// CHECK:        mlax.while(%{{.*}}) {max_steps = 6 : i64} : tensor<3xi32>, tensor<3xf32>
// CHECK:          mlax.reduce

// Second order over a counted loop whose bound is a constant in its cond:
// the first reverse mode's loops (primal, transposed) are counted, so the
// second one linearizes them again: four counted loops, none needing
// max_steps segments.
func.func private @loop3(%x: tensor<f32>) -> tensor<f32> {
  %zero = mlax.constant dense<0> : tensor<i32>
  %one = mlax.constant dense<1> : tensor<i32>
  %0:2 = mlax.while(%zero, %x) {counted, max_steps = 6 : i64} : tensor<i32>, tensor<f32> cond {
  ^bb0(%i: tensor<i32>, %c: tensor<f32>):
    %n = mlax.constant dense<3> : tensor<i32>
    %p = mlax.compare LT, %i, %n, SIGNED : tensor<i32>
    mlax.return %p : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %c: tensor<f32>):
    %s = mlax.sine %c : tensor<f32>
    %j = mlax.add %i, %one : tensor<i32>
    mlax.return %j, %s : tensor<i32>, tensor<f32>
  }
  return %0#1 : tensor<f32>
}

func.func private @grad3(%x: tensor<f32>) -> tensor<f32> {
  %one = mlax.constant dense<1.0> : tensor<f32>
  %r:2 = mlax.vjp @loop3(%x) cotangents(%one) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#1 : tensor<f32>
}

func.func @grad3_vjp(%x: tensor<f32>, %ct: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.vjp @grad3(%x) cotangents(%ct) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}

// CHECK-LABEL: func.func @grad3_vjp(
// CHECK:        %[[THREE:.*]] = mlax.constant dense<3> : tensor<i32>
// CHECK-COUNT-4: {counted, max_steps = 6 : i64}
// CHECK-NOT:    mlax.scan
// CHECK:        return
