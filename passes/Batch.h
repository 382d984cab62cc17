//===- Batch.h - the batching transformation ------------------*- C++ -*-===//
#ifndef MLAX_PASSES_BATCH_H
#define MLAX_PASSES_BATCH_H

#include "dialect/TransformContext.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::mlax {
/// Builds the batched version of a call-free, single-block `fn`: argument i
/// gains a batch dimension of size `batchSize` at `inDims[i]` (-1: shared by
/// all batch elements), result j has it at `outDims[j]` (-1: must not depend
/// on the batch). Each op's BatchOpInterface rule tracks one batch dimension
/// per value; ops with only unbatched operands are copied unchanged.
///
/// custom_jvp_call / custom_vjp_call ops with batched operands need batched
/// versions of the functions they name: `batchFunction(f, inDims, outDims)`
/// provides them (the same batch size). A custom_jvp_call becomes one of the
/// batched function and rule, a custom_vjp_call one of the batched function,
/// fwd and bwd (the rules survive vmap).
///
/// An out dimension of kSumOverBatch (TransformContext.h) makes the result
/// unbatched by summing it over the batch.
using BatchFunctionFn = llvm::function_ref<FailureOr<func::FuncOp>(
    func::FuncOp, ArrayRef<int64_t>, ArrayRef<int64_t>)>;
FailureOr<func::FuncOp>
buildBatchedFunction(func::FuncOp fn, ArrayRef<int64_t> inDims,
                     ArrayRef<int64_t> outDims, int64_t batchSize,
                     StringRef name, BatchFunctionFn batchFunction = nullptr);
} // namespace mlir::mlax

#endif // MLAX_PASSES_BATCH_H
