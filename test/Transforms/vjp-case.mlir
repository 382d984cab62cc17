// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// Reverse mode through mlax.case: each branch is linearized as a function of
// the values it captures. The primal case returns the primal results and
// every branch's computed residuals (zeros for the other branches'; a
// residual that is a captured value is captured by the linear case
// instead); the transposed case runs the transposed linear part of the
// taken branch.

func.func private @f(%i: tensor<i32>, %x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = mlax.case %i : (tensor<i32>) -> tensor<3xf32> {
    %s = mlax.sine %x : tensor<3xf32>
    mlax.return %s : tensor<3xf32>
  }, {
    %m = mlax.multiply %x, %x : tensor<3xf32>
    mlax.return %m : tensor<3xf32>
  }
  return %0 : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_case(
// CHECK:        %[[Z:.*]] = mlax.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK:        %[[P:.*]]:2 = mlax.case %arg0 : (tensor<i32>) -> (tensor<3xf32>, tensor<3xf32>) {
// CHECK-NEXT:     %[[S:.*]] = mlax.sine %arg1
// CHECK-NEXT:     %[[C:.*]] = mlax.cosine %arg1
// CHECK-NEXT:     mlax.return %[[S]], %[[C]]
// CHECK-NEXT:   }, {
// CHECK-NEXT:     %[[M:.*]] = mlax.multiply %arg1, %arg1
// CHECK-NEXT:     mlax.return %[[M]], %[[Z]]
// CHECK-NEXT:   }
// CHECK:        %[[T:.*]] = mlax.case %arg0 : (tensor<i32>) -> tensor<3xf32> {
// CHECK-NEXT:     %[[G0:.*]] = mlax.multiply %arg2, %[[P]]#1
// CHECK-NEXT:     mlax.return %[[G0]]
// CHECK-NEXT:   }, {
// CHECK-NEXT:     %[[G1:.*]] = mlax.multiply %arg1, %arg2
// CHECK-NEXT:     %[[G2:.*]] = mlax.add %[[G1]], %[[G1]]
// CHECK-NEXT:     mlax.return %[[G2]]
// CHECK-NEXT:   }
// CHECK-NEXT:   return %[[P]]#0, %[[T]]
func.func @vjp_case(%i: tensor<i32>, %x: tensor<3xf32>, %ct: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %r:2 = mlax.vjp @f(%i, %x) cotangents(%ct) active = [1] : (tensor<i32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return %r#0, %r#1 : tensor<3xf32>, tensor<3xf32>
}
