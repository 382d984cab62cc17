// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// generic_reduce_window's rules (JAX's): the JVP reduces (primals,
// tangents) from (inits, zeros) with the JVP of the body; batching adds a
// size-1 window and keeps the body.

func.func private @prod(%x: tensor<6xf32>) -> tensor<5xf32> {
  %one = mlax.constant dense<1.0> : tensor<f32>
  %0 = mlax.generic_reduce_window(%x) init(%one) window = [2], strides = [1], base_dilations = [1], window_dilations = [1], padding = [0, 0] : (tensor<6xf32>, tensor<f32>) -> tensor<5xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %m = mlax.multiply %a, %b : tensor<f32>
    mlax.return %m : tensor<f32>
  }
  return %0 : tensor<5xf32>
}

// CHECK-LABEL: func.func @prod_jvp(
// CHECK-DAG:    %[[ONE:.*]] = mlax.constant dense<1.000000e+00> : tensor<f32>
// CHECK-DAG:    %[[ZERO:.*]] = mlax.constant dense<0.000000e+00> : tensor<f32>
// CHECK:        %[[R:.*]]:2 = mlax.generic_reduce_window(%arg0, %arg1) init(%[[ONE]], %[[ZERO]]) window = [2]
// CHECK-NEXT:   ^bb0(%[[AP:.*]]: tensor<f32>, %[[AT:.*]]: tensor<f32>, %[[BP:.*]]: tensor<f32>, %[[BT:.*]]: tensor<f32>):
// CHECK-DAG:      %[[P:.*]] = mlax.multiply %[[AP]], %[[BP]]
// CHECK-DAG:      mlax.multiply %[[AT]], %[[BP]]
// CHECK-DAG:      mlax.multiply %[[AP]], %[[BT]]
// CHECK:          mlax.return %[[P]], %{{.*}} : tensor<f32>, tensor<f32>
// CHECK:        return %[[R]]#0, %[[R]]#1
func.func @prod_jvp(%x: tensor<6xf32>, %t: tensor<6xf32>) -> (tensor<5xf32>, tensor<5xf32>) {
  %r:2 = mlax.jvp @prod(%x) tangents(%t) active = [0] : (tensor<6xf32>, tensor<6xf32>) -> (tensor<5xf32>, tensor<5xf32>)
  return %r#0, %r#1 : tensor<5xf32>, tensor<5xf32>
}

// CHECK-LABEL: func.func @prod_vmap(
// CHECK:        %[[T:.*]] = mlax.transpose %arg0, dims = [1, 0]
// CHECK:        mlax.generic_reduce_window(%[[T]]) init(%{{.*}}) window = [1, 2], strides = [1, 1], base_dilations = [1, 1], window_dilations = [1, 1], padding = [0, 0, 0, 0] : (tensor<3x6xf32>, tensor<f32>) -> tensor<3x5xf32>
// CHECK:          mlax.multiply
func.func @prod_vmap(%x: tensor<6x3xf32>) -> tensor<3x5xf32> {
  %r = mlax.vmap @prod(%x) in_dims = [1] out_dims = [0] size = 3 : (tensor<6x3xf32>) -> tensor<3x5xf32>
  return %r : tensor<3x5xf32>
}

// An integer operand carries no tangent: only the float one gets a slot.
func.func private @argmax(%x: tensor<4xf32>, %i: tensor<4xi32>) -> tensor<2xf32> {
  %ninf = mlax.constant dense<0xFF800000> : tensor<f32>
  %z = mlax.constant dense<0> : tensor<i32>
  %0:2 = mlax.generic_reduce_window(%x, %i) init(%ninf, %z) window = [2], strides = [2], base_dilations = [1], window_dilations = [1], padding = [0, 0] : (tensor<4xf32>, tensor<4xi32>, tensor<f32>, tensor<i32>) -> (tensor<2xf32>, tensor<2xi32>) {
  ^bb0(%av: tensor<f32>, %ai: tensor<i32>, %bv: tensor<f32>, %bi: tensor<i32>):
    %p = mlax.compare GE, %av, %bv, FLOAT : tensor<f32>
    %v = mlax.select %p, %av, %bv : tensor<i1>, tensor<f32>
    %k = mlax.select %p, %ai, %bi : tensor<i1>, tensor<i32>
    mlax.return %v, %k : tensor<f32>, tensor<i32>
  }
  return %0#0 : tensor<2xf32>
}

// CHECK-LABEL: func.func @argmax_jvp(
// CHECK:        mlax.generic_reduce_window(%arg0, %arg2, %arg1) init(
// CHECK-SAME:   (tensor<4xf32>, tensor<4xi32>, tensor<4xf32>, tensor<f32>, tensor<i32>, tensor<f32>) -> (tensor<2xf32>, tensor<2xi32>, tensor<2xf32>)
// CHECK:          mlax.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<i1>, tensor<f32>
func.func @argmax_jvp(%x: tensor<4xf32>, %t: tensor<4xf32>, %i: tensor<4xi32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %r:2 = mlax.jvp @argmax(%x, %i) tangents(%t) active = [0] : (tensor<4xf32>, tensor<4xi32>, tensor<4xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  return %r#0, %r#1 : tensor<2xf32>, tensor<2xf32>
}
