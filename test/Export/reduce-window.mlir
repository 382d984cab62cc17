// RUN: mlax-translate --mlax-to-stablehlo %s | FileCheck %s

// reduce_window exports with its monoid's body and identity.

// CHECK-LABEL: func.func @max_pool
// CHECK:        %[[I:.*]] = "stablehlo.constant"() {value = dense<0xFF800000> : tensor<f32>}
// CHECK:        "stablehlo.reduce_window"(%arg0, %[[I]]) ({
// CHECK:          "stablehlo.maximum"
// CHECK:        }) {base_dilations = array<i64: 1, 1>, padding = dense<{{\[\[}}0, 1], [1, 0]]> : tensor<2x2xi64>, window_dilations = array<i64: 1, 2>, window_dimensions = array<i64: 2, 2>, window_strides = array<i64: 2, 1>}
func.func @max_pool(%x: tensor<4x5xf32>) -> tensor<2x4xf32> {
  %0 = mlax.reduce_window MAX %x, window = [2, 2], strides = [2, 1], base_dilations = [1, 1], window_dilations = [1, 2], padding = [0, 1, 1, 0] : (tensor<4x5xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// CHECK-LABEL: func.func @min_int
// CHECK:        dense<2147483647> : tensor<i32>
// CHECK:        "stablehlo.minimum"
func.func @min_int(%x: tensor<6xi32>) -> tensor<5xi32> {
  %0 = mlax.reduce_window MIN %x, window = [2], strides = [1], base_dilations = [1], window_dilations = [1], padding = [0, 0] : (tensor<6xi32>) -> tensor<5xi32>
  return %0 : tensor<5xi32>
}

// A general body exports as the reduce_window's own body, init values as
// operands.
// CHECK-LABEL: func.func @generic
// CHECK:        "stablehlo.reduce_window"(%arg0, %arg1, %{{.*}}, %{{.*}}) ({
// CHECK-NEXT:   ^bb0(%{{.*}}: tensor<f32>, %{{.*}}: tensor<i32>, %{{.*}}: tensor<f32>, %{{.*}}: tensor<i32>):
// CHECK:          "stablehlo.compare"
// CHECK:          "stablehlo.select"
// CHECK:          "stablehlo.return"
// CHECK:        }) {base_dilations = array<i64: 1>, padding = dense<0> : tensor<1x2xi64>, window_dilations = array<i64: 1>, window_dimensions = array<i64: 2>, window_strides = array<i64: 2>} : (tensor<4xf32>, tensor<4xi32>, tensor<f32>, tensor<i32>) -> (tensor<2xf32>, tensor<2xi32>)
func.func @generic(%x: tensor<4xf32>, %i: tensor<4xi32>) -> (tensor<2xf32>, tensor<2xi32>) {
  %ninf = mlax.constant dense<0xFF800000> : tensor<f32>
  %z = mlax.constant dense<0> : tensor<i32>
  %0:2 = mlax.generic_reduce_window(%x, %i) init(%ninf, %z) window = [2], strides = [2], base_dilations = [1], window_dilations = [1], padding = [0, 0] : (tensor<4xf32>, tensor<4xi32>, tensor<f32>, tensor<i32>) -> (tensor<2xf32>, tensor<2xi32>) {
  ^bb0(%av: tensor<f32>, %ai: tensor<i32>, %bv: tensor<f32>, %bi: tensor<i32>):
    %p = mlax.compare GE, %av, %bv, FLOAT : tensor<f32>
    %v = mlax.select %p, %av, %bv : tensor<i1>, tensor<f32>
    %k = mlax.select %p, %ai, %bi : tensor<i1>, tensor<i32>
    mlax.return %v, %k : tensor<f32>, tensor<i32>
  }
  return %0#0, %0#1 : tensor<2xf32>, tensor<2xi32>
}
