// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// Reverse mode of a while loop with max_steps (8) and checkpoints (2): a
// scan over 2 segments of 4 guarded steps (a case runs the body while the
// cond holds; another skips a whole segment once the loop has stopped).
// The primal scan saves one state per segment; the transposed scan runs
// the segments backwards, recomputing each one's steps from its state
// (behind a barrier) before transposing them.

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
// CHECK:        %[[P:.*]]:3 = mlax.scan(%arg0) over() length = 2 : (tensor<f32>) -> (tensor<f32>, tensor<2xi32>, tensor<2xf32>)
// CHECK-NEXT:   ^bb0(%[[SEG:.*]]: tensor<f32>):
// CHECK:          mlax.case
// CHECK:            mlax.scan(%[[SEG]]) over() length = 4
// CHECK:              mlax.case
// CHECK:                mlax.sine
// CHECK:          mlax.return %{{.*}}, %{{.*}}, %[[SEG]] : tensor<f32>, tensor<i32>, tensor<f32>
// CHECK:        mlax.scan(%arg1) over(%[[P]]#1, %[[P]]#2) length = 2 reverse : (tensor<f32>, tensor<2xi32>, tensor<2xf32>) -> tensor<f32>
// CHECK-NEXT:   ^bb0(%{{.*}}: tensor<f32>, %{{.*}}: tensor<i32>, %[[S:.*]]: tensor<f32>):
// CHECK:          mlax.case
// CHECK:            %[[B:.*]]:2 = mlax.optimization_barrier %{{.*}}, %[[S]]
// CHECK:            %[[R:.*]]:3 = mlax.scan(%[[B]]#1) over() length = 4 : (tensor<f32>) -> (tensor<f32>, tensor<4xi32>, tensor<4xf32>)
// CHECK:              mlax.sine
// CHECK:            mlax.scan(%{{.*}}) over(%[[R]]#1, %[[R]]#2) length = 4 reverse
// CHECK:              mlax.case
// CHECK:                mlax.multiply
// CHECK:        return %[[P]]#0
