// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// Reverse mode through mlax.case: each branch is linearized as a function of
// the values it captures. The primal case returns the primal results and
// the branches' computed residuals in slots shared by type (only one branch
// runs; a branch fills the slots it does not use with zeros; a residual
// that is a captured value is captured by the linear case instead); the
// transposed case runs the transposed linear part of the taken branch.

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

// Residuals of equal types share slots: cos(x) (branch 0) and exp(x)
// (branch 1) in one, branch 1's cos(exp(x)) in a second that branch 0
// fills with zeros; the f16 residual gets its own.
func.func private @g(%i: tensor<i32>, %x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = mlax.case %i : (tensor<i32>) -> tensor<3xf32> {
    %s = mlax.sine %x : tensor<3xf32>
    mlax.return %s : tensor<3xf32>
  }, {
    %e = mlax.exponential %x : tensor<3xf32>
    %s = mlax.sine %e : tensor<3xf32>
    mlax.return %s : tensor<3xf32>
  }, {
    %h = mlax.convert %x : (tensor<3xf32>) -> tensor<3xf16>
    %s = mlax.sine %h : tensor<3xf16>
    %b = mlax.convert %s : (tensor<3xf16>) -> tensor<3xf32>
    mlax.return %b : tensor<3xf32>
  }
  return %0 : tensor<3xf32>
}
// CHECK-LABEL: func.func @vjp_case_slots(
// CHECK-DAG:    %[[Z:.*]] = mlax.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK-DAG:    %[[ZH:.*]] = mlax.constant dense<0.000000e+00> : tensor<3xf16>
// CHECK:        %[[P:.*]]:4 = mlax.case %arg0 : (tensor<i32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf16>) {
// CHECK:          %[[C:.*]] = mlax.cosine %arg1
// CHECK-NEXT:     mlax.return %{{.*}}, %[[C]], %[[Z]], %[[ZH]]
// CHECK-NEXT:   }, {
// CHECK:          %[[E:.*]] = mlax.exponential %arg1
// CHECK:          %[[CE:.*]] = mlax.cosine %[[E]]
// CHECK-NEXT:     mlax.return %{{.*}}, %[[E]], %[[CE]], %[[ZH]]
// CHECK-NEXT:   }, {
// CHECK:          mlax.cosine %{{.*}} : tensor<3xf16>
// CHECK:          mlax.return %{{.*}}, %[[Z]], %[[Z]], %{{.*}}
// CHECK-NEXT:   }
func.func @vjp_case_slots(%i: tensor<i32>, %x: tensor<3xf32>, %ct: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %r:2 = mlax.vjp @g(%i, %x) cotangents(%ct) active = [1] : (tensor<i32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return %r#0, %r#1 : tensor<3xf32>, tensor<3xf32>
}
