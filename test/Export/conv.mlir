// RUN: mlax-translate --mlax-to-stablehlo %s | FileCheck %s

// convolution exports with StableHLO's dimension-number syntax.

// CHECK-LABEL: func.func @nhwc
// CHECK:        "stablehlo.convolution"(%arg0, %arg1) {batch_group_count = 1 : i64, dimension_numbers = #stablehlo.conv<[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]>, feature_group_count = 1 : i64, lhs_dilation = array<i64: 1, 1>, padding = dense<{{\[\[}}1, 1], [0, 1]]> : tensor<2x2xi64>, precision_config = [#stablehlo<precision HIGHEST>, #stablehlo<precision HIGHEST>], rhs_dilation = array<i64: 2, 1>, window_strides = array<i64: 1, 2>}
func.func @nhwc(%x: tensor<2x5x6x3xf32>, %w: tensor<3x3x3x4xf32>) -> tensor<2x3x3x4xf32> {
  %0 = mlax.convolution %x, %w {batch_group_count = 1 : i64, feature_group_count = 1 : i64, lhs_dilation = array<i64: 1, 1>, lhs_spec = array<i64: 0, 3, 1, 2>, out_spec = array<i64: 0, 3, 1, 2>, padding = array<i64: 1, 1, 0, 1>, precision_config = ["HIGHEST", "HIGHEST"], rhs_dilation = array<i64: 2, 1>, rhs_spec = array<i64: 3, 2, 0, 1>, window_strides = array<i64: 1, 2>} : (tensor<2x5x6x3xf32>, tensor<3x3x3x4xf32>) -> tensor<2x3x3x4xf32>
  return %0 : tensor<2x3x3x4xf32>
}

// Integer convolutions export as they are (XLA has integer kernels).
// CHECK-LABEL: func.func @int8
// CHECK:        "stablehlo.convolution"(%arg0, %arg1) {{.*}} : (tensor<1x2x5xi8>, tensor<3x2x2xi8>) -> tensor<1x3x4xi8>
func.func @int8(%x: tensor<1x2x5xi8>, %w: tensor<3x2x2xi8>) -> tensor<1x3x4xi8> {
  %0 = mlax.convolution %x, %w {batch_group_count = 1 : i64, feature_group_count = 1 : i64, lhs_dilation = array<i64: 1>, lhs_spec = array<i64: 0, 1, 2>, out_spec = array<i64: 0, 1, 2>, padding = array<i64: 0, 0>, rhs_dilation = array<i64: 1>, rhs_spec = array<i64: 0, 1, 2>, window_strides = array<i64: 1>} : (tensor<1x2x5xi8>, tensor<3x2x2xi8>) -> tensor<1x3x4xi8>
  return %0 : tensor<1x3x4xi8>
}
