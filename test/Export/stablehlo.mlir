// RUN: mlax-translate --mlax-to-stablehlo %s | FileCheck %s
// RUN: mlax-translate --mlax-to-stablehlo %S/../Dialect/ops.mlir | FileCheck %s --check-prefix=ALL

// Export renames each mlax op to its StableHLO (or CHLO) op and rewrites the
// attributes whose StableHLO form is a dialect attribute.

// CHECK-LABEL: func.func @main
func.func @main(%x: tensor<2x3xf32>, %m: tensor<3x4xf32>) -> (tensor<2x4xf32>, tensor<2xf32>, tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  // CHECK: "stablehlo.dot_general"(%arg0, %arg1) {dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}
  %0 = mlax.dot_general %x, %m, batching_dims = [] x [], contracting_dims = [1] x [0] : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  // CHECK: "stablehlo.constant"() {value = dense<0.000000e+00> : tensor<f32>}
  %z = mlax.constant dense<0.0> : tensor<f32>
  // CHECK: "stablehlo.reduce"(%arg0, %{{.*}}) ({
  // CHECK: "stablehlo.add"
  // CHECK: "stablehlo.return"
  // CHECK: }) {dimensions = array<i64: 1>}
  %1 = mlax.reduce(%x) init(%z) dims = [1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = mlax.add %a, %b : tensor<f32>
    mlax.return %s : tensor<f32>
  }
  // CHECK: "stablehlo.compare"(%arg0, %arg0) {compare_type = #stablehlo<comparison_type FLOAT>, comparison_direction = #stablehlo<comparison_direction GE>}
  %2 = mlax.compare GE, %x, %x, FLOAT : tensor<2x3xf32>
  // CHECK: "chlo.erf"(%arg0)
  %3 = mlax.erf %x : tensor<2x3xf32>
  // Ops with the Mlax_ExportsToChlo trait keep their name under chlo.
  // CHECK: "chlo.sinh"(%arg0)
  %4 = mlax.sinh %x : tensor<2x3xf32>
  // CHECK: "chlo.cosh"(%arg0)
  %5 = mlax.cosh %x : tensor<2x3xf32>
  // CHECK: return
  return %0, %1, %2, %3, %4, %5 : tensor<2x4xf32>, tensor<2xf32>, tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// ALL-NOT: mlax.
// ALL: "stablehlo.iota"() {iota_dimension = 1 : i64}
// ALL: "stablehlo.bitcast_convert"
// ALL: "chlo.erf_inv"
// ALL: "stablehlo.shift_right_arithmetic"
// ALL: "chlo.next_after"
// ALL: "stablehlo.popcnt"
// ALL: "stablehlo.count_leading_zeros"
// ALL: "stablehlo.reduce_precision"(%arg0) {exponent_bits = 5 : i32, mantissa_bits = 10 : i32}
// ALL: "stablehlo.broadcast_in_dim"(%{{.*}}) {broadcast_dimensions = array<i64>}
// ALL: "stablehlo.transpose"(%arg0) {permutation = array<i64: 1, 0>}
// ALL: "stablehlo.slice"(%arg0) {limit_indices = array<i64: 2, 3>, start_indices = array<i64: 0, 1>, strides = array<i64: 1, 2>}
// ALL: "stablehlo.dynamic_slice"(%arg0, %arg5, %arg5) {slice_sizes = array<i64: 1, 2>}
// ALL: "stablehlo.concatenate"(%arg0, %arg1) {dimension = 0 : i64}
// ALL: "stablehlo.pad"
// ALL: "stablehlo.reverse"(%arg0) {dimensions = array<i64: 0>}
// ALL: "stablehlo.while"
// ALL: "stablehlo.case"

// checkpoint regions are inlined, checkpoint_name erased, and
// optimization_barrier kept.
// CHECK-LABEL: func.func @remat
// CHECK-NOT:    checkpoint
// CHECK:        %[[B:.*]] = "stablehlo.optimization_barrier"(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK:        %[[S:.*]] = "stablehlo.sine"(%[[B]])
// CHECK:        return %[[S]]
func.func @remat(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.checkpoint saveable = ["dots"] prevent_cse -> (tensor<4xf32>) {
    %b = mlax.optimization_barrier %x : tensor<4xf32>
    %n = mlax.checkpoint_name %b, "a" : tensor<4xf32>
    %s = mlax.sine %n : tensor<4xf32>
    mlax.return %s : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}
