//===- Export.h - mlax to StableHLO export --------------------*- C++ -*-===//
#ifndef MLAX_PASSES_EXPORT_H
#define MLAX_PASSES_EXPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::mlax {
/// Prints `module` as StableHLO text that PJRT compiles. mlax ops become the
/// StableHLO (or CHLO) op of the same name and attributes; the input module is
/// not modified. Fails, with a diagnostic, on ops that have no export.
LogicalResult exportToStableHLO(ModuleOp module, llvm::raw_ostream &os);

/// Registers the `mlax-to-stablehlo` translation (for mlax-translate).
void registerExportTranslation();
} // namespace mlir::mlax

#endif // MLAX_PASSES_EXPORT_H
