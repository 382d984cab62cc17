// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// JVP, transpose and batching rules of gather and scatter.

func.func private @take(%x: tensor<4x3xf32>, %i: tensor<2x1xi32>) -> tensor<2x3xf32> {
  %0 = mlax.gather %x[%i], offset_dims = [1], collapsed_slice_dims = [0], operand_batching_dims = [], start_indices_batching_dims = [], start_index_map = [0], index_vector_dim = 1, slice_sizes = [1, 3] : (tensor<4x3xf32>, tensor<2x1xi32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
// Gather is linear in its operand: the tangent is the same gather.
// CHECK-LABEL: func.func @jvp_gather(
// CHECK-NEXT:   %[[Y:.*]] = mlax.gather %arg0[%arg1], offset_dims = [1]
// CHECK-NEXT:   %[[T:.*]] = mlax.gather %arg2[%arg1], offset_dims = [1]
// CHECK-NEXT:   return %[[Y]], %[[T]]
func.func @jvp_gather(%x: tensor<4x3xf32>, %i: tensor<2x1xi32>, %t: tensor<4x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %r:2 = mlax.jvp @take(%x, %i) tangents(%t) active = [0] : (tensor<4x3xf32>, tensor<2x1xi32>, tensor<4x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>)
  return %r#0, %r#1 : tensor<2x3xf32>, tensor<2x3xf32>
}
// Its transpose is a scatter-add into zeros, at the starts clamped as the
// gather clamps them (a scatter would drop an out-of-range window).
// CHECK-LABEL: func.func @vjp_gather(
// CHECK-DAG:    %[[HI:.*]] = mlax.constant dense<3> : tensor<2x1xi32>
// CHECK-DAG:    %[[Z:.*]] = mlax.constant dense<0.000000e+00> : tensor<4x3xf32>
// CHECK-DAG:    %[[LO:.*]] = mlax.constant dense<0> : tensor<2x1xi32>
// CHECK:        %[[I:.*]] = mlax.clamp %[[LO]], %arg1, %[[HI]]
// CHECK:        %[[CT:.*]] = mlax.scatter %[[Z]][%[[I]]], %arg2, update_window_dims = [1], inserted_window_dims = [0], input_batching_dims = [], scatter_indices_batching_dims = [], scatter_dims_to_operand_dims = [0], index_vector_dim = 1
// CHECK:          mlax.add
// CHECK:        return %{{.*}}, %[[CT]]
func.func @vjp_gather(%x: tensor<4x3xf32>, %i: tensor<2x1xi32>, %ct: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<4x3xf32>) {
  %r:2 = mlax.vjp @take(%x, %i) cotangents(%ct) active = [0] : (tensor<4x3xf32>, tensor<2x1xi32>, tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<4x3xf32>)
  return %r#0, %r#1 : tensor<2x3xf32>, tensor<4x3xf32>
}
// Batched indices only: one more index batch dimension, no copy of %x.
// CHECK-LABEL: func.func @vmap_gather_indices(
// CHECK-NEXT:   mlax.gather %arg0[%arg1], offset_dims = [2], collapsed_slice_dims = [0], operand_batching_dims = [], start_indices_batching_dims = [], start_index_map = [0], index_vector_dim = 2, slice_sizes = [1, 3] : (tensor<4x3xf32>, tensor<5x2x1xi32>) -> tensor<5x2x3xf32>
func.func @vmap_gather_indices(%x: tensor<4x3xf32>, %is: tensor<5x2x1xi32>) -> tensor<5x2x3xf32> {
  %r = mlax.vmap @take(%x, %is) in_dims = [-1, 0] out_dims = [0] size = 5 : (tensor<4x3xf32>, tensor<5x2x1xi32>) -> tensor<5x2x3xf32>
  return %r : tensor<5x2x3xf32>
}
// Batched operand only: the batch is a full-size window dimension.
// CHECK-LABEL: func.func @vmap_gather_operand(
// CHECK-NEXT:   mlax.gather %arg0[%arg1], offset_dims = [0, 2], collapsed_slice_dims = [1], operand_batching_dims = [], start_indices_batching_dims = [], start_index_map = [1], index_vector_dim = 1, slice_sizes = [5, 1, 3]
func.func @vmap_gather_operand(%xs: tensor<5x4x3xf32>, %i: tensor<2x1xi32>) -> tensor<5x2x3xf32> {
  %r = mlax.vmap @take(%xs, %i) in_dims = [0, -1] out_dims = [0] size = 5 : (tensor<5x4x3xf32>, tensor<2x1xi32>) -> tensor<5x2x3xf32>
  return %r : tensor<5x2x3xf32>
}
// Both batched: a batching dimension pair (indices moved to the front).
// CHECK-LABEL: func.func @vmap_gather_both(
// CHECK-NEXT:   %[[I:.*]] = mlax.transpose %arg1, dims = [2, 0, 1]
// CHECK-NEXT:   mlax.gather %arg0[%[[I]]], offset_dims = [2], collapsed_slice_dims = [1], operand_batching_dims = [0], start_indices_batching_dims = [0], start_index_map = [1], index_vector_dim = 2, slice_sizes = [1, 1, 3]
func.func @vmap_gather_both(%xs: tensor<5x4x3xf32>, %is: tensor<2x1x5xi32>) -> tensor<5x2x3xf32> {
  %r = mlax.vmap @take(%xs, %is) in_dims = [0, 2] out_dims = [0] size = 5 : (tensor<5x4x3xf32>, tensor<2x1x5xi32>) -> tensor<5x2x3xf32>
  return %r : tensor<5x2x3xf32>
}
func.func private @put(%x: tensor<4x3xf32>, %i: tensor<2x1xi32>, %u: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %0 = mlax.scatter %x[%i], %u, update_window_dims = [1], inserted_window_dims = [0], input_batching_dims = [], scatter_indices_batching_dims = [], scatter_dims_to_operand_dims = [0], index_vector_dim = 1 : (tensor<4x3xf32>, tensor<2x1xi32>, tensor<2x3xf32>) -> tensor<4x3xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    mlax.return %b : tensor<f32>
  }
  return %0 : tensor<4x3xf32>
}
// Scatter (set): ids say which update won each element; tangents of the
// winners (and of untouched input elements) are scatter-added.
// CHECK-LABEL: func.func @jvp_scatter_set(
// CHECK:        %[[IOTA:.*]] = mlax.iota dim = 0 : tensor<2xui32>
// CHECK:        %[[IDS:.*]] = mlax.broadcast_in_dim %{{.*}} -> tensor<2x3xui32>
// CHECK:        %[[WON:.*]] = mlax.scatter %{{.*}}[%arg1], %[[IDS]]
// CHECK:        %[[BACK:.*]] = mlax.gather %[[WON]][%arg1]
// CHECK:        %[[MASK:.*]] = mlax.compare EQ, %[[IDS]], %[[BACK]], UNSIGNED
// CHECK:        %[[TU:.*]] = mlax.select %[[MASK]], %arg3, %{{.*}}
// CHECK:        %[[T:.*]] = mlax.scatter %{{.*}}[%arg1], %[[TU]]
// CHECK:          mlax.add
// CHECK:        return %{{.*}}, %[[T]]
func.func @jvp_scatter_set(%x: tensor<4x3xf32>, %i: tensor<2x1xi32>, %u: tensor<2x3xf32>, %tu: tensor<2x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  %r:2 = mlax.jvp @put(%x, %i, %u) tangents(%tu) active = [2] : (tensor<4x3xf32>, tensor<2x1xi32>, tensor<2x3xf32>, tensor<2x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>)
  return %r#0, %r#1 : tensor<4x3xf32>, tensor<4x3xf32>
}
// Reverse mode through the same rule: the winners' updates get gathered
// cotangents, overwritten input elements none.
// CHECK-LABEL: func.func @vjp_scatter_set(
// CHECK:        %[[G:.*]] = mlax.gather %arg3[%arg1]
// CHECK:        %[[CTU:.*]] = mlax.select %{{.*}}, %[[G]], %{{.*}}
// CHECK:        %[[CTX:.*]] = mlax.select %{{.*}}, %arg3, %{{.*}}
// CHECK:        return %{{.*}}, %[[CTX]], %[[CTU]]
func.func @vjp_scatter_set(%x: tensor<4x3xf32>, %i: tensor<2x1xi32>, %u: tensor<2x3xf32>, %ct: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<2x3xf32>) {
  %r:3 = mlax.vjp @put(%x, %i, %u) cotangents(%ct) active = [0, 2] : (tensor<4x3xf32>, tensor<2x1xi32>, tensor<2x3xf32>, tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<2x3xf32>)
  return %r#0, %r#1, %r#2 : tensor<4x3xf32>, tensor<4x3xf32>, tensor<2x3xf32>
}
// Scatter batches with a batching dimension pair (shared operands broadcast).
// CHECK-LABEL: func.func @vmap_scatter(
// CHECK:        mlax.scatter %arg0[%{{.*}}], %{{.*}}, update_window_dims = [2], inserted_window_dims = [1], input_batching_dims = [0], scatter_indices_batching_dims = [0], scatter_dims_to_operand_dims = [1], index_vector_dim = 2
func.func @vmap_scatter(%xs: tensor<5x4x3xf32>, %i: tensor<2x1xi32>, %u: tensor<2x3xf32>) -> tensor<5x4x3xf32> {
  %r = mlax.vmap @put(%xs, %i, %u) in_dims = [0, -1, -1] out_dims = [0] size = 5 : (tensor<5x4x3xf32>, tensor<2x1xi32>, tensor<2x3xf32>) -> tensor<5x4x3xf32>
  return %r : tensor<5x4x3xf32>
}
