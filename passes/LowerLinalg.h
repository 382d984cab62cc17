//===- LowerLinalg.h - linear algebra ops to platform kernels --*- C++ -*-===//
#ifndef MLAX_PASSES_LOWERLINALG_H
#define MLAX_PASSES_LOWERLINALG_H

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/LogicalResult.h"

namespace mlir::mlax {
/// Replaces the linear algebra and FFT ops under `root` by what `platform`
/// ("cpu", "cuda", ...) runs: LAPACK custom calls on CPU, with the layouts
/// and attributes jaxlib's FFI handlers read (column-major matrices,
/// `num_batch_dims`), and JAX's handling of their status outputs (a failed
/// factorization becomes NaNs); StableHLO's own ops elsewhere. The ops
/// built are unregistered `stablehlo.*` ops (the export's form) and mlax
/// ops that the export renames afterwards. Fails, with a diagnostic, on a
/// decomposition the platform has no kernel for.
LogicalResult lowerLinalg(Operation *root, StringRef platform);
} // namespace mlir::mlax

#endif // MLAX_PASSES_LOWERLINALG_H
