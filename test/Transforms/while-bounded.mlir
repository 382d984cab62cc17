// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// Reverse mode of a while loop with max_steps (8) and checkpoints (2): a
// scan over 2 segments; each runs at most 4 steps of the primal body in a
// while loop (no guard per step) and counts them. The primal scan saves one
// state and step count per segment; the transposed scan runs the segments
// backwards, recomputing each one's steps from its state (behind a
// barrier) as a counted loop that stores their residuals in 4-long buffers,
// then transposing exactly that many steps (counted up, reading the
// residuals at count - 1 - j).

func.func private @loop(%x: tensor<f32>) -> tensor<f32> {
  %ten = mlax.constant dense<1.0e+01> : tensor<f32>
  %0 = mlax.while(%x) {max_steps = 8 : i64, checkpoints = 2 : i64} : tensor<f32> cond {
  ^bb0(%c: tensor<f32>):
    %p = mlax.compare LT, %c, %ten, FLOAT : tensor<f32>
    mlax.return %p : tensor<i1>
  } do {
  ^bb0(%c: tensor<f32>):
    %s = mlax.sine %c : tensor<f32>
    %n = mlax.add %c, %s : tensor<f32>
    mlax.return %n : tensor<f32>
  }
  return %0 : tensor<f32>
}

func.func @loop_vjp(%x: tensor<f32>, %ct: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.vjp @loop(%x) cotangents(%ct) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}

// CHECK-LABEL: func.func @loop_vjp(
// CHECK-DAG:    %[[FOUR:.*]] = mlax.constant dense<4> : tensor<i32>
// CHECK-DAG:    %[[ZERO:.*]] = mlax.constant dense<0> : tensor<i32>
// CHECK:        %[[P:.*]]:3 = mlax.scan(%arg0) over() length = 2 : (tensor<f32>) -> (tensor<f32>, tensor<2xi32>, tensor<2xf32>)
// CHECK-NEXT:   ^bb0(%[[SEG:.*]]: tensor<f32>):
// CHECK-NEXT:     %[[W:.*]]:2 = mlax.while(%[[SEG]], %[[ZERO]]) {checkpoints = 2 : i64, max_steps = 4 : i64}
// CHECK:            mlax.compare LT, %{{.*}}, %[[FOUR]], SIGNED
// CHECK-NOT:      mlax.case
// CHECK:            mlax.sine
// CHECK-NOT:        mlax.cosine
// CHECK:          mlax.return %[[W]]#0, %[[W]]#1, %[[SEG]] : tensor<f32>, tensor<i32>, tensor<f32>
// CHECK:        mlax.scan(%arg1) over(%[[P]]#1, %[[P]]#2) length = 2 reverse : (tensor<f32>, tensor<2xi32>, tensor<2xf32>) -> tensor<f32>
// CHECK-NEXT:   ^bb0(%{{.*}}: tensor<f32>, %[[N:.*]]: tensor<i32>, %[[S:.*]]: tensor<f32>):
// CHECK-NEXT:     %[[B:.*]]:2 = mlax.optimization_barrier %[[N]], %[[S]]
// CHECK-NEXT:     %[[R:.*]]:4 = mlax.while(%[[ZERO]], %[[B]]#1, %[[ZERO]], %{{.*}}) {counted, max_steps = 4 : i64} : tensor<i32>, tensor<f32>, tensor<i32>, tensor<4xf32>
// CHECK:            mlax.compare LT, %{{.*}}, %[[B]]#0, SIGNED
// CHECK:            mlax.sine
// CHECK:            mlax.cosine
// CHECK:            mlax.dynamic_update_slice
// CHECK:          mlax.while(%[[ZERO]], %{{.*}}) {counted, max_steps = 4 : i64}
// CHECK:            mlax.compare LT, %{{.*}}, %[[B]]#0, SIGNED
// CHECK:          } do {
// CHECK-NEXT:     ^bb0(%[[J:.*]]: tensor<i32>, %{{.*}}: tensor<f32>):
// CHECK-NEXT:       %[[LAST:.*]] = mlax.subtract %[[B]]#0, %{{.*}}
// CHECK-NEXT:       %[[K:.*]] = mlax.subtract %[[LAST]], %[[J]]
// CHECK-NEXT:       mlax.dynamic_slice %[[R]]#3, starts(%[[K]])
// CHECK-NOT:      mlax.case
// CHECK:        return %[[P]]#0
