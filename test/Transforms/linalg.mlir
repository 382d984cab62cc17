// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// Rules of the matrix ops (JAX's): cholesky's JVP is L phi(L^-1 dA L^-H);
// triangular_solve transposes into a solve with op(a)^T; fft transposes
// into the same FFT (FFT/IFFT) or the masked inverse (RFFT/IRFFT);
// batching moves the batch dimension in front of the matrices, except for
// a solve with one matrix, where the batch joins b's columns.

func.func private @chol(%a: tensor<3x3xf32>) -> tensor<3x3xf32> {
  %0 = mlax.cholesky %a : tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// CHECK-LABEL: func.func @chol_jvp(
// CHECK:        %[[L:.*]] = mlax.cholesky %arg0
// CHECK:        %[[T:.*]] = mlax.triangular_solve %[[L]], %arg1, transpose_a = ADJOINT {left_side = false, lower = true, unit_diagonal = false}
// CHECK:        %[[X:.*]] = mlax.triangular_solve %[[L]], %[[T]], transpose_a = NO_TRANSPOSE {left_side = true, lower = true, unit_diagonal = false}
// CHECK:        %[[H:.*]] = mlax.multiply %[[X]], %{{.*}} : tensor<3x3xf32>
// CHECK:        %[[D:.*]] = mlax.select %{{.*}}, %[[H]], %{{.*}}
// CHECK:        %[[P:.*]] = mlax.select %{{.*}}, %[[X]], %[[D]]
// CHECK:        %[[DL:.*]] = mlax.dot_general %[[L]], %[[P]], batching_dims = [] x [], contracting_dims = [1] x [0] {precision_config = ["HIGHEST", "HIGHEST"]}
// CHECK:        return %[[L]], %[[DL]]
func.func @chol_jvp(%a: tensor<3x3xf32>, %t: tensor<3x3xf32>) -> (tensor<3x3xf32>, tensor<3x3xf32>) {
  %r:2 = mlax.jvp @chol(%a) tangents(%t) active = [0] : (tensor<3x3xf32>, tensor<3x3xf32>) -> (tensor<3x3xf32>, tensor<3x3xf32>)
  return %r#0, %r#1 : tensor<3x3xf32>, tensor<3x3xf32>
}

func.func private @solve(%a: tensor<3x3xf32>, %b: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %0 = mlax.triangular_solve %a, %b, transpose_a = NO_TRANSPOSE {left_side = true, lower = true, unit_diagonal = false} : (tensor<3x3xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// The cotangent of b solves with a^T; a's is -(a^-T ct) x^T on a's triangle.
// CHECK-LABEL: func.func @solve_vjp(
// CHECK:        %[[X:.*]] = mlax.triangular_solve %arg0, %arg1, transpose_a = NO_TRANSPOSE
// CHECK:        %[[CB:.*]] = mlax.triangular_solve %arg0, %arg2, transpose_a = TRANSPOSE {left_side = true, lower = true, unit_diagonal = false}
// CHECK:        mlax.dot_general %[[CB]], %[[X]]
// CHECK:        mlax.select
// CHECK:        return %[[X]], %{{.*}}, %[[CB]]
func.func @solve_vjp(%a: tensor<3x3xf32>, %b: tensor<3x2xf32>, %ct: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x3xf32>, tensor<3x2xf32>) {
  %r:3 = mlax.vjp @solve(%a, %b) cotangents(%ct) active = [0, 1] : (tensor<3x3xf32>, tensor<3x2xf32>, tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x3xf32>, tensor<3x2xf32>)
  return %r#0, %r#1, %r#2 : tensor<3x2xf32>, tensor<3x3xf32>, tensor<3x2xf32>
}

// One matrix, a batch of right-hand sides: a single solve with 2 x 4 columns.
// CHECK-LABEL: func.func @solve_vmap_b(
// CHECK:        %[[M:.*]] = mlax.transpose %arg1, dims = [1, 2, 0]
// CHECK:        %[[F:.*]] = mlax.reshape %[[M]] : (tensor<3x2x4xf32>) -> tensor<3x8xf32>
// CHECK:        %[[S:.*]] = mlax.triangular_solve %arg0, %[[F]], transpose_a = NO_TRANSPOSE {{.*}} -> tensor<3x8xf32>
// CHECK:        mlax.reshape %[[S]] : (tensor<3x8xf32>) -> tensor<3x2x4xf32>
func.func @solve_vmap_b(%a: tensor<3x3xf32>, %bs: tensor<4x3x2xf32>) -> tensor<4x3x2xf32> {
  %r = mlax.vmap @solve(%a, %bs) in_dims = [-1, 0] out_dims = [0] size = 4 : (tensor<3x3xf32>, tensor<4x3x2xf32>) -> tensor<4x3x2xf32>
  return %r : tensor<4x3x2xf32>
}

// Both batched: the batch leads both operands.
// CHECK-LABEL: func.func @solve_vmap_ab(
// CHECK:        mlax.triangular_solve %arg0, %{{.*}} : (tensor<4x3x3xf32>, tensor<4x3x2xf32>) -> tensor<4x3x2xf32>
func.func @solve_vmap_ab(%as: tensor<4x3x3xf32>, %bs: tensor<3x2x4xf32>) -> tensor<4x3x2xf32> {
  %r = mlax.vmap @solve(%as, %bs) in_dims = [0, 2] out_dims = [0] size = 4 : (tensor<4x3x3xf32>, tensor<3x2x4xf32>) -> tensor<4x3x2xf32>
  return %r : tensor<4x3x2xf32>
}

func.func private @rfft(%x: tensor<2x8xf32>) -> tensor<2x5xcomplex<f32>> {
  %0 = mlax.fft %x, type = RFFT, length = [8] : (tensor<2x8xf32>) -> tensor<2x5xcomplex<f32>>
  return %0 : tensor<2x5xcomplex<f32>>
}

// RFFT's transpose: N * IRFFT(conj(ct) / w), w = 1 for the DC and Nyquist
// terms and 2 for the others.
// CHECK-LABEL: func.func @rfft_vjp(
// CHECK:        %[[F:.*]] = mlax.fft %arg0, type = RFFT, length = [8]
// CHECK:        %[[C:.*]] = mlax.conj %arg1 : tensor<2x5xcomplex<f32>>
// CHECK:        %[[W:.*]] = mlax.divide %[[C]], %{{.*}} : tensor<2x5xcomplex<f32>>
// CHECK:        %[[I:.*]] = mlax.fft %[[W]], type = IRFFT, length = [8] : (tensor<2x5xcomplex<f32>>) -> tensor<2x8xf32>
// CHECK:        %[[S:.*]] = mlax.multiply %[[I]], %{{.*}} : tensor<2x8xf32>
// CHECK:        return %[[F]], %[[S]]
func.func @rfft_vjp(%x: tensor<2x8xf32>, %ct: tensor<2x5xcomplex<f32>>) -> (tensor<2x5xcomplex<f32>>, tensor<2x8xf32>) {
  %r:2 = mlax.vjp @rfft(%x) cotangents(%ct) active = [0] : (tensor<2x8xf32>, tensor<2x5xcomplex<f32>>) -> (tensor<2x5xcomplex<f32>>, tensor<2x8xf32>)
  return %r#0, %r#1 : tensor<2x5xcomplex<f32>>, tensor<2x8xf32>
}

func.func private @cfft(%x: tensor<2x8xcomplex<f32>>) -> tensor<2x8xcomplex<f32>> {
  %0 = mlax.fft %x, type = FFT, length = [8] : (tensor<2x8xcomplex<f32>>) -> tensor<2x8xcomplex<f32>>
  return %0 : tensor<2x8xcomplex<f32>>
}

// The DFT matrix is symmetric: FFT transposes into FFT. Batching: in front.
// CHECK-LABEL: func.func @fft_vjp(
// CHECK:        mlax.fft %arg0, type = FFT
// CHECK:        mlax.fft %arg1, type = FFT
func.func @fft_vjp(%x: tensor<2x8xcomplex<f32>>, %ct: tensor<2x8xcomplex<f32>>) -> (tensor<2x8xcomplex<f32>>, tensor<2x8xcomplex<f32>>) {
  %r:2 = mlax.vjp @cfft(%x) cotangents(%ct) active = [0] : (tensor<2x8xcomplex<f32>>, tensor<2x8xcomplex<f32>>) -> (tensor<2x8xcomplex<f32>>, tensor<2x8xcomplex<f32>>)
  return %r#0, %r#1 : tensor<2x8xcomplex<f32>>, tensor<2x8xcomplex<f32>>
}

// CHECK-LABEL: func.func @fft_vmap(
// CHECK:        %[[T:.*]] = mlax.transpose %arg0, dims = [2, 0, 1]
// CHECK:        mlax.fft %[[T]], type = FFT, length = [8] : (tensor<3x2x8xcomplex<f32>>) -> tensor<3x2x8xcomplex<f32>>
func.func @fft_vmap(%x: tensor<2x8x3xcomplex<f32>>) -> tensor<3x2x8xcomplex<f32>> {
  %r = mlax.vmap @cfft(%x) in_dims = [2] out_dims = [0] size = 3 : (tensor<2x8x3xcomplex<f32>>) -> tensor<3x2x8xcomplex<f32>>
  return %r : tensor<3x2x8xcomplex<f32>>
}

// eigh's eigenvalue cotangent: V diag(ct) V^T (the diagonal of V^T dA V, transposed).
// CHECK-LABEL: func.func @eigh_vjp(
// CHECK:        %[[V:.*]], %[[W:.*]] = mlax.eigh %arg0 {lower = true}
// CHECK:        %[[D:.*]] = mlax.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<3x3xi1>, tensor<3x3xf32>
// CHECK:        mlax.dot_general %[[D]], %[[V]]
// CHECK:        return %[[W]], %{{.*}}

// lu's JVP: the permuted tangent solved with L (unit) and U, split back
// into its triangles.
// CHECK-LABEL: func.func @lu_jvp(
// CHECK:        %[[LU:.*]], %{{.*}}, %[[P:.*]] = mlax.lu %arg0
// CHECK:        %[[I:.*]] = mlax.reshape %[[P]] : (tensor<3xi32>) -> tensor<3x1xi32>
// CHECK:        %[[X:.*]] = mlax.gather %arg1[%[[I]]], offset_dims = [1], collapsed_slice_dims = [0]
// CHECK:        %[[LA:.*]] = mlax.triangular_solve %{{.*}}, %[[X]], transpose_a = NO_TRANSPOSE {left_side = true, lower = true, unit_diagonal = true}
// CHECK:        mlax.triangular_solve %{{.*}}, %[[LA]], transpose_a = NO_TRANSPOSE {left_side = false, lower = false, unit_diagonal = false}
// CHECK-COUNT-2: mlax.dot_general
// CHECK:        return %[[LU]]

// Singular values alone: the JVP takes U and V^H from a reduced svd.
// CHECK-LABEL: func.func @svd_jvp(
// CHECK:        mlax.svd %arg0 {compute_uv = true, full_matrices = false} : (tensor<4x3xf32>) -> (tensor<3xf32>, tensor<4x3xf32>, tensor<3x3xf32>)
// CHECK:        mlax.reduce

func.func private @eigh(%a: tensor<3x3xf32>) -> tensor<3xf32> {
  %0:2 = mlax.eigh %a {lower = true} : (tensor<3x3xf32>) -> (tensor<3x3xf32>, tensor<3xf32>)
  return %0#1 : tensor<3xf32>
}
func.func @eigh_vjp(%a: tensor<3x3xf32>, %ct: tensor<3xf32>) -> (tensor<3xf32>, tensor<3x3xf32>) {
  %r:2 = mlax.vjp @eigh(%a) cotangents(%ct) active = [0] : (tensor<3x3xf32>, tensor<3xf32>) -> (tensor<3xf32>, tensor<3x3xf32>)
  return %r#0, %r#1 : tensor<3xf32>, tensor<3x3xf32>
}
func.func private @lu(%a: tensor<3x3xf32>) -> tensor<3x3xf32> {
  %0:3 = mlax.lu %a : (tensor<3x3xf32>) -> (tensor<3x3xf32>, tensor<3xi32>, tensor<3xi32>)
  return %0#0 : tensor<3x3xf32>
}
func.func @lu_jvp(%a: tensor<3x3xf32>, %t: tensor<3x3xf32>) -> (tensor<3x3xf32>, tensor<3x3xf32>) {
  %r:2 = mlax.jvp @lu(%a) tangents(%t) active = [0] : (tensor<3x3xf32>, tensor<3x3xf32>) -> (tensor<3x3xf32>, tensor<3x3xf32>)
  return %r#0, %r#1 : tensor<3x3xf32>, tensor<3x3xf32>
}
func.func private @svd(%a: tensor<4x3xf32>) -> tensor<3xf32> {
  %0 = mlax.svd %a {compute_uv = false, full_matrices = true} : (tensor<4x3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
func.func @svd_jvp(%a: tensor<4x3xf32>, %t: tensor<4x3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %r:2 = mlax.jvp @svd(%a) tangents(%t) active = [0] : (tensor<4x3xf32>, tensor<4x3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return %r#0, %r#1 : tensor<3xf32>, tensor<3xf32>
}
