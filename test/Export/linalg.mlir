// RUN: mlax-translate --mlax-to-stablehlo %s -split-input-file | FileCheck %s

// On CPU (the default platform) the matrix ops call jaxlib's LAPACK FFI
// handlers with column-major layouts; a failed factorization becomes NaNs
// and cholesky keeps its lower triangle.

// CHECK-LABEL: func.func @cholesky
// CHECK:        %[[C:.*]]:2 = "stablehlo.custom_call"(%arg0) {api_version = 1 : i32, backend_config = "", call_target_name = "lapack_spotrf_ffi", called_computations = [], has_side_effect = false, mhlo.backend_config = {uplo = 76 : ui8}, mhlo.frontend_attributes = {num_batch_dims = "1"}, operand_layouts = [dense<[1, 2, 0]> : tensor<3xindex>], output_operand_aliases = [#stablehlo.output_operand_alias<output_tuple_indices = [0], operand_index = 0, operand_tuple_indices = []>], result_layouts = [dense<[1, 2, 0]> : tensor<3xindex>, dense<0> : tensor<1xindex>]} : (tensor<2x3x3xf32>) -> (tensor<2x3x3xf32>, tensor<2xi32>)
// CHECK:        "stablehlo.compare"(%[[C]]#1, {{.*}}comparison_direction EQ
// CHECK:        %[[OK:.*]] = "stablehlo.select"({{.*}}, %[[C]]#0, {{.*}})
// CHECK:        "stablehlo.select"({{.*}}, %[[OK]], {{.*}})
func.func @cholesky(%a: tensor<2x3x3xf32>) -> tensor<2x3x3xf32> {
  %0 = mlax.cholesky %a : tensor<2x3x3xf32>
  return %0 : tensor<2x3x3xf32>
}

// CHECK-LABEL: func.func @trsm
// CHECK:        "stablehlo.custom_call"(%arg0, %arg1) {{.*}}call_target_name = "lapack_ztrsm_ffi"{{.*}}mhlo.backend_config = {diag = 85 : ui8, side = 82 : ui8, trans_x = 67 : ui8, uplo = 85 : ui8}, mhlo.frontend_attributes = {num_batch_dims = "0"}, operand_layouts = [dense<[0, 1]> : tensor<2xindex>, dense<[0, 1]> : tensor<2xindex>]{{.*}}operand_index = 1
func.func @trsm(%a: tensor<3x3xcomplex<f64>>, %b: tensor<2x3xcomplex<f64>>) -> tensor<2x3xcomplex<f64>> {
  %0 = mlax.triangular_solve %a, %b, transpose_a = ADJOINT {left_side = false, lower = false, unit_diagonal = true} : (tensor<3x3xcomplex<f64>>, tensor<2x3xcomplex<f64>>) -> tensor<2x3xcomplex<f64>>
  return %0 : tensor<2x3xcomplex<f64>>
}

// LAPACK has no f16 routines: StableHLO's own op.
// CHECK-LABEL: func.func @trsm_f16
// CHECK:        "stablehlo.triangular_solve"(%arg0, %arg1) {left_side = true, lower = true, transpose_a = #stablehlo<transpose TRANSPOSE>, unit_diagonal = false}
func.func @trsm_f16(%a: tensor<3x3xf16>, %b: tensor<3x2xf16>) -> tensor<3x2xf16> {
  %0 = mlax.triangular_solve %a, %b, transpose_a = TRANSPOSE {left_side = true, lower = true, unit_diagonal = false} : (tensor<3x3xf16>, tensor<3x2xf16>) -> tensor<3x2xf16>
  return %0 : tensor<3x2xf16>
}

// CHECK-LABEL: func.func @eigh
// CHECK:        "stablehlo.custom_call"(%arg0) {{.*}}call_target_name = "lapack_cheevd_ffi"{{.*}}mhlo.backend_config = {mode = 86 : ui8, uplo = 76 : ui8}{{.*}} : (tensor<4x4xcomplex<f32>>) -> (tensor<4x4xcomplex<f32>>, tensor<4xf32>, tensor<i32>)
func.func @eigh(%a: tensor<4x4xcomplex<f32>>) -> (tensor<4x4xcomplex<f32>>, tensor<4xf32>) {
  %0:2 = mlax.eigh %a {lower = true} : (tensor<4x4xcomplex<f32>>) -> (tensor<4x4xcomplex<f32>>, tensor<4xf32>)
  return %0#0, %0#1 : tensor<4x4xcomplex<f32>>, tensor<4xf32>
}

