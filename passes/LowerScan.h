//===- LowerScan.h - mlax.scan as mlax.while -------------------*- C++ -*-===//
#ifndef MLAX_PASSES_LOWERSCAN_H
#define MLAX_PASSES_LOWERSCAN_H

#include "mlir/IR/Operation.h"

namespace mlir::mlax {
/// Replaces every mlax.scan under `root` (inner scans first) by an
/// mlax.while with a static trip count that carries an i32 counter, the
/// carries and one buffer per y: iteration k reads slice k (length-1-k when
/// reversed) of each xs with dynamic_slice and writes its ys there with
/// dynamic_update_slice, as XLA's scan lowering does. `unroll` bodies run
/// per trip; the remaining length % unroll iterations follow the loop.
void lowerScans(Operation *root);
} // namespace mlir::mlax

#endif // MLAX_PASSES_LOWERSCAN_H
