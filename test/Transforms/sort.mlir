// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// sort's rules are JAX's: the JVP sorts with an iota and gathers the
// tangent with the permutation (reverse mode transposes the gather into a
// scatter-add); batching sorts one dimension further in, batch in front.

func.func private @f(%x: tensor<2x5xf32>, %v: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0:2 = mlax.sort(%x, %v) dim = 1 num_keys = 1 stable : (tensor<2x5xf32>, tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>)
  %1 = mlax.multiply %0#0, %0#1 : tensor<2x5xf32>
  return %1 : tensor<2x5xf32>
}

// CHECK-LABEL: func.func @jvp(
// CHECK:        %[[I:.*]] = mlax.iota dim = 1 : tensor<2x5xi32>
// CHECK:        %[[S:.*]]:3 = mlax.sort(%arg0, %arg1, %[[I]]) dim = 1 num_keys = 1 stable
// CHECK:        %[[P:.*]] = mlax.reshape %[[S]]#2 : (tensor<2x5xi32>) -> tensor<2x5x1xi32>
// CHECK:        mlax.gather %arg2[%[[P]]], offset_dims = [], collapsed_slice_dims = [1], operand_batching_dims = [0], start_indices_batching_dims = [0], start_index_map = [1], index_vector_dim = 2, slice_sizes = [1, 1]
// CHECK-NOT:    mlax.gather
func.func @jvp(%x: tensor<2x5xf32>, %v: tensor<2x5xf32>, %t: tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>) {
  %r:2 = mlax.jvp @f(%x, %v) tangents(%t) active = [0] : (tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>)
  return %r#0, %r#1 : tensor<2x5xf32>, tensor<2x5xf32>
}

// CHECK-LABEL: func.func @vjp(
// CHECK:        mlax.sort(%arg0, %arg1, %{{.*}}) dim = 1 num_keys = 1 stable
// CHECK:        mlax.scatter {{.*}}inserted_window_dims = [1], input_batching_dims = [0]
// CHECK:        mlax.add
func.func @vjp(%x: tensor<2x5xf32>, %v: tensor<2x5xf32>, %ct: tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>) {
  %r:2 = mlax.vjp @f(%x, %v) cotangents(%ct) active = [0] : (tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>)
  return %r#0, %r#1 : tensor<2x5xf32>, tensor<2x5xf32>
}

// The unbatched operand is broadcast; the sorted dimension becomes 2.
// CHECK-LABEL: func.func @vmap(
// CHECK:        %[[X:.*]] = mlax.transpose %arg0, dims = [1, 0, 2]
// CHECK:        %[[V:.*]] = mlax.broadcast_in_dim %arg1, dims = [1, 2] : (tensor<2x5xf32>) -> tensor<3x2x5xf32>
// CHECK:        mlax.sort(%[[X]], %[[V]]) dim = 2 num_keys = 1 stable : (tensor<3x2x5xf32>, tensor<3x2x5xf32>)
func.func @vmap(%xs: tensor<2x3x5xf32>, %v: tensor<2x5xf32>) -> tensor<3x2x5xf32> {
  %r = mlax.vmap @f(%xs, %v) in_dims = [1, -1] out_dims = [0] size = 3 : (tensor<2x3x5xf32>, tensor<2x5xf32>) -> tensor<3x2x5xf32>
  return %r : tensor<3x2x5xf32>
}

// top_k's JVP gathers the tangent at the indices; batching puts the batch
// in front (top_k acts on the last dimension).
func.func private @topk(%x: tensor<2x5xf32>) -> tensor<2x3xf32> {
  %0:2 = mlax.top_k %x, k = 3 : (tensor<2x5xf32>) -> (tensor<2x3xf32>, tensor<2x3xi32>)
  return %0#0 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @topk_jvp(
// CHECK:        %[[V:.*]], %[[I:.*]] = mlax.top_k %arg0, k = 3
// CHECK:        %[[P:.*]] = mlax.reshape %[[I]] : (tensor<2x3xi32>) -> tensor<2x3x1xi32>
// CHECK:        mlax.gather %arg1[%[[P]]], offset_dims = [], collapsed_slice_dims = [1], operand_batching_dims = [0], start_indices_batching_dims = [0], start_index_map = [1], index_vector_dim = 2, slice_sizes = [1, 1] : (tensor<2x5xf32>, tensor<2x3x1xi32>) -> tensor<2x3xf32>
func.func @topk_jvp(%x: tensor<2x5xf32>, %t: tensor<2x5xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %r:2 = mlax.jvp @topk(%x) tangents(%t) active = [0] : (tensor<2x5xf32>, tensor<2x5xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>)
  return %r#0, %r#1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @topk_vmap(
// CHECK:        %[[T:.*]] = mlax.transpose %arg0, dims = [2, 0, 1]
// CHECK:        mlax.top_k %[[T]], k = 3 : (tensor<4x2x5xf32>) -> (tensor<4x2x3xf32>, tensor<4x2x3xi32>)
func.func @topk_vmap(%x: tensor<2x5x4xf32>) -> tensor<4x2x3xf32> {
  %r = mlax.vmap @topk(%x) in_dims = [2] out_dims = [0] size = 4 : (tensor<2x5x4xf32>) -> tensor<4x2x3xf32>
  return %r : tensor<4x2x3xf32>
}
