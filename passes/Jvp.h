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
///
/// Region and call ops (while, case, custom calls) use their
/// ControlFlowJvpOpInterface rules. custom_jvp_call rules and custom_vjp_call
/// fwd functions are inlined; `prepare` returns a call-free clone of
/// such a rule/fwd function to inline (the caller erases it). Without
/// `prepare`, those functions are inlined as they are.
using PrepareFn = llvm::function_ref<FailureOr<func::FuncOp>(func::FuncOp)>;
FailureOr<func::FuncOp> buildJvpFunction(func::FuncOp fn,
                                         ArrayRef<int64_t> active,
                                         StringRef name,
                                         PrepareFn prepare = nullptr);
} // namespace mlir::mlax

#endif // MLAX_PASSES_JVP_H
