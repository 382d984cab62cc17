// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// cumsum is linear: its JVP is the cumsum of the tangent, its transpose the
// suffix sum (reverse flipped); batching shifts the axis past the batch.

func.func private @f(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = mlax.cumsum %x, axis = 1 : tensor<2x5xf32>
  %1 = mlax.sine %0 : tensor<2x5xf32>
  return %1 : tensor<2x5xf32>
}

// CHECK-LABEL: func.func @jvp(
// CHECK:        %[[P:.*]] = mlax.cumsum %arg0, axis = 1 : tensor<2x5xf32>
// CHECK:        %[[T:.*]] = mlax.cumsum %arg1, axis = 1 : tensor<2x5xf32>
// CHECK:        %[[C:.*]] = mlax.cosine %[[P]]
// CHECK:        mlax.multiply %[[T]], %[[C]]
func.func @jvp(%x: tensor<2x5xf32>, %t: tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>) {
  %r:2 = mlax.jvp @f(%x) tangents(%t) active = [0] : (tensor<2x5xf32>, tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>)
  return %r#0, %r#1 : tensor<2x5xf32>, tensor<2x5xf32>
}

// CHECK-LABEL: func.func @vjp(
// CHECK:        %[[G:.*]] = mlax.multiply %arg1, %{{.*}} : tensor<2x5xf32>
// CHECK:        %[[S:.*]] = mlax.cumsum %[[G]], axis = 1 reverse : tensor<2x5xf32>
// CHECK:        return %{{.*}}, %[[S]]
func.func @vjp(%x: tensor<2x5xf32>, %ct: tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>) {
  %r:2 = mlax.vjp @f(%x) cotangents(%ct) active = [0] : (tensor<2x5xf32>, tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>)
  return %r#0, %r#1 : tensor<2x5xf32>, tensor<2x5xf32>
}

// Batch at dimension 1 of a (2, 3, 5) input: the summed axis becomes 2.
// CHECK-LABEL: func.func @vmap(
// CHECK:        mlax.cumsum %arg0, axis = 2 : tensor<2x3x5xf32>
func.func @vmap(%xs: tensor<2x3x5xf32>) -> tensor<3x2x5xf32> {
  %r = mlax.vmap @f(%xs) in_dims = [1] out_dims = [0] size = 3 : (tensor<2x3x5xf32>) -> tensor<3x2x5xf32>
  return %r : tensor<3x2x5xf32>
}
