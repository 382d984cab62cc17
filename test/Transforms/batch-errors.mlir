// RUN: mlax-opt %s -split-input-file -verify-diagnostics --mlax-expand-transforms

func.func private @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func @bad_type(%xs: tensor<4x5xf32>) {
  // expected-error @+1 {{argument 0 has type 'tensor<4x5xf32>', expected 'tensor<5x4xf32>'}}
  %r = mlax.vmap @f(%xs) in_dims = [0] out_dims = [0] size = 5 : (tensor<4x5xf32>) -> tensor<5x4xf32>
  return
}

// -----

func.func private @g(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{result 0 depends on the batch, but its out dimension is none}}
  return %x : tensor<4xf32>
}
func.func @batched_out_none(%xs: tensor<5x4xf32>) {
  // expected-error @+1 {{while expanding this mlax.vmap}}
  %r = mlax.vmap @g(%xs) in_dims = [0] out_dims = [-1] size = 5 : (tensor<5x4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func private @cb(%x: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{vmap is only supported for the pure_callback primitive when vmap_method is one of}}
  %0 = mlax.python_callback "xla_ffi_python_cpu_callback"[0] (%x) : (tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
func.func @pure_callback_no_vmap_method(%xs: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{while expanding this mlax.vmap}}
  %r = mlax.vmap @cb(%xs) in_dims = [0] out_dims = [0] size = 2 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}
