// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// real, imag and complex are linear; transposes follow JAX's convention.

func.func private @parts(%z: tensor<3xcomplex<f32>>) -> (tensor<3xf32>, tensor<3xf32>) {
  %0 = mlax.real %z : tensor<3xcomplex<f32>>
  %1 = mlax.imag %z : tensor<3xcomplex<f32>>
  return %0, %1 : tensor<3xf32>, tensor<3xf32>
}
// CHECK-LABEL: func.func @jvp_parts(
// CHECK-DAG:    %[[TR:.*]] = mlax.real %arg1
// CHECK-DAG:    %[[TI:.*]] = mlax.imag %arg1
// CHECK:        return %{{.*}}, %{{.*}}, %[[TR]], %[[TI]]
func.func @jvp_parts(%z: tensor<3xcomplex<f32>>, %t: tensor<3xcomplex<f32>>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %r:4 = mlax.jvp @parts(%z) tangents(%t) active = [0] : (tensor<3xcomplex<f32>>, tensor<3xcomplex<f32>>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
  return %r#0, %r#1, %r#2, %r#3 : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}
// real^T(a) + imag^T(b) = complex(a, 0) + complex(0, -b).
// CHECK-LABEL: func.func @vjp_parts(
// CHECK-DAG:    %[[Z:.*]] = mlax.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK-DAG:    %[[A:.*]] = mlax.complex %arg1, %[[Z]] : tensor<3xf32>
// CHECK-DAG:    %[[NB:.*]] = mlax.negate %arg2
// CHECK-DAG:    %[[B:.*]] = mlax.complex %[[Z]], %[[NB]] : tensor<3xf32>
// CHECK:        %[[S:.*]] = mlax.add
// CHECK:        return %{{.*}}, %{{.*}}, %[[S]]
func.func @vjp_parts(%z: tensor<3xcomplex<f32>>, %a: tensor<3xf32>, %b: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xcomplex<f32>>) {
  %r:3 = mlax.vjp @parts(%z) cotangents(%a, %b) active = [0] : (tensor<3xcomplex<f32>>, tensor<3xf32>, tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xcomplex<f32>>)
  return %r#0, %r#1, %r#2 : tensor<3xf32>, tensor<3xf32>, tensor<3xcomplex<f32>>
}

func.func private @mk(%x: tensor<3xf32>, %y: tensor<3xf32>) -> tensor<3xcomplex<f32>> {
  %0 = mlax.complex %x, %y : tensor<3xf32>
  return %0 : tensor<3xcomplex<f32>>
}
// complex^T(c) = (real(c), -imag(c)).
// CHECK-LABEL: func.func @vjp_complex(
// CHECK-DAG:    %[[R:.*]] = mlax.real %arg2
// CHECK-DAG:    %[[I:.*]] = mlax.imag %arg2
// CHECK-DAG:    %[[NI:.*]] = mlax.negate %[[I]]
// CHECK:        return %{{.*}}, %[[R]], %[[NI]]
func.func @vjp_complex(%x: tensor<3xf32>, %y: tensor<3xf32>, %c: tensor<3xcomplex<f32>>) -> (tensor<3xcomplex<f32>>, tensor<3xf32>, tensor<3xf32>) {
  %r:3 = mlax.vjp @mk(%x, %y) cotangents(%c) active = [0, 1] : (tensor<3xf32>, tensor<3xf32>, tensor<3xcomplex<f32>>) -> (tensor<3xcomplex<f32>>, tensor<3xf32>, tensor<3xf32>)
  return %r#0, %r#1, %r#2 : tensor<3xcomplex<f32>>, tensor<3xf32>, tensor<3xf32>
}
// A shared imaginary part is broadcast next to the batched real part.
// CHECK-LABEL: func.func @vmap_complex(
// CHECK:        %[[Y:.*]] = mlax.broadcast_in_dim %arg1, dims = [1] : (tensor<3xf32>) -> tensor<4x3xf32>
// CHECK-NEXT:   mlax.complex %arg0, %[[Y]] : tensor<4x3xf32>
func.func @vmap_complex(%xs: tensor<4x3xf32>, %y: tensor<3xf32>) -> tensor<4x3xcomplex<f32>> {
  %r = mlax.vmap @mk(%xs, %y) in_dims = [0, -1] out_dims = [0] size = 4 : (tensor<4x3xf32>, tensor<3xf32>) -> tensor<4x3xcomplex<f32>>
  return %r : tensor<4x3xcomplex<f32>>
}