// CHECK-LABEL: func.func @svd
// CHECK:        "stablehlo.custom_call"(%arg0) {{.*}}call_target_name = "lapack_dgesdd_ffi"{{.*}}mhlo.backend_config = {mode = 83 : ui8}{{.*}} : (tensor<5x3xf64>) -> (tensor<5x3xf64>, tensor<3xf64>, tensor<5x3xf64>, tensor<3x3xf64>, tensor<i32>)
func.func @svd(%a: tensor<5x3xf64>) -> (tensor<3xf64>, tensor<5x3xf64>, tensor<3x3xf64>) {
  %0:3 = mlax.svd %a {compute_uv = true, full_matrices = false} : (tensor<5x3xf64>) -> (tensor<3xf64>, tensor<5x3xf64>, tensor<3x3xf64>)
  return %0#0, %0#1, %0#2 : tensor<3xf64>, tensor<5x3xf64>, tensor<3x3xf64>
}

// A complete Q of a tall matrix: the reflectors padded to m columns.
// CHECK-LABEL: func.func @qr
// CHECK:        %[[F:.*]]:2 = "stablehlo.custom_call"(%arg0) {{.*}}call_target_name = "lapack_sgeqrf_ffi"
// CHECK:        %[[P:.*]] = "stablehlo.pad"(%[[F]]#0, {{.*}}) {{.*}} -> tensor<4x4xf32>
// CHECK:        "stablehlo.custom_call"(%[[P]], %[[F]]#1) {{.*}}call_target_name = "lapack_sorgqr_ffi"
func.func @qr(%a: tensor<4x2xf32>) -> (tensor<4x4xf32>, tensor<4x2xf32>) {
  %0:2 = mlax.qr %a {full_matrices = true} : (tensor<4x2xf32>) -> (tensor<4x4xf32>, tensor<4x2xf32>)
  return %0#0, %0#1 : tensor<4x4xf32>, tensor<4x2xf32>
}

// LAPACK's 1-based pivots become 0-based; a loop of swaps makes the
// permutation.
// CHECK-LABEL: func.func @lu
// CHECK:        %[[F:.*]]:3 = "stablehlo.custom_call"(%arg0) {{.*}}call_target_name = "lapack_sgetrf_ffi"
// CHECK:        %[[P:.*]] = "stablehlo.subtract"(%[[F]]#1, {{.*}})
// CHECK:        comparison_direction GE
// CHECK:        "stablehlo.while"
// CHECK:        "stablehlo.dynamic_slice"
// CHECK:        "stablehlo.dynamic_update_slice"
func.func @lu(%a: tensor<3x3xf32>) -> (tensor<3x3xf32>, tensor<3xi32>, tensor<3xi32>) {
  %0:3 = mlax.lu %a : (tensor<3x3xf32>) -> (tensor<3x3xf32>, tensor<3xi32>, tensor<3xi32>)
  return %0#0, %0#1, %0#2 : tensor<3x3xf32>, tensor<3xi32>, tensor<3xi32>
}

// Real gees has both eigenvalue parts and sdim before info.
// CHECK-LABEL: func.func @schur
// CHECK:        "stablehlo.custom_call"(%arg0) {{.*}}call_target_name = "lapack_sgees_ffi"{{.*}}mhlo.backend_config = {mode = 86 : ui8, sort = 78 : ui8}{{.*}} -> (tensor<3x3xf32>, tensor<3x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<i32>, tensor<i32>)
func.func @schur(%a: tensor<3x3xf32>) -> (tensor<3x3xf32>, tensor<3x3xf32>) {
  %0:2 = mlax.schur %a {compute_schur_vectors = true} : (tensor<3x3xf32>) -> (tensor<3x3xf32>, tensor<3x3xf32>)
  return %0#0, %0#1 : tensor<3x3xf32>, tensor<3x3xf32>
}

// CHECK-LABEL: func.func @fft
// CHECK:        "stablehlo.fft"(%arg0) {fft_length = array<i64: 4, 8>, fft_type = #stablehlo<fft_type IRFFT>} : (tensor<4x5xcomplex<f32>>) -> tensor<4x8xf32>
func.func @fft(%x: tensor<4x5xcomplex<f32>>) -> tensor<4x8xf32> {
  %0 = mlax.fft %x, type = IRFFT, length = [4, 8] : (tensor<4x5xcomplex<f32>>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Elsewhere cholesky is StableHLO's op.
// CHECK-LABEL: func.func @cholesky_gpu
// CHECK:        "stablehlo.cholesky"(%arg0) {lower = true}
// CHECK-NOT:    custom_call
// CHECK-NOT:    mlax.platform
module attributes {mlax.platform = "cuda"} {
  func.func @cholesky_gpu(%a: tensor<3x3xf32>) -> tensor<3x3xf32> {
    %0 = mlax.cholesky %a : tensor<3x3xf32>
    return %0 : tensor<3x3xf32>
  }
}
