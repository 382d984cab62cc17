//===- Passes.h - mlax transformation passes ------------------*- C++ -*-===//
#ifndef MLAX_PASSES_PASSES_H
#define MLAX_PASSES_PASSES_H

#include "dialect/MlaxDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::mlax {
#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"
} // namespace mlir::mlax

#endif // MLAX_PASSES_PASSES_H
