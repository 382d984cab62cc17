//===- Linearize.h - partial evaluation of JVP functions ------*- C++ -*-===//
#ifndef MLAX_PASSES_LINEARIZE_H
#define MLAX_PASSES_LINEARIZE_H

#include "dialect/TransformContext.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::mlax {

/// Splits a JVP function `(primals[numPrimals], tangents) -> (results
/// [numResults], result tangents)` into a primal function, which computes
/// everything that does not depend on tangents and returns the residuals the
/// tangent computation needs, and a linear function of the tangents.
///
/// Residual policy: each residual is a distinct value that the linear
/// function uses; constants and iotas are re-materialized in the linear
/// function instead of being passed.
FailureOr<LinearizedFunctions> linearize(func::FuncOp jvpFn,
                                         unsigned numPrimals,
                                         unsigned numResults,
                                         StringRef baseName);
} // namespace mlir::mlax

#endif // MLAX_PASSES_LINEARIZE_H
