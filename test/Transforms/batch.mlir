// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// Batching rules: one batch dimension per value, moved only when needed.

func.func private @matvec(%m: tensor<3x4xf32>, %v: tensor<4xf32>) -> tensor<3xf32> {
  %0 = mlax.dot_general %m, %v, batching_dims = [] x [], contracting_dims = [1] x [0] : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
// A vmapped matrix-vector product is one matrix-matrix dot_general.
// CHECK-LABEL: func.func @vmap_matvec(
// CHECK-NEXT:   %[[D:.*]] = mlax.dot_general %arg0, %arg1, batching_dims = [] x [], contracting_dims = [1] x [1] : (tensor<3x4xf32>, tensor<8x4xf32>) -> tensor<3x8xf32>
// CHECK-NEXT:   %[[T:.*]] = mlax.transpose %[[D]], dims = [1, 0]
// CHECK-NEXT:   return %[[T]]
func.func @vmap_matvec(%m: tensor<3x4xf32>, %vs: tensor<8x4xf32>) -> tensor<8x3xf32> {
  %r = mlax.vmap @matvec(%m, %vs) in_dims = [-1, 0] out_dims = [0] size = 8 : (tensor<3x4xf32>, tensor<8x4xf32>) -> tensor<8x3xf32>
  return %r : tensor<8x3xf32>
}
// With out_dims = [1] no transpose is needed at all.
// CHECK-LABEL: func.func @vmap_matvec_out1(
// CHECK-NEXT:   %[[D:.*]] = mlax.dot_general %arg0, %arg1
// CHECK-NEXT:   return %[[D]]
func.func @vmap_matvec_out1(%m: tensor<3x4xf32>, %vs: tensor<8x4xf32>) -> tensor<3x8xf32> {
  %r = mlax.vmap @matvec(%m, %vs) in_dims = [-1, 0] out_dims = [1] size = 8 : (tensor<3x4xf32>, tensor<8x4xf32>) -> tensor<3x8xf32>
  return %r : tensor<3x8xf32>
}
// Both operands batched: a batching dimension.
// CHECK-LABEL: func.func @vmap_both(
// CHECK-NEXT:   mlax.dot_general %arg0, %arg1, batching_dims = [0] x [0], contracting_dims = [2] x [1] : (tensor<8x3x4xf32>, tensor<8x4xf32>) -> tensor<8x3xf32>
func.func @vmap_both(%ms: tensor<8x3x4xf32>, %vs: tensor<8x4xf32>) -> tensor<8x3xf32> {
  %r = mlax.vmap @matvec(%ms, %vs) in_dims = [0, 0] out_dims = [0] size = 8 : (tensor<8x3x4xf32>, tensor<8x4xf32>) -> tensor<8x3xf32>
  return %r : tensor<8x3xf32>
}

func.func private @scale(%x: tensor<4xf32>, %s: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.multiply %x, %s : tensor<4xf32>
  %1 = mlax.exponential %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}
// Mixed batched/unbatched elementwise operands: the unbatched one is
// broadcast into the batch dimension, which stays where it is (dim 1).
// CHECK-LABEL: func.func @vmap_mixed(
// CHECK-NEXT:   %[[B:.*]] = mlax.broadcast_in_dim %arg1, dims = [0] : (tensor<4xf32>) -> tensor<4x5xf32>
// CHECK-NEXT:   %[[M:.*]] = mlax.multiply %arg0, %[[B]] : tensor<4x5xf32>
// CHECK-NEXT:   %[[E:.*]] = mlax.exponential %[[M]] : tensor<4x5xf32>
// CHECK-NEXT:   return %[[E]]
func.func @vmap_mixed(%xs: tensor<4x5xf32>, %s: tensor<4xf32>) -> tensor<4x5xf32> {
  %r = mlax.vmap @scale(%xs, %s) in_dims = [1, -1] out_dims = [1] size = 5 : (tensor<4x5xf32>, tensor<4xf32>) -> tensor<4x5xf32>
  return %r : tensor<4x5xf32>
}

func.func private @total(%x: tensor<3x4xf32>) -> tensor<3xf32> {
  %z = mlax.constant dense<0.0> : tensor<f32>
  %0 = mlax.reduce(%x) init(%z) dims = [1] : (tensor<3x4xf32>, tensor<f32>) -> tensor<3xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = mlax.add %a, %b : tensor<f32>
    mlax.return %s : tensor<f32>
  }
  return %0 : tensor<3xf32>
}
// reduce: the batch goes first and the reduced dimensions shift.
// CHECK-LABEL: func.func @vmap_reduce(
// CHECK:        mlax.reduce(%arg0) init(%{{.*}}) dims = [2] : (tensor<6x3x4xf32>, tensor<f32>) -> tensor<6x3xf32>
func.func @vmap_reduce(%xs: tensor<6x3x4xf32>) -> tensor<6x3xf32> {
  %r = mlax.vmap @total(%xs) in_dims = [0] out_dims = [0] size = 6 : (tensor<6x3x4xf32>) -> tensor<6x3xf32>
  return %r : tensor<6x3xf32>
}

func.func private @inner(%x: tensor<f32>, %y: tensor<f32>) -> tensor<f32> {
  %0 = mlax.multiply %x, %y : tensor<f32>
  return %0 : tensor<f32>
}
func.func private @row(%x: tensor<f32>, %ys: tensor<4xf32>) -> tensor<4xf32> {
  %r = mlax.vmap @inner(%x, %ys) in_dims = [-1, 0] out_dims = [0] size = 4 : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}
