// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// JVP rules of elementwise ops: the tangent IR a person would write.

func.func private @sin(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.sine %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
// CHECK-LABEL: func.func @jvp_sin(
// CHECK-SAME: %[[X:.*]]: tensor<4xf32>, %[[T:.*]]: tensor<4xf32>)
// CHECK-NEXT:   %[[Y:.*]] = mlax.sine %[[X]]
// CHECK-NEXT:   %[[C:.*]] = mlax.cosine %[[X]]
// CHECK-NEXT:   %[[DY:.*]] = mlax.multiply %[[T]], %[[C]]
// CHECK-NEXT:   return %[[Y]], %[[DY]]
func.func @jvp_sin(%x: tensor<4xf32>, %t: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.jvp @sin(%x) tangents(%t) active = [0] : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

func.func private @exp(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.exponential %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
// The primal result is reused: d exp(x) = t * exp(x).
// CHECK-LABEL: func.func @jvp_exp(
// CHECK-NEXT:   %[[Y:.*]] = mlax.exponential %arg0
// CHECK-NEXT:   %[[DY:.*]] = mlax.multiply %arg1, %[[Y]]
// CHECK-NEXT:   return %[[Y]], %[[DY]]
func.func @jvp_exp(%x: tensor<4xf32>, %t: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.jvp @exp(%x) tangents(%t) active = [0] : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

func.func private @tanh(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.tanh %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
// JAX's formula (t + t * y) * (1 - y), so results round identically.
// CHECK-LABEL: func.func @jvp_tanh(
// CHECK-DAG:    %[[ONE:.*]] = mlax.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK-DAG:    %[[Y:.*]] = mlax.tanh %arg0
// CHECK:        %[[D:.*]] = mlax.subtract %[[ONE]], %[[Y]]
// CHECK-NEXT:   %[[TY:.*]] = mlax.multiply %arg1, %[[Y]]
// CHECK-NEXT:   %[[S:.*]] = mlax.add %arg1, %[[TY]]
// CHECK-NEXT:   %[[DY:.*]] = mlax.multiply %[[S]], %[[D]]
// CHECK-NEXT:   return %[[Y]], %[[DY]]
func.func @jvp_tanh(%x: tensor<4xf32>, %t: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.jvp @tanh(%x) tangents(%t) active = [0] : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

func.func private @mul(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.multiply %x, %y : tensor<4xf32>
  return %0 : tensor<4xf32>
}
// Both active: the product rule.
// CHECK-LABEL: func.func @jvp_mul_both(
// CHECK-NEXT:   %[[Z:.*]] = mlax.multiply %arg0, %arg1
// CHECK-NEXT:   %[[A:.*]] = mlax.multiply %arg2, %arg1
// CHECK-NEXT:   %[[B:.*]] = mlax.multiply %arg0, %arg3
// CHECK-NEXT:   %[[S:.*]] = mlax.add %[[A]], %[[B]]
// CHECK-NEXT:   return %[[Z]], %[[S]]
func.func @jvp_mul_both(%x: tensor<4xf32>, %y: tensor<4xf32>, %tx: tensor<4xf32>, %ty: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.jvp @mul(%x, %y) tangents(%tx, %ty) active = [0, 1] : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}
// Only y active: no tangent code for x (symbolic zero), no add.
// CHECK-LABEL: func.func @jvp_mul_rhs(
// CHECK-NEXT:   %[[Z:.*]] = mlax.multiply %arg0, %arg1
// CHECK-NEXT:   %[[B:.*]] = mlax.multiply %arg0, %arg2
// CHECK-NEXT:   return %[[Z]], %[[B]]
func.func @jvp_mul_rhs(%x: tensor<4xf32>, %y: tensor<4xf32>, %ty: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.jvp @mul(%x, %y) tangents(%ty) active = [1] : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

func.func private @div(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.divide %x, %y : tensor<4xf32>
  return %0 : tensor<4xf32>
}
// d(x/y) = dx / y + (-dy * x) * y^-2, JAX's formula (integer_pow, so that
// its own derivative is -2 * y^-3 as in JAX).
// CHECK-LABEL: func.func @jvp_div(
// CHECK-DAG:    %[[Q:.*]] = mlax.divide %arg0, %arg1
// CHECK-DAG:    %[[INV:.*]] = mlax.integer_pow %arg1, -2 : tensor<4xf32>
// CHECK:        %[[N:.*]] = mlax.negate %arg3
// CHECK-NEXT:   %[[NX:.*]] = mlax.multiply %[[N]], %arg0
// CHECK-NEXT:   %[[B:.*]] = mlax.multiply %[[NX]], %[[INV]]
// CHECK-NEXT:   %[[A:.*]] = mlax.divide %arg2, %arg1
// CHECK-NEXT:   %[[S:.*]] = mlax.add %[[A]], %[[B]]
// CHECK-NEXT:   return %[[Q]], %[[S]]
func.func @jvp_div(%x: tensor<4xf32>, %y: tensor<4xf32>, %tx: tensor<4xf32>, %ty: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.jvp @div(%x, %y) tangents(%tx, %ty) active = [0, 1] : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

func.func private @max(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.maximum %x, %y : tensor<4xf32>
  return %0 : tensor<4xf32>
}
// Ties split the tangent evenly (JAX's convention).
// CHECK-LABEL: func.func @jvp_max(
// CHECK-DAG:    mlax.constant dense<5.000000e-01>
// CHECK-DAG:    %[[Z:.*]] = mlax.maximum %arg0, %arg1
// CHECK:        mlax.compare EQ, %arg0, %[[Z]], FLOAT
// CHECK:        mlax.compare EQ, %arg1, %[[Z]], FLOAT
// CHECK:        mlax.select
// CHECK:        return %[[Z]]
func.func @jvp_max(%x: tensor<4xf32>, %y: tensor<4xf32>, %tx: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.jvp @max(%x, %y) tangents(%tx) active = [0] : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

func.func private @floor(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.floor %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
// A zero derivative: the tangent output is a constant, with no tangent ops.
// CHECK-LABEL: func.func @jvp_floor(
// CHECK-DAG:    %[[ZERO:.*]] = mlax.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-DAG:    %[[Y:.*]] = mlax.floor %arg0
// CHECK-NEXT:   return %[[Y]], %[[ZERO]]
func.func @jvp_floor(%x: tensor<4xf32>, %t: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.jvp @floor(%x) tangents(%t) active = [0] : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

func.func private @ipow(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.integer_pow %x, 3 : tensor<4xf32>
  return %0 : tensor<4xf32>
}
// d x^3 = t * (3 * x^2), JAX's rule.
// CHECK-LABEL: func.func @jvp_integer_pow(
// CHECK-DAG:    %[[THREE:.*]] = mlax.constant dense<3.000000e+00> : tensor<4xf32>
// CHECK-DAG:    %[[Y:.*]] = mlax.integer_pow %arg0, 3
// CHECK-DAG:    %[[SQ:.*]] = mlax.integer_pow %arg0, 2
// CHECK:        %[[D:.*]] = mlax.multiply %[[SQ]], %[[THREE]]
// CHECK-NEXT:   %[[DY:.*]] = mlax.multiply %arg1, %[[D]]
// CHECK-NEXT:   return %[[Y]], %[[DY]]
func.func @jvp_integer_pow(%x: tensor<4xf32>, %t: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.jvp @ipow(%x) tangents(%t) active = [0] : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

func.func private @square(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.integer_pow %x, 2 : tensor<4xf32>
  return %0 : tensor<4xf32>
}
// Exponent 2: the derivative's x^1 folds to x.
// CHECK-LABEL: func.func @jvp_square(
// CHECK-DAG:    %[[TWO:.*]] = mlax.constant dense<2.000000e+00> : tensor<4xf32>
// CHECK-DAG:    %[[Y:.*]] = mlax.integer_pow %arg0, 2
// CHECK:        %[[D:.*]] = mlax.multiply %arg0, %[[TWO]]
// CHECK-NEXT:   %[[DY:.*]] = mlax.multiply %arg1, %[[D]]
// CHECK-NEXT:   return %[[Y]], %[[DY]]
func.func @jvp_square(%x: tensor<4xf32>, %t: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.jvp @square(%x) tangents(%t) active = [0] : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

func.func private @sinh(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.sinh %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
// d sinh(x) = cosh(x) * t (JAX's rule).
// CHECK-LABEL: func.func @jvp_sinh(
// CHECK-DAG:    %[[Y:.*]] = mlax.sinh %arg0
// CHECK-DAG:    %[[C:.*]] = mlax.cosh %arg0
// CHECK:        %[[DY:.*]] = mlax.multiply %arg1, %[[C]]
// CHECK-NEXT:   return %[[Y]], %[[DY]]
func.func @jvp_sinh(%x: tensor<4xf32>, %t: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.jvp @sinh(%x) tangents(%t) active = [0] : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

func.func private @rp(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.reduce_precision %x, exponent_bits = 5, mantissa_bits = 2 : tensor<4xf32>
  return %0 : tensor<4xf32>
}
// Linear: the tangent is rounded like the primal.
// CHECK-LABEL: func.func @jvp_reduce_precision(
// CHECK-DAG:    %[[Y:.*]] = mlax.reduce_precision %arg0, exponent_bits = 5, mantissa_bits = 2
// CHECK-DAG:    %[[T:.*]] = mlax.reduce_precision %arg1, exponent_bits = 5, mantissa_bits = 2
// CHECK:        return %[[Y]], %[[T]]
func.func @jvp_reduce_precision(%x: tensor<4xf32>, %t: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.jvp @rp(%x) tangents(%t) active = [0] : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

func.func private @nextafter(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.next_after %x, %y : tensor<4xf32>
  return %0 : tensor<4xf32>
}
// A zero derivative in both operands.
// CHECK-LABEL: func.func @jvp_next_after(
// CHECK-DAG:    %[[ZERO:.*]] = mlax.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-DAG:    %[[Y:.*]] = mlax.next_after %arg0, %arg1
// CHECK-NEXT:   return %[[Y]], %[[ZERO]]
func.func @jvp_next_after(%x: tensor<4xf32>, %y: tensor<4xf32>, %t: tensor<4xf32>, %u: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.jvp @nextafter(%x, %y) tangents(%t, %u) active = [0, 1] : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}
