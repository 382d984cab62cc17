// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// Reverse mode = JVP, linearize, transpose. Each case shows the transposed
// linear part the rules produce.

func.func private @sin_sum(%x: tensor<3xf32>) -> tensor<f32> {
  %0 = mlax.sine %x : tensor<3xf32>
  %z = mlax.constant dense<0.0> : tensor<f32>
  %1 = mlax.reduce(%0) init(%z) dims = [0] : (tensor<3xf32>, tensor<f32>) -> tensor<f32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = mlax.add %a, %b : tensor<f32>
    mlax.return %s : tensor<f32>
  }
  return %1 : tensor<f32>
}
// reduce-sum transposes to broadcast_in_dim; multiply by a residual.
// CHECK-LABEL: func.func @grad_sin_sum(
// CHECK-SAME:  %[[X:.*]]: tensor<3xf32>, %[[CT:.*]]: tensor<f32>)
// CHECK:        %[[C:.*]] = mlax.cosine %[[X]]
// CHECK:        %[[B:.*]] = mlax.broadcast_in_dim %[[CT]], dims = [] : (tensor<f32>) -> tensor<3xf32>
// CHECK-NEXT:   %[[G:.*]] = mlax.multiply %[[B]], %[[C]]
// CHECK-NEXT:   return %{{.*}}, %[[G]]
func.func @grad_sin_sum(%x: tensor<3xf32>, %ct: tensor<f32>) -> (tensor<f32>, tensor<3xf32>) {
  %r:2 = mlax.vjp @sin_sum(%x) cotangents(%ct) active = [0] : (tensor<3xf32>, tensor<f32>) -> (tensor<f32>, tensor<3xf32>)
  return %r#0, %r#1 : tensor<f32>, tensor<3xf32>
}

func.func private @fan_out(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = mlax.multiply %x, %x : tensor<3xf32>
  %1 = mlax.add %0, %x : tensor<3xf32>
  return %1 : tensor<3xf32>
}
// x is used three times: the cotangents are summed.
// CHECK-LABEL: func.func @vjp_fan_out(
// CHECK:        %[[A:.*]] = mlax.multiply %arg0, %arg1
// CHECK-NEXT:   %[[S1:.*]] = mlax.add %arg1, %[[A]]
// CHECK-NEXT:   %[[S2:.*]] = mlax.add %[[S1]], %[[A]]
// CHECK-NEXT:   return %{{.*}}, %[[S2]]
func.func @vjp_fan_out(%x: tensor<3xf32>, %ct: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %r:2 = mlax.vjp @fan_out(%x) cotangents(%ct) active = [0] : (tensor<3xf32>, tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return %r#0, %r#1 : tensor<3xf32>, tensor<3xf32>
}

func.func private @matmul(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %0 = mlax.dot_general %a, %b, batching_dims = [] x [], contracting_dims = [1] x [0] : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
// dot_general transposes to dot_generals with the cotangent (the rhs one
// needs a transpose to restore the layout).
// CHECK-LABEL: func.func @vjp_matmul(
// CHECK-DAG:    %[[GA:.*]] = mlax.dot_general %arg2, %arg1, batching_dims = [] x [], contracting_dims = [1] x [1] : (tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<2x3xf32>
// CHECK-DAG:    %[[D:.*]] = mlax.dot_general %arg2, %arg0, batching_dims = [] x [], contracting_dims = [0] x [0] : (tensor<2x4xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
// CHECK-DAG:    %[[GB:.*]] = mlax.transpose %[[D]], dims = [1, 0]
// CHECK:        return %{{.*}}, %[[GA]], %[[GB]]
func.func @vjp_matmul(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %ct: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x3xf32>, tensor<3x4xf32>) {
  %r:3 = mlax.vjp @matmul(%a, %b) cotangents(%ct) active = [0, 1] : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x3xf32>, tensor<3x4xf32>)
  return %r#0, %r#1, %r#2 : tensor<2x4xf32>, tensor<2x3xf32>, tensor<3x4xf32>
}

func.func private @shapes(%x: tensor<2x3xf32>) -> tensor<3x1xf32> {
  %0 = mlax.transpose %x, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = mlax.slice %0, start = [0, 1], limit = [3, 2], strides = [1, 1] : (tensor<3x2xf32>) -> tensor<3x1xf32>
  return %1 : tensor<3x1xf32>
}
// slice transposes to pad, transpose to the inverse transpose.
// CHECK-LABEL: func.func @vjp_shapes(
// CHECK:        %[[P:.*]] = mlax.pad %arg1, %{{.*}}, low = [0, 1], high = [0, 0], interior = [0, 0]
// CHECK-NEXT:   %[[T:.*]] = mlax.transpose %[[P]], dims = [1, 0]
// CHECK-NEXT:   return %{{.*}}, %[[T]]
func.func @vjp_shapes(%x: tensor<2x3xf32>, %ct: tensor<3x1xf32>) -> (tensor<3x1xf32>, tensor<2x3xf32>) {
  %r:2 = mlax.vjp @shapes(%x) cotangents(%ct) active = [0] : (tensor<2x3xf32>, tensor<3x1xf32>) -> (tensor<3x1xf32>, tensor<2x3xf32>)
  return %r#0, %r#1 : tensor<3x1xf32>, tensor<2x3xf32>
}

func.func private @partly_used(%x: tensor<3xf32>, %y: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %0 = mlax.exponential %x : tensor<3xf32>
  %1 = mlax.sine %y : tensor<3xf32>
  return %0, %1 : tensor<3xf32>, tensor<3xf32>
}
// Symbolic zeros: only x is active, so nothing is computed for sin(y)'s
// cotangent; y's branch contributes no code.
// CHECK-LABEL: func.func @vjp_symbolic_zero(
// CHECK-NOT:    mlax.cosine
// CHECK:        %[[E:.*]] = mlax.exponential %arg0
// CHECK:        %[[G:.*]] = mlax.multiply %arg2, %[[E]]
// CHECK-NOT:    mlax.cosine
// CHECK:        return
func.func @vjp_symbolic_zero(%x: tensor<3xf32>, %y: tensor<3xf32>, %c0: tensor<3xf32>, %c1: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %r:3 = mlax.vjp @partly_used(%x, %y) cotangents(%c0, %c1) active = [0] : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
  return %r#0, %r#1, %r#2 : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

func.func private @second(%x: tensor<f32>) -> tensor<f32> {
  %one = mlax.constant dense<1.0> : tensor<f32>
  %r:2 = mlax.vjp @cube(%x) cotangents(%one) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#1 : tensor<f32>
}
func.func private @cube(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.multiply %x, %x : tensor<f32>
  %1 = mlax.multiply %0, %x : tensor<f32>
  return %1 : tensor<f32>
}
// grad(grad(x^3)) = 6x: nested reverse mode composes.
// CHECK-LABEL: func.func @grad_grad(
// CHECK-NOT:    mlax.vjp
// CHECK:        return
func.func @grad_grad(%x: tensor<f32>, %ct: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.vjp @second(%x) cotangents(%ct) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}
