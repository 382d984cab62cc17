// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s
// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce | mlax-translate --mlax-to-stablehlo | FileCheck %s --check-prefix=EXPORT

// dot_general's precision_config survives every transformation: the JVP's
// products are clones, the transposed products keep the operands'
// precisions (swapped for the rhs cotangent), the batched product keeps it.

func.func private @f(%x: tensor<2x3xf32>, %y: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %0 = mlax.dot_general %x, %y, batching_dims = [] x [], contracting_dims = [1] x [0] {precision_config = ["HIGHEST", "HIGH"]} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// CHECK-LABEL: func.func @jvp(
// CHECK-COUNT-3: precision_config = ["HIGHEST", "HIGH"]
func.func @jvp(%x: tensor<2x3xf32>, %y: tensor<3x4xf32>, %tx: tensor<2x3xf32>, %ty: tensor<3x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %r:2 = mlax.jvp @f(%x, %y) tangents(%tx, %ty) active = [0, 1] : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<2x3xf32>, tensor<3x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>)
  return %r#0, %r#1 : tensor<2x4xf32>, tensor<2x4xf32>
}

// CHECK-LABEL: func.func @vjp(
// CHECK:        mlax.dot_general %arg0, %arg1, {{.*}} {precision_config = ["HIGHEST", "HIGH"]}
// CHECK:        mlax.dot_general %arg2, %arg0, {{.*}} {precision_config = ["HIGH", "HIGHEST"]}
// CHECK:        mlax.dot_general %arg2, %arg1, {{.*}} {precision_config = ["HIGHEST", "HIGH"]}
func.func @vjp(%x: tensor<2x3xf32>, %y: tensor<3x4xf32>, %ct: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x3xf32>, tensor<3x4xf32>) {
  %r:3 = mlax.vjp @f(%x, %y) cotangents(%ct) active = [0, 1] : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x3xf32>, tensor<3x4xf32>)
  return %r#0, %r#1, %r#2 : tensor<2x4xf32>, tensor<2x3xf32>, tensor<3x4xf32>
}

// CHECK-LABEL: func.func @vmap(
// CHECK:        mlax.dot_general {{.*}} {precision_config = ["HIGHEST", "HIGH"]} : (tensor<5x2x3xf32>, tensor<3x4xf32>)
func.func @vmap(%xs: tensor<5x2x3xf32>, %y: tensor<3x4xf32>) -> tensor<5x2x4xf32> {
  %r = mlax.vmap @f(%xs, %y) in_dims = [0, -1] out_dims = [0] size = 5 : (tensor<5x2x3xf32>, tensor<3x4xf32>) -> tensor<5x2x4xf32>
  return %r : tensor<5x2x4xf32>
}

// EXPORT-LABEL: func.func @vmap(
// EXPORT:        "stablehlo.dot_general"{{.*}}precision_config = [#stablehlo<precision HIGHEST>, #stablehlo<precision HIGH>]
