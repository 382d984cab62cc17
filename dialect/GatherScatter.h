//===- GatherScatter.h - gather/scatter dimension numbers ------*- C++ -*-===//
//
// Plain structs for the dimension numbers of mlax.gather / mlax.scatter, the
// shape rule of gather, builders, and the two inversions the derivative rules
// need (the scatter-add that transposes a gather, the gather that reads what
// a scatter combined).
//
//===----------------------------------------------------------------------===//
#ifndef MLAX_DIALECT_GATHERSCATTER_H
#define MLAX_DIALECT_GATHERSCATTER_H

#include "dialect/MlaxOps.h"

namespace mlir::mlax {

struct GatherDims {
  SmallVector<int64_t> offsetDims, collapsedSliceDims, operandBatchingDims,
      startIndicesBatchingDims, startIndexMap, sliceSizes;
  int64_t indexVectorDim = 0;
  static GatherDims of(GatherOp op);
};

struct ScatterDims {
  SmallVector<int64_t> updateWindowDims, insertedWindowDims, inputBatchingDims,
      scatterIndicesBatchingDims, scatterDimsToOperandDims;
  int64_t indexVectorDim = 0;
  static ScatterDims of(ScatterOp op);
};

/// The result shape of a gather, or failure after reporting through
/// `emitError` (StableHLO's constraints).
FailureOr<SmallVector<int64_t>>
inferGatherShape(ArrayRef<int64_t> operandShape, ArrayRef<int64_t> indicesShape,
                 const GatherDims &dims,
                 function_ref<InFlightDiagnostic()> emitError);

Value buildGather(OpBuilder &b, Location loc, Value operand, Value indices,
                  const GatherDims &dims, bool indicesAreSorted = false);
Value buildScatter(OpBuilder &b, Location loc, Value input, Value indices,
                   Value updates, const ScatterDims &dims,
                   ScatterOp::Combiner combiner, bool uniqueIndices = false);

/// `indices` clamped as gather clamps its start indices (so that every
/// slice fits the operand): the scatter that transposes a gather must write
/// where the gather read.
Value clampGatherIndices(OpBuilder &b, Location loc, Value indices,
                         const GatherDims &dims,
                         ArrayRef<int64_t> operandShape);

/// The scatter-add that sends a gather's result back into its operand.
ScatterDims scatterOfGather(const GatherDims &dims);
/// The gather that reads, per update element, the input element a scatter
/// combines it into.
GatherDims gatherOfScatter(const ScatterDims &dims,
                           ArrayRef<int64_t> inputShape,
                           ArrayRef<int64_t> updatesShape);

} // namespace mlir::mlax

#endif // MLAX_DIALECT_GATHERSCATTER_H
