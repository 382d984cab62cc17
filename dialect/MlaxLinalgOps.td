//===- MlaxLinalgOps.td - linear algebra and FFT ops ----------*- tablegen -*-===//
//
// Matrix ops act on the two trailing dimensions; leading dimensions are
// batch dimensions. Semantics follow JAX's lax.linalg primitives (which
// define what a failed factorization returns and which triangle is read);
// export picks the kernel per platform: LAPACK custom calls on CPU (as
// jaxlib's CPU client registers them), StableHLO ops elsewhere.
//
//===----------------------------------------------------------------------===//

#ifndef MLAX_LINALG_OPS_TD
#define MLAX_LINALG_OPS_TD

def Mlax_CholeskyOp : Mlax_Op<"cholesky", [Pure, SameOperandsAndResultType,
    Mlax_OwnJvp, Mlax_OwnBatch]> {
  let summary = "Lower Cholesky factor of Hermitian positive-definite matrices";
  let description = [{
    For operand A of shape [..., n, n], the lower-triangular L with
    A = L L^H. Only the lower triangle of A is read; the upper triangle of
    the result is zero. A matrix that is not positive definite gives an
    all-NaN lower triangle (JAX's convention). JVP: L phi(L^-1 dA L^-H),
    phi taking the lower triangle with half the diagonal.
  }];
  let arguments = (ins Mlax_FloatOrComplexTensor:$operand);
  let results = (outs Mlax_FloatOrComplexTensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Mlax_TriangularSolveOp : Mlax_Op<"triangular_solve", [Pure,
    Mlax_OwnJvp, Mlax_OwnBatch, Mlax_OwnTranspose]> {
  let summary = "Solves op(a) x = b (left_side) or x op(a) = b for triangular a";
  let description = [{
    StableHLO's triangular_solve: a is [..., m, m] and b [..., m, n]
    (left_side) or [..., n, m], with equal batch dimensions; op(a) is a,
    a^T or a^H (`transpose_a`); only the triangle `lower` selects is read,
    and its diagonal is taken as ones when `unit_diagonal`. Linear in b
    (transposed by solving with op(a)^T); the JVP in a is JAX's.
  }];
  let arguments = (ins Mlax_FloatOrComplexTensor:$a, Mlax_FloatOrComplexTensor:$b,
      BoolAttr:$left_side, BoolAttr:$lower, BoolAttr:$unit_diagonal,
      Mlax_Transpose:$transpose_a);
  let results = (outs Mlax_FloatOrComplexTensor:$result);
  let assemblyFormat = [{
    $a `,` $b `,` `transpose_a` `=` $transpose_a attr-dict `:`
    `(` type($a) `,` type($b) `)` `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mlax_FftOp : Mlax_Op<"fft", [Pure, Mlax_OwnBatch, Mlax_OwnTranspose,
    Mlax_JvpOpInterface, Mlax_LinearInOperands]> {
  let summary = "Fast Fourier transform over the trailing dimensions";
  let description = [{
    StableHLO's fft: FFT / IFFT (complex to complex), RFFT (real to the
    n/2+1 non-negative frequencies) and IRFFT (back), over the trailing
    `fft_length.size()` (1 to 3) dimensions; for IRFFT `fft_length` is the
    real output's shape. IFFT and IRFFT divide by the number of points.
    Linear (real-linear for RFFT/IRFFT), transposed as JAX does.
  }];
  let arguments = (ins Mlax_FloatOrComplexTensor:$operand, Mlax_FftType:$fft_type,
      DenseI64ArrayAttr:$fft_length);
  let results = (outs Mlax_FloatOrComplexTensor:$result);
  let assemblyFormat = [{
    $operand `,` `type` `=` $fft_type `,` `length` `=` $fft_length attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mlax_EighOp : Mlax_Op<"eigh", [Pure, Mlax_OwnJvp, Mlax_OwnBatch]> {
  let summary = "Eigendecomposition of Hermitian matrices";
  let description = [{
    For A of shape [..., n, n] (only the triangle `lower` selects is read),
    the eigenvectors V (columns, [..., n, n]) and the real eigenvalues w
    ([..., n], ascending) with A = V diag(w) V^H. A failed decomposition
    gives NaNs. JVP: JAX's (non-degenerate perturbation theory).
  }];
  let arguments = (ins Mlax_FloatOrComplexTensor:$operand, BoolAttr:$lower);
  let results = (outs Mlax_FloatOrComplexTensor:$vectors, Mlax_FloatTensor:$values);
  let assemblyFormat = "$operand attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Mlax_SvdOp : Mlax_Op<"svd", [Pure, Mlax_OwnJvp, Mlax_OwnBatch]> {
  let summary = "Singular value decomposition";
  let description = [{
    For A of shape [..., m, n]: the singular values s ([..., k], k =
    min(m, n), descending, real) and, when `compute_uv`, U ([..., m, m] or
    [..., m, k]) and V^H ([..., n, n] or [..., k, n]) as `full_matrices`
    says, with A = U diag(s) V^H. A failed decomposition gives NaNs. JVP:
    JAX's (not defined for full_matrices of non-square matrices).
  }];
  let arguments = (ins Mlax_FloatOrComplexTensor:$operand, BoolAttr:$full_matrices,
      BoolAttr:$compute_uv);
  let results = (outs Variadic<Mlax_FloatOrComplexTensor>:$results);
  let assemblyFormat = "$operand attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Mlax_QrOp : Mlax_Op<"qr", [Pure, Mlax_OwnJvp, Mlax_OwnBatch]> {
  let summary = "QR decomposition";
  let description = [{
    For A of shape [..., m, n]: Q with orthonormal columns ([..., m, m] when
    `full_matrices`, else [..., m, k], k = min(m, n)) and upper-triangular R
    ([..., m, n] or [..., k, n]) with A = Q R. Exported as Householder QR
    (geqrf) and the product of its reflectors. JVP: JAX's (m >= n, and
    reduced or square).
  }];
  let arguments = (ins Mlax_FloatOrComplexTensor:$operand, BoolAttr:$full_matrices);
  let results = (outs Mlax_FloatOrComplexTensor:$q, Mlax_FloatOrComplexTensor:$r);
  let assemblyFormat = "$operand attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Mlax_LuOp : Mlax_Op<"lu", [Pure, Mlax_OwnJvp, Mlax_OwnBatch]> {
  let summary = "LU decomposition with partial pivoting";
  let description = [{
    For A of shape [..., m, n]: the packed factors (unit-lower L below the
    diagonal, U on and above it), the row pivots ([..., min(m, n)], 0-based:
    row i was swapped with row pivots[i]) and the permutation they amount
    to ([..., m]) with A[permutation] = L U. JVP: JAX's.
  }];
  let arguments = (ins Mlax_FloatOrComplexTensor:$operand);
  let results = (outs Mlax_FloatOrComplexTensor:$lu, Mlax_IntTensor:$pivots,
      Mlax_IntTensor:$permutation);
  let assemblyFormat = "$operand attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Mlax_GeqrfOp : Mlax_Op<"geqrf", [Pure, Mlax_OwnBatch]> {
  let summary = "Householder QR in LAPACK's compact form (lax.linalg.geqrf)";
  let description = [{
    For A of shape [..., m, n]: R on and above the diagonal with the
    Householder reflectors below it, and their scales taus ([..., k]).
    Not differentiable (as in JAX).
  }];
  let arguments = (ins Mlax_FloatOrComplexTensor:$operand);
  let results = (outs Mlax_FloatOrComplexTensor:$factors, Mlax_FloatOrComplexTensor:$taus);
  let assemblyFormat = "$operand attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Mlax_HouseholderProductOp : Mlax_Op<"householder_product", [Pure, Mlax_OwnBatch]> {
  let summary = "Product of Householder reflectors (lax.linalg.householder_product)";
  let description = [{
    The first n columns of H_1 ... H_k for the reflectors stored below the
    diagonal of a ([..., m, n], m >= n) with scales taus ([..., k], k <= n).
    Not differentiable (as in JAX).
  }];
  let arguments = (ins Mlax_FloatOrComplexTensor:$a, Mlax_FloatOrComplexTensor:$taus);
  let results = (outs Mlax_FloatOrComplexTensor:$result);
  let assemblyFormat = "$a `,` $taus attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Mlax_EigOp : Mlax_Op<"eig", [Pure, Mlax_OwnJvp, Mlax_OwnBatch]> {
  let summary = "Eigendecomposition of general square matrices (CPU)";
  let description = [{
    For A of shape [..., n, n]: the complex eigenvalues w ([..., n]), then
    the left and the right eigenvectors ([..., n, n], complex; columns) when
    asked for. A failed decomposition gives NaNs. JVP: of the eigenvalues
    only (JAX's default), dw = diag(V^-1 dA V).
  }];
  let arguments = (ins Mlax_FloatOrComplexTensor:$operand,
      BoolAttr:$compute_left_eigenvectors, BoolAttr:$compute_right_eigenvectors);
  let results = (outs Variadic<Mlax_ComplexTensor>:$results);
  let assemblyFormat = "$operand attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Mlax_SchurOp : Mlax_Op<"schur", [Pure, Mlax_OwnBatch]> {
  let summary = "Schur decomposition of general square matrices (CPU)";
  let description = [{
    For A of shape [..., n, n]: the Schur form T (quasi-upper-triangular
    for real A, upper-triangular for complex A) and, when
    `compute_schur_vectors`, the unitary Z with A = Z T Z^H. A failed
    decomposition gives NaNs. Not differentiable (as in JAX).
  }];
  let arguments = (ins Mlax_FloatOrComplexTensor:$operand, BoolAttr:$compute_schur_vectors);
  let results = (outs Variadic<Mlax_FloatOrComplexTensor>:$results);
  let assemblyFormat = "$operand attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // MLAX_LINALG_OPS_TD
