// RUN: mlax-translate --mlax-to-stablehlo %s | FileCheck %s

// Shardings become XLA's strings (devices listed tile by tile, replicas
// along unnamed axes last); shard_map's boundaries the custom calls of the
// SPMD partitioner; collectives run over replica groups of device
// positions, each on its own channel.

// CHECK-LABEL: func.func @main(
// CHECK-SAME:    mhlo.sharding = "{devices=[2,1,4]0,1,2,3,4,5,6,7 last_tile_dim_replicate}"
// CHECK-SAME:    mhlo.sharding = "{devices=[8,1]0,4,1,5,2,6,3,7}"
// CHECK:        "stablehlo.custom_call"(%arg0) {backend_config = "unspecified_dims=[0]", call_target_name = "Sharding", mhlo.sharding = "{devices=[1,4,2]0,4,1,5,2,6,3,7 last_tile_dim_replicate}"}
// CHECK:        "stablehlo.custom_call"(%{{.*}}) {call_target_name = "Sharding", mhlo.sharding = "{devices=[2,4]0,1,2,3,4,5,6,7}"}
// CHECK:        "stablehlo.custom_call"(%{{.*}}) {call_target_name = "SPMDFullToShardShape", mhlo.sharding = "{manual}"} : (tensor<8x4xf32>) -> tensor<4x1xf32>
// CHECK:        "stablehlo.all_reduce"
// CHECK:          "stablehlo.maximum"
// CHECK:        }) {channel_handle = #stablehlo.channel_handle<handle = 1, type = 1>, replica_groups = dense<{{\[\[}}0, 1, 2, 3], [4, 5, 6, 7]]> : tensor<2x4xi64>, use_global_device_ids}
// CHECK:        "stablehlo.all_gather"(%{{.*}}) {all_gather_dim = 0 : i64, channel_handle = #stablehlo.channel_handle<handle = 2, type = 1>, replica_groups = dense<{{\[\[}}0, 4], [1, 5], [2, 6], [3, 7]]> : tensor<4x2xi64>, use_global_device_ids}
// CHECK:        "stablehlo.reduce_scatter"
// CHECK:          "stablehlo.add"
// CHECK:        scatter_dimension = 0 : i64
// CHECK:        "stablehlo.collective_permute"(%{{.*}}) {channel_handle = #stablehlo.channel_handle<handle = 4, type = 1>, source_target_pairs = dense<{{\[\[}}0, 1], [1, 0], [4, 5], [5, 4]]> : tensor<4x2xi64>}
// CHECK:        "stablehlo.all_to_all"(%{{.*}}) {channel_handle = #stablehlo.channel_handle<handle = 5, type = 1>, concat_dimension = 1 : i64, replica_groups = dense<{{\[\[}}0, 4], [1, 5], [2, 6], [3, 7]]> : tensor<4x2xi64>, split_count = 2 : i64, split_dimension = 0 : i64}
// CHECK:        "stablehlo.partition_id"() : () -> tensor<ui32>
// CHECK:        "stablehlo.custom_call"(%{{.*}}) {call_target_name = "Sharding", mhlo.sharding = "{manual}"} : (tensor<2x2xf32>) -> tensor<2x2xf32>
// CHECK:        "stablehlo.custom_call"(%{{.*}}) {call_target_name = "SPMDShardToFullShape", mhlo.sharding = "{devices=[2,4]0,1,2,3,4,5,6,7}"} : (tensor<2x2xf32>) -> tensor<4x8xf32>
module attributes {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} {
func.func @main(%x: tensor<8x4xf32> {mlax.sharding = {mesh = array<i64: 2, 4>, spec = [array<i64: 0>, array<i64>]}}) -> (tensor<4x8xf32> {mlax.sharding = {mesh = array<i64: 2, 4>, spec = [array<i64: 1, 0>, array<i64>]}}, tensor<i32>) {
  %c = mlax.sharding_constraint %x {mesh = array<i64: 2, 4>, spec = [array<i64>, array<i64: 1>], unspecified_dims = array<i64: 0>} : tensor<8x4xf32>
  %l = mlax.full_to_shard %c {mesh = array<i64: 2, 4>, spec = [array<i64: 0>, array<i64: 1>]} : (tensor<8x4xf32>) -> tensor<4x1xf32>
  %s = mlax.all_reduce MAX %l {mesh = array<i64: 2, 4>, axes = array<i64: 1>} : tensor<4x1xf32>
  %g = mlax.all_gather %s {mesh = array<i64: 2, 4>, axes = array<i64: 0>, all_gather_dim = 0} : (tensor<4x1xf32>) -> tensor<8x1xf32>
  %r = mlax.reduce_scatter %g {mesh = array<i64: 2, 4>, axes = array<i64: 0>, scatter_dimension = 0} : (tensor<8x1xf32>) -> tensor<4x1xf32>
  %p = mlax.collective_permute %r {mesh = array<i64: 2, 4>, axes = array<i64: 1>, pairs = array<i64: 0, 1, 1, 0>} : tensor<4x1xf32>
  %a = mlax.all_to_all %p {mesh = array<i64: 2, 4>, axes = array<i64: 0>, split_dimension = 0, concat_dimension = 1} : (tensor<4x1xf32>) -> tensor<2x2xf32>
  %i = mlax.axis_index {mesh = array<i64: 2, 4>, axes = array<i64: 0, 1>} : tensor<i32>
  %f = mlax.shard_to_full %a {mesh = array<i64: 2, 4>, spec = [array<i64: 0>, array<i64: 1>]} : (tensor<2x2xf32>) -> tensor<4x8xf32>
  return %f, %i : tensor<4x8xf32>, tensor<i32>
}
}
