// RUN: mlax-translate --mlax-to-stablehlo %s | FileCheck %s

// A Python host callback is XLA's typed-FFI custom call; backend_config
// carries the index into the executable's host callbacks.

// CHECK-LABEL: func.func @f
// CHECK: "stablehlo.custom_call"(%arg0, %arg1) {api_version = 4 : i32, backend_config = {index = 2 : ui64}, call_target_name = "xla_ffi_python_cpu_callback", has_side_effect = true} : (tensor<3xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<i32>)
func.func @f(%x: tensor<3xf32>, %y: tensor<f32>) -> (tensor<3xf32>, tensor<i32>) {
  %0:2 = mlax.python_callback "xla_ffi_python_cpu_callback"[2](%x, %y) : (tensor<3xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<i32>)
  return %0#0, %0#1 : tensor<3xf32>, tensor<i32>
}
