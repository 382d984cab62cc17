// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// Linear ops apply themselves to tangents; dot_general is bilinear;
// reductions follow the body's monoid.

func.func private @dot(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %0 = mlax.dot_general %a, %b, batching_dims = [] x [], contracting_dims = [1] x [0] : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
// CHECK-LABEL: func.func @jvp_dot(
// CHECK-NEXT:   %[[Y:.*]] = mlax.dot_general %arg0, %arg1
// CHECK-NEXT:   %[[A:.*]] = mlax.dot_general %arg2, %arg1
// CHECK-NEXT:   %[[B:.*]] = mlax.dot_general %arg0, %arg3
// CHECK-NEXT:   %[[S:.*]] = mlax.add %[[A]], %[[B]]
// CHECK-NEXT:   return %[[Y]], %[[S]]
func.func @jvp_dot(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %ta: tensor<2x3xf32>, %tb: tensor<3x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %r:2 = mlax.jvp @dot(%a, %b) tangents(%ta, %tb) active = [0, 1] : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<2x3xf32>, tensor<3x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>)
  return %r#0, %r#1 : tensor<2x4xf32>, tensor<2x4xf32>
}

func.func private @shape_ops(%x: tensor<2x3xf32>) -> tensor<6x2xf32> {
  %0 = mlax.transpose %x, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = mlax.reverse %0, dims = [0] : tensor<3x2xf32>
  %2 = mlax.concatenate(%1, %1) dim = 0 : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<6x2xf32>
  return %2 : tensor<6x2xf32>
}
// CHECK-LABEL: func.func @jvp_shape_ops(
// CHECK:        %[[T:.*]] = mlax.transpose %arg1, dims = [1, 0]
// CHECK:        %[[R:.*]] = mlax.reverse %[[T]], dims = [0]
// CHECK:        mlax.concatenate(%[[R]], %[[R]]) dim = 0
func.func @jvp_shape_ops(%x: tensor<2x3xf32>, %t: tensor<2x3xf32>) -> (tensor<6x2xf32>, tensor<6x2xf32>) {
  %r:2 = mlax.jvp @shape_ops(%x) tangents(%t) active = [0] : (tensor<2x3xf32>, tensor<2x3xf32>) -> (tensor<6x2xf32>, tensor<6x2xf32>)
  return %r#0, %r#1 : tensor<6x2xf32>, tensor<6x2xf32>
}

func.func private @pad(%x: tensor<3xf32>, %p: tensor<f32>) -> tensor<7xf32> {
  %0 = mlax.pad %x, %p, low = [1], high = [1], interior = [1] : (tensor<3xf32>, tensor<f32>) -> tensor<7xf32>
  return %0 : tensor<7xf32>
}
// Only the operand is active: the padding value's tangent is a zero constant.
// CHECK-LABEL: func.func @jvp_pad(
// CHECK-DAG:    %[[Z:.*]] = mlax.constant dense<0.000000e+00> : tensor<f32>
// CHECK:        mlax.pad %arg2, %[[Z]], low = [1], high = [1], interior = [1]
func.func @jvp_pad(%x: tensor<3xf32>, %p: tensor<f32>, %t: tensor<3xf32>) -> (tensor<7xf32>, tensor<7xf32>) {
  %r:2 = mlax.jvp @pad(%x, %p) tangents(%t) active = [0] : (tensor<3xf32>, tensor<f32>, tensor<3xf32>) -> (tensor<7xf32>, tensor<7xf32>)
  return %r#0, %r#1 : tensor<7xf32>, tensor<7xf32>
}

func.func private @dslice(%x: tensor<5xf32>, %i: tensor<i32>) -> tensor<2xf32> {
  %0 = mlax.dynamic_slice %x, starts(%i), sizes = [2] : (tensor<5xf32>, tensor<i32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
// Indices keep their primal values.
// CHECK-LABEL: func.func @jvp_dslice(
// CHECK:        mlax.dynamic_slice %arg2, starts(%arg1), sizes = [2]
func.func @jvp_dslice(%x: tensor<5xf32>, %i: tensor<i32>, %t: tensor<5xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %r:2 = mlax.jvp @dslice(%x, %i) tangents(%t) active = [0] : (tensor<5xf32>, tensor<i32>, tensor<5xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  return %r#0, %r#1 : tensor<2xf32>, tensor<2xf32>
}

func.func private @sum(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %z = mlax.constant dense<0.0> : tensor<f32>
  %0 = mlax.reduce(%x) init(%z) dims = [1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = mlax.add %a, %b : tensor<f32>
    mlax.return %s : tensor<f32>
  }
  return %0 : tensor<2xf32>
}
// CHECK-LABEL: func.func @jvp_sum(
// CHECK:        mlax.reduce(%arg0)
// CHECK:        mlax.reduce(%arg1) init(%{{.*}}) dims = [1]
// CHECK:        mlax.add
func.func @jvp_sum(%x: tensor<2x3xf32>, %t: tensor<2x3xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %r:2 = mlax.jvp @sum(%x) tangents(%t) active = [0] : (tensor<2x3xf32>, tensor<2x3xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  return %r#0, %r#1 : tensor<2xf32>, tensor<2xf32>
}

func.func private @rmax(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %z = mlax.constant dense<0xFF800000> : tensor<f32>
  %0 = mlax.reduce(%x) init(%z) dims = [1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = mlax.maximum %a, %b : tensor<f32>
    mlax.return %s : tensor<f32>
  }
  return %0 : tensor<2xf32>
}
// Max: tangents of the elements equal to the result, averaged.
// CHECK-LABEL: func.func @jvp_rmax(
// CHECK:        %[[M:.*]] = mlax.reduce(%arg0)
// CHECK:        %[[B:.*]] = mlax.broadcast_in_dim %[[M]], dims = [0]
// CHECK:        mlax.compare EQ, %arg0, %[[B]], FLOAT
// CHECK:        mlax.convert
// CHECK:        mlax.divide
func.func @jvp_rmax(%x: tensor<2x3xf32>, %t: tensor<2x3xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %r:2 = mlax.jvp @rmax(%x) tangents(%t) active = [0] : (tensor<2x3xf32>, tensor<2x3xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  return %r#0, %r#1 : tensor<2xf32>, tensor<2xf32>
}

func.func private @to_int(%x: tensor<3xf32>) -> (tensor<3xi32>, tensor<3xf32>) {
  %0 = mlax.convert %x : (tensor<3xf32>) -> tensor<3xi32>
  %1 = mlax.convert %0 : (tensor<3xi32>) -> tensor<3xf32>
  return %0, %1 : tensor<3xi32>, tensor<3xf32>
}
// Integer results have no tangent; float-int-float conversions cut it.
// CHECK-LABEL: func.func @jvp_to_int(
// CHECK-DAG:    %[[Z:.*]] = mlax.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK:        return %{{.*}}, %{{.*}}, %[[Z]] : tensor<3xi32>, tensor<3xf32>, tensor<3xf32>
func.func @jvp_to_int(%x: tensor<3xf32>, %t: tensor<3xf32>) -> (tensor<3xi32>, tensor<3xf32>, tensor<3xf32>) {
  %r:3 = mlax.jvp @to_int(%x) tangents(%t) active = [0] : (tensor<3xf32>, tensor<3xf32>) -> (tensor<3xi32>, tensor<3xf32>, tensor<3xf32>)
  return %r#0, %r#1, %r#2 : tensor<3xi32>, tensor<3xf32>, tensor<3xf32>
}
