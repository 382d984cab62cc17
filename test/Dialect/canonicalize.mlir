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
