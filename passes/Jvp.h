//===- Jvp.h - forward-mode differentiation -------------------*- C++ -*-===//
#ifndef MLAX_PASSES_JVP_H
#define MLAX_PASSES_JVP_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::mlax {
/// Builds, next to `fn`, the private function
///   (primals..., tangents of active args...) ->
///   (results..., tangents of floating-point/complex results...)
/// using each op's JvpOpInterface rule. `fn` must be a single-block function
/// without calls or transformation ops (see ExpandTransforms). Tangents are
/// symbolic zeros until an active value reaches an op; results with zero
/// tangents return zeros. Emits a diagnostic and fails on ops without a rule.
FailureOr<func::FuncOp> buildJvpFunction(func::FuncOp fn,
                                         ArrayRef<int64_t> active,
                                         StringRef name);
} // namespace mlir::mlax

#endif // MLAX_PASSES_JVP_H
