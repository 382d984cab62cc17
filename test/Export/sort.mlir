// RUN: mlax-translate --mlax-to-stablehlo %s | FileCheck %s

// sort exports as stablehlo.sort with JAX's comparator: float keys with
// -0.0 -> 0.0 and NaN -> one +NaN, compared in total order; complex keys
// as (real, imag); integer keys compared signed / unsigned; the keys
// lexicographically (lt_k or (eq_k and rest)).

// CHECK-LABEL: func.func @floats
// CHECK:        "stablehlo.sort"(%arg0, %arg1) ({
// CHECK:        ^bb0(%[[X0:.*]]: tensor<f32>, %[[Y0:.*]]: tensor<f32>, %{{.*}}: tensor<i32>, %{{.*}}: tensor<i32>):
// CHECK:          "stablehlo.compare"(%[[X0]], %{{.*}}) {{.*}}comparison_direction EQ
// CHECK:          "stablehlo.select"
// CHECK:          comparison_direction NE
// CHECK:          dense<0x7FC00000>
// CHECK:          "stablehlo.compare"{{.*}}comparison_type TOTALORDER{{.*}}comparison_direction LT
// CHECK:          "stablehlo.return"
// CHECK:        }) {dimension = 0 : i64, is_stable = true}
func.func @floats(%x: tensor<4xf32>, %i: tensor<4xi32>) -> (tensor<4xf32>, tensor<4xi32>) {
  %0:2 = mlax.sort(%x, %i) dim = 0 num_keys = 1 stable : (tensor<4xf32>, tensor<4xi32>) -> (tensor<4xf32>, tensor<4xi32>)
  return %0#0, %0#1 : tensor<4xf32>, tensor<4xi32>
}

// CHECK-LABEL: func.func @two_keys
// CHECK:        ^bb0(%[[A:.*]]: tensor<ui8>, %[[B:.*]]: tensor<ui8>, %[[C:.*]]: tensor<i32>, %[[D:.*]]: tensor<i32>):
// CHECK:          %[[LT1:.*]] = "stablehlo.compare"(%[[C]], %[[D]]) {compare_type = #stablehlo<comparison_type SIGNED>, comparison_direction = #stablehlo<comparison_direction LT>}
// CHECK:          %[[LT0:.*]] = "stablehlo.compare"(%[[A]], %[[B]]) {compare_type = #stablehlo<comparison_type UNSIGNED>, comparison_direction = #stablehlo<comparison_direction LT>}
// CHECK:          %[[EQ0:.*]] = "stablehlo.compare"(%[[A]], %[[B]]) {compare_type = #stablehlo<comparison_type UNSIGNED>, comparison_direction = #stablehlo<comparison_direction EQ>}
// CHECK:          %[[AND:.*]] = "stablehlo.and"(%[[EQ0]], %[[LT1]])
// CHECK:          %[[OR:.*]] = "stablehlo.or"(%[[LT0]], %[[AND]])
// CHECK:          "stablehlo.return"(%[[OR]])
// CHECK:        }) {dimension = 1 : i64, is_stable = false}
func.func @two_keys(%a: tensor<2x3xui8>, %b: tensor<2x3xi32>) -> tensor<2x3xui8> {
  %0:2 = mlax.sort(%a, %b) dim = 1 num_keys = 2 : (tensor<2x3xui8>, tensor<2x3xi32>) -> (tensor<2x3xui8>, tensor<2x3xi32>)
  return %0#0 : tensor<2x3xui8>
}

// CHECK-LABEL: func.func @complex
// CHECK:          "stablehlo.real"
// CHECK:          "stablehlo.real"
// CHECK:          "stablehlo.imag"
// CHECK:          "stablehlo.imag"
// CHECK:          "stablehlo.or"
func.func @complex(%z: tensor<3xcomplex<f32>>) -> tensor<3xcomplex<f32>> {
  %0 = mlax.sort(%z) dim = 0 num_keys = 1 stable : (tensor<3xcomplex<f32>>) -> tensor<3xcomplex<f32>>
  return %0 : tensor<3xcomplex<f32>>
}
