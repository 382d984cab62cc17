// RUN: mlax-opt %s --canonicalize | FileCheck %s

// Folders: only exact identities (x + 0.0 is not one: it maps -0.0 to +0.0).

// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<3xf32>, %[[I:.*]]: tensor<3xi32>)
func.func @identities(%x: tensor<3xf32>, %i: tensor<3xi32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xi32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %one = mlax.constant dense<1.0> : tensor<3xf32>
  %zero = mlax.constant dense<0.0> : tensor<3xf32>
  %izero = mlax.constant dense<0> : tensor<3xi32>
  // x * 1 -> x (constants move to the right of commutative ops first)
  %0 = mlax.multiply %one, %x : tensor<3xf32>
  // x - 0 -> x
  %1 = mlax.subtract %x, %zero : tensor<3xf32>
  // i + 0 -> i for integers only
  %2 = mlax.add %i, %izero : tensor<3xi32>
  // CHECK: %[[F:.*]] = mlax.add %[[X]], %{{.*}} : tensor<3xf32>
  %3 = mlax.add %x, %zero : tensor<3xf32>
  // -(-x) -> x
  %n = mlax.negate %x : tensor<3xf32>
  %4 = mlax.negate %n : tensor<3xf32>
  // broadcast of a splat constant is a splat constant
  %s = mlax.constant dense<2.0> : tensor<f32>
  %5 = mlax.broadcast_in_dim %s, dims = [] : (tensor<f32>) -> tensor<3xf32>
  // CHECK: return %[[X]], %[[X]], %[[I]], %[[F]], %[[X]], %{{.*}}
  return %0, %1, %2, %3, %4, %5 : tensor<3xf32>, tensor<3xf32>, tensor<3xi32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  // Identity reshape/transpose/convert fold away.
  %0 = mlax.reshape %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = mlax.transpose %x, dims = [0, 1] : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = mlax.convert %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: return %arg0, %arg0, %arg0
  return %0, %1, %2 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// Splat constants convert when the value is exact in the new type (the weak
// Python scalars of `x + 1`); then `x * 1` folds too.
// CHECK-LABEL: func.func @convert_constants
func.func @convert_constants(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<bf16>, tensor<ui8>, tensor<i8>, tensor<f64>, tensor<i64>) {
  %one = mlax.constant dense<1> : tensor<i32>
  %f = mlax.convert %one : (tensor<i32>) -> tensor<f32>
  %b = mlax.broadcast_in_dim %f, dims = [] : (tensor<f32>) -> tensor<3xf32>
  %0 = mlax.multiply %x, %b : tensor<3xf32>
  %big = mlax.constant dense<257> : tensor<i32>
  %1 = mlax.convert %big : (tensor<i32>) -> tensor<bf16>
  %u = mlax.constant dense<255> : tensor<i32>
  %2 = mlax.convert %u : (tensor<i32>) -> tensor<ui8>
  %neg = mlax.constant dense<-128> : tensor<i64>
  %3 = mlax.convert %neg : (tensor<i64>) -> tensor<i8>
  %half = mlax.constant dense<0.5> : tensor<f32>
  %4 = mlax.convert %half : (tensor<f32>) -> tensor<f64>
  %t = mlax.constant dense<true> : tensor<i1>
  %5 = mlax.convert %t : (tensor<i1>) -> tensor<i64>
  // CHECK-DAG: %[[BF:.*]] = mlax.convert %{{.*}} : (tensor<i32>) -> tensor<bf16>
  // CHECK-DAG: %[[U8:.*]] = mlax.constant dense<255> : tensor<ui8>
  // CHECK-DAG: %[[I8:.*]] = mlax.constant dense<-128> : tensor<i8>
  // CHECK-DAG: %[[F64:.*]] = mlax.constant dense<5.000000e-01> : tensor<f64>
  // CHECK-DAG: %[[I64:.*]] = mlax.constant dense<1> : tensor<i64>
  // CHECK: return %arg0, %[[BF]], %[[U8]], %[[I8]], %[[F64]], %[[I64]]
  return %0, %1, %2, %3, %4, %5 : tensor<3xf32>, tensor<bf16>, tensor<ui8>, tensor<i8>, tensor<f64>, tensor<i64>
}

// Conversions that round, overflow or test against zero stay.
// CHECK-LABEL: func.func @convert_constants_kept
func.func @convert_constants_kept() -> (tensor<ui8>, tensor<i8>, tensor<f32>, tensor<i1>, tensor<i32>) {
  %neg = mlax.constant dense<-1> : tensor<i32>
  // CHECK: mlax.convert %{{.*}} : (tensor<i32>) -> tensor<ui8>
  %0 = mlax.convert %neg : (tensor<i32>) -> tensor<ui8>
  %big = mlax.constant dense<128> : tensor<i32>
  // CHECK: mlax.convert %{{.*}} : (tensor<i32>) -> tensor<i8>
  %1 = mlax.convert %big : (tensor<i32>) -> tensor<i8>
  %third = mlax.constant dense<0.1> : tensor<f64>
  // CHECK: mlax.convert %{{.*}} : (tensor<f64>) -> tensor<f32>
  %2 = mlax.convert %third : (tensor<f64>) -> tensor<f32>
  %two = mlax.constant dense<2> : tensor<i32>
  // CHECK: mlax.convert %{{.*}} : (tensor<i32>) -> tensor<i1>
  %3 = mlax.convert %two : (tensor<i32>) -> tensor<i1>
  %f = mlax.constant dense<1.5> : tensor<f32>
  // CHECK: mlax.convert %{{.*}} : (tensor<f32>) -> tensor<i32>
  %4 = mlax.convert %f : (tensor<f32>) -> tensor<i32>
  return %0, %1, %2, %3, %4 : tensor<ui8>, tensor<i8>, tensor<f32>, tensor<i1>, tensor<i32>
}

// stop_gradient must survive simplification (it matters to differentiation).
// CHECK-LABEL: func.func @keeps_stop_gradient
// CHECK: mlax.stop_gradient
func.func @keeps_stop_gradient(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.stop_gradient %x : tensor<f32>
  return %0 : tensor<f32>
}

// CHECK-LABEL: func.func @integer_pow_one
// CHECK-NEXT:   return %arg0
func.func @integer_pow_one(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = mlax.integer_pow %x, 1 : tensor<3xf32>
  return %0 : tensor<3xf32>
}

// CHECK-LABEL: func.func @select_folds
// CHECK-NEXT:   return %arg1, %arg1, %arg2
func.func @select_folds(%p: tensor<3xi1>, %x: tensor<3xf32>, %y: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %t = mlax.constant dense<true> : tensor<3xi1>
  %f = mlax.constant dense<false> : tensor<3xi1>
  %0 = mlax.select %p, %x, %x : tensor<3xi1>, tensor<3xf32>
  %1 = mlax.select %t, %x, %y : tensor<3xi1>, tensor<3xf32>
  %2 = mlax.select %f, %x, %y : tensor<3xi1>, tensor<3xf32>
  return %0, %1, %2 : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}
