//===- Vjp.h - reverse-mode differentiation -------------------*- C++ -*-===//
#ifndef MLAX_PASSES_VJP_H
#define MLAX_PASSES_VJP_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::mlax {
/// Builds `(primals..., cotangents of floating results...) -> (results...,
/// cotangents of active args...)` for a call-free, single-block `fn`:
/// JVP, then linearize (partial evaluation), then transpose of the linear
/// part; the pieces are inlined into one function and erased.
FailureOr<func::FuncOp> buildVjpFunction(
    func::FuncOp fn, ArrayRef<int64_t> active, StringRef name,
    llvm::function_ref<FailureOr<func::FuncOp>(func::FuncOp)> prepare =
        nullptr);
} // namespace mlir::mlax

#endif // MLAX_PASSES_VJP_H
