// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// mlax.linear_transpose transposes a function linear in its trailing
// arguments (the first ones are constants).

func.func private @lin(%w: tensor<3xf32>, %x: tensor<3xf32>, %y: tensor<3xf32>) -> (tensor<3xf32>, tensor<f32>) {
  %0 = mlax.multiply %w, %x : tensor<3xf32>
  %1 = mlax.subtract %0, %y : tensor<3xf32>
  %z = mlax.constant dense<0.0> : tensor<f32>
  %2 = mlax.reduce(%x) init(%z) dims = [0] : (tensor<3xf32>, tensor<f32>) -> tensor<f32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = mlax.add %a, %b : tensor<f32>
    mlax.return %s : tensor<f32>
  }
  return %1, %2 : tensor<3xf32>, tensor<f32>
}
// x-bar = w * c0 + broadcast(c1); y-bar = -c0.
// CHECK-LABEL: func.func @transpose_lin(
// CHECK-SAME: %[[W:.*]]: tensor<3xf32>, %[[C0:.*]]: tensor<3xf32>, %[[C1:.*]]: tensor<f32>)
// CHECK-DAG:    %[[B:.*]] = mlax.broadcast_in_dim %[[C1]], dims = []
// CHECK-DAG:    %[[N:.*]] = mlax.negate %[[C0]]
// CHECK-DAG:    %[[M:.*]] = mlax.multiply %[[W]], %[[C0]]
// CHECK:        %[[X:.*]] = mlax.add %[[B]], %[[M]]
// CHECK:        return %[[X]], %[[N]]
func.func @transpose_lin(%w: tensor<3xf32>, %c0: tensor<3xf32>, %c1: tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %r:2 = mlax.linear_transpose @lin(%w) cotangents(%c0, %c1) : (tensor<3xf32>, tensor<3xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>)
  return %r#0, %r#1 : tensor<3xf32>, tensor<3xf32>
}

func.func private @rp(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = mlax.reduce_precision %x, exponent_bits = 8, mantissa_bits = 7 : tensor<3xf32>
  return %0 : tensor<3xf32>
}
// reduce_precision is its own transpose.
// CHECK-LABEL: func.func @transpose_reduce_precision(
// CHECK:        %[[X:.*]] = mlax.reduce_precision %arg0, exponent_bits = 8, mantissa_bits = 7
// CHECK:        return %[[X]]
func.func @transpose_reduce_precision(%c: tensor<3xf32>) -> tensor<3xf32> {
  %r = mlax.linear_transpose @rp() cotangents(%c) : (tensor<3xf32>) -> tensor<3xf32>
  return %r : tensor<3xf32>
}
