//===- MatrixUtils.h - helpers for rules on stacks of matrices -*- C++ -*-===//
//
// Matrix ops act on the two trailing dimensions of their operands; these
// helpers emit the masks, transposes and products their rules share.
//
//===----------------------------------------------------------------------===//
#ifndef MLAX_DIALECT_RULES_MATRIXUTILS_H
#define MLAX_DIALECT_RULES_MATRIXUTILS_H

#include "dialect/rules/RuleBuilder.h"

namespace mlir::mlax {

/// The complex conjugate of x (x itself when real).
Value conjugate(RuleBuilder &r, Value x);
/// x with its two trailing dimensions swapped.
Value matrixTranspose(RuleBuilder &r, Value x);
/// conj(x^T).
inline Value adjoint(RuleBuilder &r, Value x) {
  return conjugate(r, matrixTranspose(r, x));
}
/// x @ y over the trailing two dimensions, leading dimensions batched
/// (JAX's batch_matmul at HIGHEST precision, as its linalg rules use).
Value batchMatmul(RuleBuilder &r, Value x, Value y);
/// A predicate of `like`'s shape, true at (i, j) of each trailing matrix
/// where j - i <= k (lower: on or below the k-th diagonal) or j - i >= k
/// (upper).
Value triangleMask(RuleBuilder &r, Value like, bool lower, int64_t k);
/// x where `mask` holds, zero elsewhere.
Value keepWhere(RuleBuilder &r, Value mask, Value x);
/// x broadcast to `type` with its dimensions as the trailing ones of type.
Value broadcastTrailing(RuleBuilder &r, Value x, RankedTensorType type);
/// A predicate of `like`'s shape, true on the diagonal of each matrix.
Value identityMaskOf(RuleBuilder &r, Value like);
/// The identity matrices of `like`'s type.
Value identityLike(RuleBuilder &r, Value like);
/// triangular_solve with JAX's parameters: conjugate_a without transpose_a
/// solves with conj(a).
Value triangularSolve(RuleBuilder &r, Value a, Value b, bool leftSide,
                      bool lower, bool unitDiagonal, bool transposeA,
                      bool conjugateA);

} // namespace mlir::mlax

#endif // MLAX_DIALECT_RULES_MATRIXUTILS_H
