//===- ExportSharding.h - sharding ops and attributes to XLA's forms -*- C++ -*-===//
#ifndef MLAX_PASSES_EXPORTSHARDING_H
#define MLAX_PASSES_EXPORTSHARDING_H

#include "mlir/IR/BuiltinOps.h"

namespace mlir::mlax {
/// Replaces the sharding and collective ops of `module` by XLA's custom
/// calls and StableHLO collectives, and `mlax.sharding` argument / result
/// attributes of its functions by `mhlo.sharding` strings. Runs inside
/// export (unregistered stablehlo ops allowed).
void exportSharding(ModuleOp module);
} // namespace mlir::mlax

#endif // MLAX_PASSES_EXPORTSHARDING_H
