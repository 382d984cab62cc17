//===- Batch.h - the batching transformation ------------------*- C++ -*-===//
#ifndef MLAX_PASSES_BATCH_H
#define MLAX_PASSES_BATCH_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::mlax {
/// Builds the batched version of a call-free, single-block `fn`: argument i
/// gains a batch dimension of size `batchSize` at `inDims[i]` (-1: shared by
/// all batch elements), result j has it at `outDims[j]` (-1: must not depend
/// on the batch). Each op's BatchOpInterface rule tracks one batch dimension
/// per value; ops with only unbatched operands are copied unchanged.
FailureOr<func::FuncOp> buildBatchedFunction(func::FuncOp fn,
                                             ArrayRef<int64_t> inDims,
                                             ArrayRef<int64_t> outDims,
                                             int64_t batchSize, StringRef name);
} // namespace mlir::mlax

#endif // MLAX_PASSES_BATCH_H
