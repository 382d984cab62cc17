// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// Rules of the sharding ops. A shard_map body sits between full_to_shard
// and shard_to_full; its reverse mode is JAX's unchecked one: the output
// cotangent is divided among the devices holding copies (mesh axes the
// out spec does not name), psum transposes to psum, and an input's
// cotangent is summed over the devices that shared it.

func.func private @shmap(%x: tensor<8x4xf32>, %w: tensor<4xf32>) -> tensor<4xf32> {
  %l = mlax.full_to_shard %x {mesh = array<i64: 2, 4>, spec = [array<i64: 0>, array<i64: 1>]} : (tensor<8x4xf32>) -> tensor<4x1xf32>
  %lw = mlax.full_to_shard %w {mesh = array<i64: 2, 4>, spec = [array<i64>]} : (tensor<4xf32>) -> tensor<4xf32>
  %r = mlax.reshape %l : (tensor<4x1xf32>) -> tensor<4xf32>
  %m = mlax.multiply %r, %lw : tensor<4xf32>
  %s = mlax.all_reduce ADD %m {mesh = array<i64: 2, 4>, axes = array<i64: 0>} : tensor<4xf32>
  %o = mlax.shard_to_full %s {mesh = array<i64: 2, 4>, spec = [array<i64>]} : (tensor<4xf32>) -> tensor<4xf32>
  return %o : tensor<4xf32>
}
// CHECK-LABEL: func.func @vjp_shard_map(
// CHECK:        %[[N:.*]] = mlax.constant dense<8.000000e+00> : tensor<4xf32>
// CHECK:        %[[CT:.*]] = mlax.full_to_shard %arg2 {mesh = array<i64: 2, 4>, spec = [array<i64>]} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK:        %[[D:.*]] = mlax.divide %[[CT]], %[[N]]
// CHECK:        %[[P:.*]] = mlax.all_reduce ADD %[[D]] {axes = array<i64: 0>, mesh = array<i64: 2, 4>}
// CHECK:        %[[GW:.*]] = mlax.multiply %{{.*}}, %[[P]]
// CHECK:        %[[SUM:.*]] = mlax.all_reduce ADD %[[GW]] {axes = array<i64: 0, 1>, mesh = array<i64: 2, 4>}
// CHECK:        mlax.shard_to_full %[[SUM]] {mesh = array<i64: 2, 4>, spec = [array<i64>]} : (tensor<4xf32>) -> tensor<4xf32>
func.func @vjp_shard_map(%x: tensor<8x4xf32>, %w: tensor<4xf32>, %ct: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.vjp @shmap(%x, %w) cotangents(%ct) active = [1] : (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

func.func private @gather(%x: tensor<2x4xf32>) -> tensor<2x16xf32> {
  %l = mlax.full_to_shard %x {mesh = array<i64: 4>, spec = [array<i64>, array<i64: 0>]} : (tensor<2x4xf32>) -> tensor<2x1xf32>
  %g = mlax.all_gather %l {mesh = array<i64: 4>, axes = array<i64: 0>, all_gather_dim = 1} : (tensor<2x1xf32>) -> tensor<2x4xf32>
  %p = mlax.collective_permute %g {mesh = array<i64: 4>, axes = array<i64: 0>, pairs = array<i64: 0, 1, 1, 2, 2, 3, 3, 0>} : tensor<2x4xf32>
  %o = mlax.shard_to_full %p {mesh = array<i64: 4>, spec = [array<i64>, array<i64: 0>]} : (tensor<2x4xf32>) -> tensor<2x16xf32>
  return %o : tensor<2x16xf32>
}
// all_gather transposes to reduce_scatter, a permutation to its inverse.
// CHECK-LABEL: func.func @vjp_gather(
// CHECK:        %[[C:.*]] = mlax.full_to_shard %arg1 {mesh = array<i64: 4>, spec = [array<i64>, array<i64: 0>]} : (tensor<2x16xf32>) -> tensor<2x4xf32>
// CHECK:        %[[I:.*]] = mlax.collective_permute %[[C]] {axes = array<i64: 0>, mesh = array<i64: 4>, pairs = array<i64: 1, 0, 2, 1, 3, 2, 0, 3>}
// CHECK:        %[[S:.*]] = mlax.reduce_scatter %[[I]] {axes = array<i64: 0>, mesh = array<i64: 4>, scatter_dimension = 1 : i64} : (tensor<2x4xf32>) -> tensor<2x1xf32>
// CHECK:        mlax.shard_to_full %[[S]]
func.func @vjp_gather(%x: tensor<2x4xf32>, %ct: tensor<2x16xf32>) -> (tensor<2x16xf32>, tensor<2x4xf32>) {
  %r:2 = mlax.vjp @gather(%x) cotangents(%ct) active = [0] : (tensor<2x4xf32>, tensor<2x16xf32>) -> (tensor<2x16xf32>, tensor<2x4xf32>)
  return %r#0, %r#1 : tensor<2x16xf32>, tensor<2x4xf32>
}

func.func private @constrained(%x: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %s = mlax.sine %x : tensor<8x4xf32>
  %c = mlax.sharding_constraint %s {mesh = array<i64: 2, 4>, spec = [array<i64: 0>, array<i64>]} : tensor<8x4xf32>
  return %c : tensor<8x4xf32>
}
// The JVP constrains the tangent like the primal.
// CHECK-LABEL: func.func @jvp_constraint(
// CHECK:        %[[T:.*]] = mlax.multiply %arg1, %{{.*}}
// CHECK:        mlax.sharding_constraint %{{.*}} {mesh = array<i64: 2, 4>, spec = [array<i64: 0>, array<i64>]}
// CHECK:        mlax.sharding_constraint %[[T]] {mesh = array<i64: 2, 4>, spec = [array<i64: 0>, array<i64>]}
func.func @jvp_constraint(%x: tensor<8x4xf32>, %t: tensor<8x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  %r:2 = mlax.jvp @constrained(%x) tangents(%t) active = [0] : (tensor<8x4xf32>, tensor<8x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>)
  return %r#0, %r#1 : tensor<8x4xf32>, tensor<8x4xf32>
}

// Batching leaves the batch dimension unsplit (and unconstrained) and moves
// the collectives' dimensions past it.
// CHECK-LABEL: func.func @vmap_sharding(
// CHECK:        %[[C:.*]] = mlax.sharding_constraint %arg0 {mesh = array<i64: 2, 4>, spec = [array<i64: 0>, array<i64>, array<i64>], unspecified_dims = array<i64: 1>} : tensor<8x3x4xf32>
// CHECK:        %[[L:.*]] = mlax.full_to_shard %[[C]] {mesh = array<i64: 2, 4>, spec = [array<i64: 0>, array<i64>, array<i64: 1>]} : (tensor<8x3x4xf32>) -> tensor<4x3x1xf32>
// CHECK:        %[[G:.*]] = mlax.all_gather %[[L]] {all_gather_dim = 2 : i64, axes = array<i64: 1>, mesh = array<i64: 2, 4>} : (tensor<4x3x1xf32>) -> tensor<4x3x4xf32>
// CHECK:        mlax.shard_to_full %[[G]] {mesh = array<i64: 2, 4>, spec = [array<i64: 0>, array<i64>, array<i64>]} : (tensor<4x3x4xf32>) -> tensor<8x3x4xf32>
func.func private @per_example(%x: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %c = mlax.sharding_constraint %x {mesh = array<i64: 2, 4>, spec = [array<i64: 0>, array<i64>]} : tensor<8x4xf32>
  %l = mlax.full_to_shard %c {mesh = array<i64: 2, 4>, spec = [array<i64: 0>, array<i64: 1>]} : (tensor<8x4xf32>) -> tensor<4x1xf32>
  %g = mlax.all_gather %l {mesh = array<i64: 2, 4>, axes = array<i64: 1>, all_gather_dim = 1} : (tensor<4x1xf32>) -> tensor<4x4xf32>
  %o = mlax.shard_to_full %g {mesh = array<i64: 2, 4>, spec = [array<i64: 0>, array<i64>]} : (tensor<4x4xf32>) -> tensor<8x4xf32>
  return %o : tensor<8x4xf32>
}
func.func @vmap_sharding(%xs: tensor<8x3x4xf32>) -> tensor<8x3x4xf32> {
  %r = mlax.vmap @per_example(%xs) in_dims = [1] out_dims = [1] size = 3 : (tensor<8x3x4xf32>) -> tensor<8x3x4xf32>
  return %r : tensor<8x3x4xf32>
}
