//===- Transpose.h - transposition of linear functions --------*- C++ -*-===//
#ifndef MLAX_PASSES_TRANSPOSE_H
#define MLAX_PASSES_TRANSPOSE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::mlax {
/// Transposes `linearFn: (constants[numConstant], xs) -> ys`, linear in xs,
/// into `(constants, cotangents of ys) -> cotangents of xs`, using each op's
/// TransposeOpInterface rule. Ops that only depend on the constants are
/// recomputed forward; linear ops are transposed in reverse order, and
/// cotangents of a value used several times are summed. A zero cotangent is
/// never computed. Fails with a diagnostic on an op without a rule or one
/// that is not linear in its tangent operands.
FailureOr<func::FuncOp> transposeLinearFunction(func::FuncOp linearFn,
                                                unsigned numConstant,
                                                StringRef name);
} // namespace mlir::mlax

#endif // MLAX_PASSES_TRANSPOSE_H
