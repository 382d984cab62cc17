// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// reduce_window's rules (JAX's): a windowed sum is linear and transposes
// into a windowed sum of the padded, stride-dilated cotangent; a windowed
// max passes on the tangent of each window's first maximum (a running
// select over the window offsets); batching adds a size-1 window.

func.func private @sum(%x: tensor<6xf32>) -> tensor<3xf32> {
  %0 = mlax.reduce_window ADD %x, window = [2], strides = [2], base_dilations = [1], window_dilations = [1], padding = [0, 0] : (tensor<6xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// CHECK-LABEL: func.func @sum_vjp(
// CHECK:        %[[P:.*]] = mlax.pad %arg1, %{{.*}}, low = [1], high = [1], interior = [1] : (tensor<3xf32>, tensor<f32>) -> tensor<7xf32>
// CHECK:        mlax.reduce_window ADD %[[P]], window = [2], strides = [1], base_dilations = [1], window_dilations = [1], padding = [0, 0] : (tensor<7xf32>) -> tensor<6xf32>
func.func @sum_vjp(%x: tensor<6xf32>, %ct: tensor<3xf32>) -> (tensor<3xf32>, tensor<6xf32>) {
  %r:2 = mlax.vjp @sum(%x) cotangents(%ct) active = [0] : (tensor<6xf32>, tensor<3xf32>) -> (tensor<3xf32>, tensor<6xf32>)
  return %r#0, %r#1 : tensor<3xf32>, tensor<6xf32>
}

func.func private @max(%x: tensor<6xf32>) -> tensor<3xf32> {
  %0 = mlax.reduce_window MAX %x, window = [2], strides = [2], base_dilations = [1], window_dilations = [1], padding = [0, 0] : (tensor<6xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// CHECK-LABEL: func.func @max_jvp(
// CHECK-NOT:    mlax.pad
// CHECK-DAG:    %[[X0:.*]] = mlax.slice %arg0, start = [0], limit = [5], strides = [2]
// CHECK-DAG:    %[[X1:.*]] = mlax.slice %arg0, start = [1], limit = [6], strides = [2]
// CHECK-DAG:    %[[T0:.*]] = mlax.slice %arg1, start = [0], limit = [5], strides = [2]
// CHECK-DAG:    %[[T1:.*]] = mlax.slice %arg1, start = [1], limit = [6], strides = [2]
// CHECK:        %[[GT:.*]] = mlax.compare GT, %[[X1]], %[[X0]], FLOAT
// CHECK:        mlax.select %[[GT]], %[[T1]], %[[T0]]
func.func @max_jvp(%x: tensor<6xf32>, %t: tensor<6xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %r:2 = mlax.jvp @max(%x) tangents(%t) active = [0] : (tensor<6xf32>, tensor<6xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return %r#0, %r#1 : tensor<3xf32>, tensor<3xf32>
}

// CHECK-LABEL: func.func @max_vmap(
// CHECK:        mlax.reduce_window MAX %{{.*}}, window = [1, 2], strides = [1, 2], base_dilations = [1, 1], window_dilations = [1, 1], padding = [0, 0, 0, 0] : (tensor<4x6xf32>) -> tensor<4x3xf32>
func.func @max_vmap(%x: tensor<6x4xf32>) -> tensor<4x3xf32> {
  %r = mlax.vmap @max(%x) in_dims = [1] out_dims = [0] size = 4 : (tensor<6x4xf32>) -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}
