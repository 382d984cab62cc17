// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// convolution's rules (JAX's): bilinear JVP; the lhs cotangent convolves
// the cotangent with the spatially reversed kernel (dimension numbers
// (out, rhs^T, lhs), strides and lhs dilation swapped); the rhs cotangent
// convolves lhs with the cotangent; vmap of the input folds the batch into
// the convolution's batch dimension.

func.func private @conv(%x: tensor<2x3x7xf32>, %w: tensor<4x3x3xf32>) -> tensor<2x4x3xf32> {
  %0 = mlax.convolution %x, %w {batch_group_count = 1 : i64, feature_group_count = 1 : i64, lhs_dilation = array<i64: 1>, lhs_spec = array<i64: 0, 1, 2>, out_spec = array<i64: 0, 1, 2>, padding = array<i64: 0, 0>, rhs_dilation = array<i64: 1>, rhs_spec = array<i64: 0, 1, 2>, window_strides = array<i64: 2>} : (tensor<2x3x7xf32>, tensor<4x3x3xf32>) -> tensor<2x4x3xf32>
  return %0 : tensor<2x4x3xf32>
}

// CHECK-LABEL: func.func @conv_vjp(
// CHECK:        mlax.convolution %arg0, %arg2 {{.*}}lhs_spec = array<i64: 1, 0, 2>, out_spec = array<i64: 1, 0, 2>, padding = array<i64: 0, 0>, rhs_dilation = array<i64: 2>, rhs_spec = array<i64: 1, 0, 2>, window_strides = array<i64: 1>} : (tensor<2x3x7xf32>, tensor<2x4x3xf32>) -> tensor<4x3x3xf32>
// CHECK:        %[[R:.*]] = mlax.reverse %arg1, dims = [2]
// CHECK:        mlax.convolution %arg2, %[[R]] {{.*}}lhs_dilation = array<i64: 2>, lhs_spec = array<i64: 0, 1, 2>, out_spec = array<i64: 0, 1, 2>, padding = array<i64: 2, 2>, rhs_dilation = array<i64: 1>, rhs_spec = array<i64: 1, 0, 2>, window_strides = array<i64: 1>} : (tensor<2x4x3xf32>, tensor<4x3x3xf32>) -> tensor<2x3x7xf32>
func.func @conv_vjp(%x: tensor<2x3x7xf32>, %w: tensor<4x3x3xf32>, %ct: tensor<2x4x3xf32>) -> (tensor<2x4x3xf32>, tensor<2x3x7xf32>, tensor<4x3x3xf32>) {
  %r:3 = mlax.vjp @conv(%x, %w) cotangents(%ct) active = [0, 1] : (tensor<2x3x7xf32>, tensor<4x3x3xf32>, tensor<2x4x3xf32>) -> (tensor<2x4x3xf32>, tensor<2x3x7xf32>, tensor<4x3x3xf32>)
  return %r#0, %r#1, %r#2 : tensor<2x4x3xf32>, tensor<2x3x7xf32>, tensor<4x3x3xf32>
}



// CHECK-LABEL: func.func @conv_vmap_lhs(
// CHECK:        %[[F:.*]] = mlax.reshape %arg0 : (tensor<5x2x3x7xf32>) -> tensor<10x3x7xf32>
// CHECK:        %[[C:.*]] = mlax.convolution %[[F]], %arg1 {{.*}} -> tensor<10x4x3xf32>
// CHECK:        mlax.reshape %[[C]] : (tensor<10x4x3xf32>) -> tensor<5x2x4x3xf32>
func.func @conv_vmap_lhs(%xs: tensor<5x2x3x7xf32>, %w: tensor<4x3x3xf32>) -> tensor<5x2x4x3xf32> {
  %r = mlax.vmap @conv(%xs, %w) in_dims = [0, -1] out_dims = [0] size = 5 : (tensor<5x2x3x7xf32>, tensor<4x3x3xf32>) -> tensor<5x2x4x3xf32>
  return %r : tensor<5x2x4x3xf32>
}