// Nested vmap: an outer product.
// CHECK-LABEL: func.func @outer(
// CHECK-DAG:    %[[A:.*]] = mlax.broadcast_in_dim %arg0, dims = [0] : (tensor<3xf32>) -> tensor<3x4xf32>
// CHECK-DAG:    %[[B:.*]] = mlax.broadcast_in_dim %arg1, dims = [1] : (tensor<4xf32>) -> tensor<3x4xf32>
// CHECK:        mlax.multiply
// CHECK-NOT:    mlax.vmap
func.func @outer(%xs: tensor<3xf32>, %ys: tensor<4xf32>) -> tensor<3x4xf32> {
  %r = mlax.vmap @row(%xs, %ys) in_dims = [0, -1] out_dims = [0] size = 3 : (tensor<3xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}

func.func private @window(%x: tensor<6xf32>, %i: tensor<i32>) -> tensor<2xf32> {
  %0 = mlax.slice %x, start = [1], limit = [5], strides = [2] : (tensor<6xf32>) -> tensor<2xf32>
  %1 = mlax.dynamic_slice %x, starts(%i), sizes = [2] : (tensor<6xf32>, tensor<i32>) -> tensor<2xf32>
  %2 = mlax.add %0, %1 : tensor<2xf32>
  return %2 : tensor<2xf32>
}
// slice and dynamic_slice with an unbatched index: the batch is a leading
// full-size slice dimension.
// CHECK-LABEL: func.func @vmap_slices(
// CHECK:        mlax.slice %arg0, start = [0, 1], limit = [5, 5], strides = [1, 2]
// CHECK:        mlax.dynamic_slice %arg0, starts(%{{.*}}, %arg1), sizes = [5, 2]
func.func @vmap_slices(%xs: tensor<5x6xf32>, %i: tensor<i32>) -> tensor<5x2xf32> {
  %r = mlax.vmap @window(%xs, %i) in_dims = [0, -1] out_dims = [0] size = 5 : (tensor<5x6xf32>, tensor<i32>) -> tensor<5x2xf32>
  return %r : tensor<5x2xf32>
}

func.func private @ipow(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = mlax.integer_pow %x, -2 : tensor<3xf32>
  return %0 : tensor<3xf32>
}
// integer_pow is elementwise: the batched op keeps its exponent.
// CHECK-LABEL: func.func @vmap_integer_pow(
// CHECK-NEXT:   %[[R:.*]] = mlax.integer_pow %arg0, -2 : tensor<5x3xf32>
// CHECK-NEXT:   return %[[R]]
func.func @vmap_integer_pow(%xs: tensor<5x3xf32>) -> tensor<5x3xf32> {
  %r = mlax.vmap @ipow(%xs) in_dims = [0] out_dims = [0] size = 5 : (tensor<5x3xf32>) -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}

func.func private @window_at(%x: tensor<6xf32>, %i: tensor<i32>) -> tensor<2xf32> {
  %0 = mlax.dynamic_slice %x, starts(%i), sizes = [2] : (tensor<6xf32>, tensor<i32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
// A batched start index: one gather with a batching dimension pair (gather
// clamps the starts as dynamic_slice does; the index vectors are in batch
// order, so sorted).
// CHECK-LABEL: func.func @vmap_dynamic_slice_batched_index(
// CHECK:        %[[I:.*]] = mlax.reshape %arg1 : (tensor<5xi32>) -> tensor<5x1xi32>
// CHECK:        mlax.gather %arg0[%[[I]]], offset_dims = [1], collapsed_slice_dims = [], operand_batching_dims = [0], start_indices_batching_dims = [0], start_index_map = [1], index_vector_dim = 1, slice_sizes = [1, 2] {indices_are_sorted = true}
func.func @vmap_dynamic_slice_batched_index(%xs: tensor<5x6xf32>, %is: tensor<5xi32>) -> tensor<5x2xf32> {
  %r = mlax.vmap @window_at(%xs, %is) in_dims = [0, 0] out_dims = [0] size = 5 : (tensor<5x6xf32>, tensor<5xi32>) -> tensor<5x2xf32>
  return %r : tensor<5x2xf32>
}

func.func private @write(%x: tensor<6xf32>, %u: tensor<2xf32>, %i: tensor<i32>) -> tensor<6xf32> {
  %0 = mlax.dynamic_update_slice %x, %u, starts(%i) : (tensor<6xf32>, tensor<2xf32>, tensor<i32>) -> tensor<6xf32>
  return %0 : tensor<6xf32>
}
// CHECK-LABEL: func.func @vmap_dynamic_update_slice_batched_index(
// CHECK:        %[[C:.*]] = mlax.clamp
// CHECK:        mlax.scatter %arg0[%[[C]]], %arg1, update_window_dims = [1], inserted_window_dims = [], input_batching_dims = [0], scatter_indices_batching_dims = [0], scatter_dims_to_operand_dims = [1], index_vector_dim = 1 {unique_indices = true}
func.func @vmap_dynamic_update_slice_batched_index(%xs: tensor<5x6xf32>, %us: tensor<5x2xf32>, %is: tensor<5xi32>) -> tensor<5x6xf32> {
  %r = mlax.vmap @write(%xs, %us, %is) in_dims = [0, 0, 0] out_dims = [0] size = 5 : (tensor<5x6xf32>, tensor<5x2xf32>, tensor<5xi32>) -> tensor<5x6xf32>
  return %r : tensor<5x6xf32>
}
