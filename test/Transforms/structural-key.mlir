// RUN: mlax-opt %s --mlax-test-structural-key --split-input-file -verify-diagnostics | FileCheck %s

// What the executable cache treats as the same program: each function's
// remark names the first function with its structural key. Locations do not
// count; attribute values, types, the order of operands, the values an op
// reads and the structure of regions do.

// expected-remark @below {{structural key 0}}
func.func @f(%x: tensor<3xf32>, %y: tensor<3xf32>) -> tensor<3xf32> {
  %0 = mlax.multiply %x, %y : tensor<3xf32>
  %1 = mlax.sine %0 : tensor<3xf32>
  return %1 : tensor<3xf32>
}
// Only its locations and value names differ from @f.
// expected-remark @below {{structural key 0}}
func.func @same(%a: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<3xf32> {
  %m = mlax.multiply %a, %b : tensor<3xf32> loc("user.py":3:0)
  %s = mlax.sine %m : tensor<3xf32> loc("other.py":9:0)
  return %s : tensor<3xf32>
}
// Operands swapped.
// expected-remark @below {{structural key 2}}
func.func @swapped(%x: tensor<3xf32>, %y: tensor<3xf32>) -> tensor<3xf32> {
  %0 = mlax.multiply %y, %x : tensor<3xf32>
  %1 = mlax.sine %0 : tensor<3xf32>
  return %1 : tensor<3xf32>
}
// Another op reads the block argument instead of the product.
// expected-remark @below {{structural key 3}}
func.func @rewired(%x: tensor<3xf32>, %y: tensor<3xf32>) -> tensor<3xf32> {
  %0 = mlax.multiply %x, %y : tensor<3xf32>
  %1 = mlax.sine %x : tensor<3xf32>
  return %1 : tensor<3xf32>
}
// Another element type.
// expected-remark @below {{structural key 4}}
func.func @f64(%x: tensor<3xf64>, %y: tensor<3xf64>) -> tensor<3xf64> {
  %0 = mlax.multiply %x, %y : tensor<3xf64>
  %1 = mlax.sine %0 : tensor<3xf64>
  return %1 : tensor<3xf64>
}
// Another op.
// expected-remark @below {{structural key 5}}
func.func @cosine(%x: tensor<3xf32>, %y: tensor<3xf32>) -> tensor<3xf32> {
  %0 = mlax.multiply %x, %y : tensor<3xf32>
  %1 = mlax.cosine %0 : tensor<3xf32>
  return %1 : tensor<3xf32>
}
// CHECK-LABEL: func.func @f(
// CHECK-LABEL: func.func @same(

// -----

// Attribute values: constants and op attributes.
// expected-remark @below {{structural key 0}}
func.func @c1() -> tensor<2xf32> {
  %0 = mlax.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}
// expected-remark @below {{structural key 0}}
func.func @c1_again() -> tensor<2xf32> {
  %0 = mlax.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}
// expected-remark @below {{structural key 2}}
func.func @c2() -> tensor<2xf32> {
  %0 = mlax.constant dense<[1.0, 3.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}
// A discardable attribute counts too.
// expected-remark @below {{structural key 3}}
func.func @tagged() -> tensor<2xf32> {
  %0 = mlax.constant {tag = 1 : i64} dense<[1.0, 2.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}
// expected-remark @below {{structural key 4}}
func.func @sum0(%x: tensor<2x3xf32>) -> tensor<3xf32> {
  %z = mlax.constant dense<0.0> : tensor<f32>
  %0 = mlax.reduce(%x) init(%z) dims = [0] : (tensor<2x3xf32>, tensor<f32>) -> tensor<3xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = mlax.add %a, %b : tensor<f32>
    mlax.return %s : tensor<f32>
  }
  return %0 : tensor<3xf32>
}
// The reduction's body reads its arguments in the other order.
// expected-remark @below {{structural key 5}}
func.func @sum0_swapped(%x: tensor<2x3xf32>) -> tensor<3xf32> {
  %z = mlax.constant dense<0.0> : tensor<f32>
  %0 = mlax.reduce(%x) init(%z) dims = [0] : (tensor<2x3xf32>, tensor<f32>) -> tensor<3xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = mlax.add %b, %a : tensor<f32>
    mlax.return %s : tensor<f32>
  }
  return %0 : tensor<3xf32>
}
// Its body multiplies.
// expected-remark @below {{structural key 6}}
func.func @prod0(%x: tensor<2x3xf32>) -> tensor<3xf32> {
  %z = mlax.constant dense<0.0> : tensor<f32>
  %0 = mlax.reduce(%x) init(%z) dims = [0] : (tensor<2x3xf32>, tensor<f32>) -> tensor<3xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %s = mlax.multiply %a, %b : tensor<f32>
    mlax.return %s : tensor<f32>
  }
  return %0 : tensor<3xf32>
}
// CHECK-LABEL: func.func @c1(
