//===- ExportSharding.h - sharding ops and attributes to XLA's forms -*- C++
//-*-===//
#ifndef MLAX_PASSES_EXPORTSHARDING_H
#define MLAX_PASSES_EXPORTSHARDING_H

#include "mlir/IR/BuiltinOps.h"

namespace mlir::mlax {
/// Replaces the sharding and collective ops of `module` by XLA's custom
/// calls and StableHLO collectives, and `mlax.sharding` argument / result
/// attributes of its functions by `mhlo.sharding` strings. Runs inside
/// export (unregistered stablehlo ops allowed). Fails on a malformed
/// `mlax.sharding` attribute.
LogicalResult exportSharding(ModuleOp module);
/// After renaming: annotates the ops that compute per-device operands of a
/// shard_map body from constants alone with `{manual}` (XLA's propagation
/// cannot place them itself) and other constants with `{replicated}`.
void markManualOperands(ModuleOp module);
} // namespace mlir::mlax

#endif // MLAX_PASSES_EXPORTSHARDING_H
