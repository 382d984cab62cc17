// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// Host callbacks: a debug callback (no results) runs on primal values under
// jvp and vjp and takes whole batches under vmap (the host loops over
// them); a pure callback's vmap follows vmap_method.

func.func private @dbg(%x: tensor<3xf32>) -> tensor<3xf32> {
  mlax.python_callback "xla_ffi_python_cpu_callback"[0](%x) : (tensor<3xf32>) -> ()
  %0 = mlax.sine %x : tensor<3xf32>
  return %0 : tensor<3xf32>
}

// CHECK-LABEL: func.func @jvp_debug(
// CHECK:        mlax.python_callback "xla_ffi_python_cpu_callback"[0] (%arg0) : (tensor<3xf32>) -> ()
// CHECK:        mlax.cosine %arg0
func.func @jvp_debug(%x: tensor<3xf32>, %t: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %r:2 = mlax.jvp @dbg(%x) tangents(%t) active = [0] : (tensor<3xf32>, tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return %r#0, %r#1 : tensor<3xf32>, tensor<3xf32>
}

// The callback stays in the forward part, once.
// CHECK-LABEL: func.func @vjp_debug(
// CHECK:        mlax.python_callback "xla_ffi_python_cpu_callback"[0] (%arg0)
// CHECK-NOT:    mlax.python_callback
// CHECK:        return
func.func @vjp_debug(%x: tensor<3xf32>, %ct: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %r:2 = mlax.vjp @dbg(%x) cotangents(%ct) active = [0] : (tensor<3xf32>, tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return %r#0, %r#1 : tensor<3xf32>, tensor<3xf32>
}

// One call on the whole batch, batch in front; the host calls the Python
// function once per element, in order (batch at dimension 1 here).
// CHECK-LABEL: func.func @vmap_debug(
// CHECK:        %[[T:.*]] = mlax.transpose %arg0, dims = [1, 0] : (tensor<3x2xf32>) -> tensor<2x3xf32>
// CHECK:        mlax.python_callback "xla_ffi_python_cpu_callback"[0] (%[[T]]) : (tensor<2x3xf32>) -> ()
// CHECK-NOT:    mlax.python_callback
func.func @vmap_debug(%xs: tensor<3x2xf32>) -> tensor<2x3xf32> {
  %r = mlax.vmap @dbg(%xs) in_dims = [1] out_dims = [0] size = 2 : (tensor<3x2xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

func.func private @pure_seq(%x: tensor<3xf32>, %y: tensor<3xf32>) -> tensor<3xf32> {
  %0 = mlax.python_callback "xla_ffi_python_cpu_callback"[1](%x, %y) {vmap_method = "sequential"} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// "sequential": unbatched operands are broadcast too; results batched.
// CHECK-LABEL: func.func @vmap_sequential(
// CHECK:        %[[Y:.*]] = mlax.broadcast_in_dim %arg1, dims = [1] : (tensor<3xf32>) -> tensor<2x3xf32>
// CHECK:        mlax.python_callback "xla_ffi_python_cpu_callback"[1] (%arg0, %[[Y]]) {vmap_method = "sequential"} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
func.func @vmap_sequential(%xs: tensor<2x3xf32>, %y: tensor<3xf32>) -> tensor<2x3xf32> {
  %r = mlax.vmap @pure_seq(%xs, %y) in_dims = [0, -1] out_dims = [0] size = 2 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

func.func private @pure_expand(%x: tensor<3xf32>, %y: tensor<3xf32>) -> tensor<3xf32> {
  %0 = mlax.python_callback "xla_ffi_python_cpu_callback"[2](%x, %y) {vmap_method = "expand_dims"} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// One call: the batch in front, the unbatched operand with a size-1 dim.
// CHECK-LABEL: func.func @vmap_expand_dims(
// CHECK:        %[[Y:.*]] = mlax.broadcast_in_dim %arg1, dims = [1] : (tensor<3xf32>) -> tensor<1x3xf32>
// CHECK:        mlax.python_callback "xla_ffi_python_cpu_callback"[2] (%arg0, %[[Y]]) {vmap_method = "expand_dims"} : (tensor<4x3xf32>, tensor<1x3xf32>) -> tensor<4x3xf32>
func.func @vmap_expand_dims(%xs: tensor<4x3xf32>, %y: tensor<3xf32>) -> tensor<4x3xf32> {
  %r = mlax.vmap @pure_expand(%xs, %y) in_dims = [0, -1] out_dims = [0] size = 4 : (tensor<4x3xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}
