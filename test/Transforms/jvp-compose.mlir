// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s
// RUN: mlax-opt %s --mlax-expand-transforms | FileCheck %s --check-prefix=EXPAND

// Nested JVP, calls inside the differentiated function, stop_gradient and
// symbolic zeros.

func.func private @sin(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.sine %x : tensor<f32>
  return %0 : tensor<f32>
}
// d/dx sin'(x) with tangent 1: the inner jvp is expanded first.
func.func private @dsin(%x: tensor<f32>) -> tensor<f32> {
  %one = mlax.constant dense<1.0> : tensor<f32>
  %r:2 = mlax.jvp @sin(%x) tangents(%one) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#1 : tensor<f32>
}
// EXPAND: func.func private @sin__jvp(
// EXPAND: func.func private @dsin__jvp(
// EXPAND-NOT: mlax.jvp
// CHECK-LABEL: func.func @second_derivative(
// CHECK-NEXT:   %[[C:.*]] = mlax.cosine %arg0
// CHECK-NEXT:   %[[S:.*]] = mlax.sine %arg0
// CHECK-NEXT:   %[[N:.*]] = mlax.negate %[[S]]
// CHECK-NEXT:   %[[D:.*]] = mlax.multiply %arg1, %[[N]]
// CHECK-NEXT:   return %[[C]], %[[D]]
func.func @second_derivative(%x: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.jvp @dsin(%x) tangents(%t) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}

func.func private @helper(%x: tensor<f32>) -> tensor<f32> {
  %0 = mlax.exponential %x : tensor<f32>
  return %0 : tensor<f32>
}
func.func private @calls(%x: tensor<f32>) -> tensor<f32> {
  %0 = func.call @helper(%x) : (tensor<f32>) -> tensor<f32>
  %1 = mlax.multiply %0, %x : tensor<f32>
  return %1 : tensor<f32>
}
// Calls are inlined before differentiation.
// CHECK-LABEL: func.func @through_call(
// CHECK-NOT:    call
// CHECK:        mlax.exponential
// CHECK:        return
func.func @through_call(%x: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.jvp @calls(%x) tangents(%t) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}

func.func private @straight_through(%x: tensor<f32>) -> tensor<f32> {
  %r = mlax.round_nearest_afz %x : tensor<f32>
  %sx = mlax.stop_gradient %x : tensor<f32>
  %zero = mlax.subtract %x, %sx : tensor<f32>
  %sr = mlax.stop_gradient %r : tensor<f32>
  %0 = mlax.add %zero, %sr : tensor<f32>
  return %0 : tensor<f32>
}
// x - stop_gradient(x) + stop_gradient(round(x)): the tangent is t itself.
// CHECK-LABEL: func.func @jvp_straight_through(
// CHECK:        return %{{.*}}, %arg1
func.func @jvp_straight_through(%x: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.jvp @straight_through(%x) tangents(%t) active = [0] : (tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}

func.func private @inactive(%x: tensor<f32>, %w: tensor<f32>) -> tensor<f32> {
  %0 = mlax.exponential %w : tensor<f32>
  %1 = mlax.sine %0 : tensor<f32>
  %2 = mlax.multiply %1, %x : tensor<f32>
  return %2 : tensor<f32>
}
// w is inactive: exp(w) and sin(exp(w)) get no tangent code.
// CHECK-LABEL: func.func @symbolic_zeros(
// CHECK-NEXT:   %[[E:.*]] = mlax.exponential %arg1
// CHECK-NEXT:   %[[S:.*]] = mlax.sine %[[E]]
// CHECK-NEXT:   %[[Y:.*]] = mlax.multiply %[[S]], %arg0
// CHECK-NEXT:   %[[T:.*]] = mlax.multiply %[[S]], %arg2
// CHECK-NEXT:   return %[[Y]], %[[T]]
func.func @symbolic_zeros(%x: tensor<f32>, %w: tensor<f32>, %t: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %r:2 = mlax.jvp @inactive(%x, %w) tangents(%t) active = [0] : (tensor<f32>, tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}
