//===- GatherScatter.cpp - gather/scatter verifiers and helpers -----------===//
#include "dialect/GatherScatter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::mlax;

GatherDims GatherDims::of(GatherOp op) {
  GatherDims d;
  d.offsetDims.assign(op.getOffsetDims().begin(), op.getOffsetDims().end());
  d.collapsedSliceDims.assign(op.getCollapsedSliceDims().begin(),
                              op.getCollapsedSliceDims().end());
  d.operandBatchingDims.assign(op.getOperandBatchingDims().begin(),
                               op.getOperandBatchingDims().end());
  d.startIndicesBatchingDims.assign(op.getStartIndicesBatchingDims().begin(),
                                    op.getStartIndicesBatchingDims().end());
  d.startIndexMap.assign(op.getStartIndexMap().begin(),
                         op.getStartIndexMap().end());
  d.sliceSizes.assign(op.getSliceSizes().begin(), op.getSliceSizes().end());
  d.indexVectorDim = static_cast<int64_t>(op.getIndexVectorDim());
  return d;
}

ScatterDims ScatterDims::of(ScatterOp op) {
  ScatterDims d;
  d.updateWindowDims.assign(op.getUpdateWindowDims().begin(),
                            op.getUpdateWindowDims().end());
  d.insertedWindowDims.assign(op.getInsertedWindowDims().begin(),
                              op.getInsertedWindowDims().end());
  d.inputBatchingDims.assign(op.getInputBatchingDims().begin(),
                             op.getInputBatchingDims().end());
  d.scatterIndicesBatchingDims.assign(
      op.getScatterIndicesBatchingDims().begin(),
      op.getScatterIndicesBatchingDims().end());
  d.scatterDimsToOperandDims.assign(op.getScatterDimsToOperandDims().begin(),
                                    op.getScatterDimsToOperandDims().end());
  d.indexVectorDim = static_cast<int64_t>(op.getIndexVectorDim());
  return d;
}

namespace {
std::string list(ArrayRef<int64_t> v) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(v, os);
  return s + "]";
}

/// Checks that `dims` are unique, in [0, bound) and (if `sorted`) sorted.
LogicalResult checkDims(ArrayRef<int64_t> dims, int64_t bound, StringRef name,
                        bool sorted,
                        function_ref<InFlightDiagnostic()> emitError) {
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (d < 0 || d >= bound)
      return emitError() << name << " " << list(dims)
                         << " has a dimension out of range [0, " << bound
                         << ")";
    if (i > 0 &&
        (sorted ? dims[i - 1] >= d : llvm::is_contained(dims.take_front(i), d)))
      return emitError() << name << " " << list(dims) << " must be "
                         << (sorted ? "sorted and " : "") << "unique";
  }
  return success();
}

LogicalResult checkDisjoint(ArrayRef<int64_t> a, StringRef an,
                            ArrayRef<int64_t> b, StringRef bn,
                            function_ref<InFlightDiagnostic()> emitError) {
  for (int64_t d : a)
    if (llvm::is_contained(b, d))
      return emitError() << an << " " << list(a) << " and " << bn << " "
                         << list(b) << " share dimension " << d;
  return success();
}

/// The dimensions of an index tensor other than its index vector dimension.
SmallVector<int64_t> indexBatchShape(ArrayRef<int64_t> shape, int64_t ivd) {
  SmallVector<int64_t> out;
  for (auto [i, s] : llvm::enumerate(shape))
    if (static_cast<int64_t>(i) != ivd)
      out.push_back(s);
  return out;
}

/// Index vector length and batch-dimension checks shared by both ops.
FailureOr<int64_t> checkIndices(ArrayRef<int64_t> indicesShape, int64_t ivd,
                                ArrayRef<int64_t> batchingDims,
                                StringRef batchingName,
                                function_ref<InFlightDiagnostic()> emitError) {
  int64_t rank = indicesShape.size();
  if (ivd < 0 || ivd > rank)
    return emitError() << "index_vector_dim " << ivd << " is out of range [0, "
                       << rank << "]";
  if (failed(checkDims(batchingDims, rank, batchingName, false, emitError)))
    return failure();
  if (llvm::is_contained(batchingDims, ivd))
    return emitError() << batchingName << " " << list(batchingDims)
                       << " contains index_vector_dim " << ivd;
  return ivd < rank ? indicesShape[ivd] : int64_t(1);
}

LogicalResult checkBatchingSizes(ArrayRef<int64_t> opShape,
                                 ArrayRef<int64_t> opDims, StringRef opName,
                                 ArrayRef<int64_t> idxShape,
                                 ArrayRef<int64_t> idxDims, StringRef idxName,
                                 function_ref<InFlightDiagnostic()> emitError) {
  if (opDims.size() != idxDims.size())
    return emitError() << opName << " " << list(opDims) << " and " << idxName
                       << " " << list(idxDims) << " differ in length";
  for (auto [a, b] : llvm::zip(opDims, idxDims))
    if (opShape[a] != idxShape[b])
      return emitError() << "batching dimension sizes differ: " << opShape[a]
                         << " (dimension " << a << ") vs " << idxShape[b]
                         << " (index dimension " << b << ")";
  return success();
}
} // namespace

FailureOr<SmallVector<int64_t>> mlir::mlax::inferGatherShape(
    ArrayRef<int64_t> operandShape, ArrayRef<int64_t> indicesShape,
    const GatherDims &dims, function_ref<InFlightDiagnostic()> emitError) {
  int64_t rank = operandShape.size();
  FailureOr<int64_t> ivs = checkIndices(
      indicesShape, dims.indexVectorDim, dims.startIndicesBatchingDims,
      "start_indices_batching_dims", emitError);
  if (failed(ivs))
    return failure();
  if (static_cast<int64_t>(dims.startIndexMap.size()) != *ivs)
    return emitError() << "start_index_map " << list(dims.startIndexMap)
                       << " must have one entry per index vector element ("
                       << *ivs << ")";
  if (static_cast<int64_t>(dims.sliceSizes.size()) != rank)
    return emitError() << "slice_sizes " << list(dims.sliceSizes)
                       << " must have one entry per operand dimension (" << rank
                       << ")";
  for (auto [i, s] : llvm::enumerate(dims.sliceSizes))
    if (s < 0 || s > operandShape[i])
      return emitError() << "slice size " << s << " of dimension " << i
                         << " is out of range [0, " << operandShape[i] << "]";
  if (failed(checkDims(dims.collapsedSliceDims, rank, "collapsed_slice_dims",
                       true, emitError)) ||
      failed(checkDims(dims.operandBatchingDims, rank, "operand_batching_dims",
                       true, emitError)) ||
      failed(checkDims(dims.startIndexMap, rank, "start_index_map", false,
                       emitError)) ||
      failed(checkDisjoint(dims.collapsedSliceDims, "collapsed_slice_dims",
                           dims.operandBatchingDims, "operand_batching_dims",
                           emitError)) ||
      failed(checkDisjoint(dims.startIndexMap, "start_index_map",
                           dims.operandBatchingDims, "operand_batching_dims",
                           emitError)) ||
      failed(checkBatchingSizes(operandShape, dims.operandBatchingDims,
                                "operand_batching_dims", indicesShape,
                                dims.startIndicesBatchingDims,
                                "start_indices_batching_dims", emitError)))
    return failure();
  for (int64_t d : llvm::concat<const int64_t>(dims.collapsedSliceDims,
                                               dims.operandBatchingDims))
    if (dims.sliceSizes[d] > 1)
      return emitError() << "collapsed or batching dimension " << d
                         << " must have slice size 0 or 1, got "
                         << dims.sliceSizes[d];
  SmallVector<int64_t> offsetSizes;
  for (int64_t i = 0; i < rank; ++i)
    if (!llvm::is_contained(dims.collapsedSliceDims, i) &&
        !llvm::is_contained(dims.operandBatchingDims, i))
      offsetSizes.push_back(dims.sliceSizes[i]);
  if (offsetSizes.size() != dims.offsetDims.size())
    return emitError() << "offset_dims " << list(dims.offsetDims)
                       << " must have " << offsetSizes.size()
                       << " entries (operand rank minus collapsed and batching "
                          "dimensions)";
  SmallVector<int64_t> batch =
      indexBatchShape(indicesShape, dims.indexVectorDim);
  int64_t outRank = offsetSizes.size() + batch.size();
  if (failed(
          checkDims(dims.offsetDims, outRank, "offset_dims", true, emitError)))
    return failure();
  SmallVector<int64_t> shape;
  size_t o = 0, k = 0;
  for (int64_t i = 0; i < outRank; ++i)
    shape.push_back(llvm::is_contained(dims.offsetDims, i) ? offsetSizes[o++]
                                                           : batch[k++]);
  return shape;
}

LogicalResult GatherOp::verify() {
  auto shape = inferGatherShape(
      getOperand().getType().getShape(), getStartIndices().getType().getShape(),
      GatherDims::of(*this), [&]() { return emitOpError(); });
  if (failed(shape))
    return failure();
  auto resultType = getResult().getType();
  if (resultType.getShape() != ArrayRef<int64_t>(*shape) ||
      resultType.getElementType() != getOperand().getType().getElementType())
    return emitOpError("result type ")
           << resultType << " differs from the inferred "
           << RankedTensorType::get(*shape,
                                    getOperand().getType().getElementType());
  return success();
}

LogicalResult ScatterOp::verify() {
  auto emitError = [&]() { return emitOpError(); };
  ArrayRef<int64_t> inShape = getInput().getType().getShape();
  ArrayRef<int64_t> idxShape = getScatterIndices().getType().getShape();
  ArrayRef<int64_t> updShape = getUpdates().getType().getShape();
  ScatterDims dims = ScatterDims::of(*this);
  int64_t rank = inShape.size();
  if (getUpdates().getType().getElementType() !=
      getInput().getType().getElementType())
    return emitOpError("updates element type ")
           << getUpdates().getType().getElementType()
           << " differs from the input's "
           << getInput().getType().getElementType();
  FailureOr<int64_t> ivs = checkIndices(
      idxShape, dims.indexVectorDim, dims.scatterIndicesBatchingDims,
      "scatter_indices_batching_dims", emitError);
  if (failed(ivs))
    return failure();
  if (static_cast<int64_t>(dims.scatterDimsToOperandDims.size()) != *ivs)
    return emitOpError("scatter_dims_to_operand_dims ")
           << list(dims.scatterDimsToOperandDims)
           << " must have one entry per index vector element (" << *ivs << ")";
  if (failed(checkDims(dims.updateWindowDims, updShape.size(),
                       "update_window_dims", true, emitError)) ||
      failed(checkDims(dims.insertedWindowDims, rank, "inserted_window_dims",
                       true, emitError)) ||
      failed(checkDims(dims.inputBatchingDims, rank, "input_batching_dims",
                       true, emitError)) ||
      failed(checkDims(dims.scatterDimsToOperandDims, rank,
                       "scatter_dims_to_operand_dims", false, emitError)) ||
      failed(checkDisjoint(dims.insertedWindowDims, "inserted_window_dims",
                           dims.inputBatchingDims, "input_batching_dims",
                           emitError)) ||
      failed(checkDisjoint(
          dims.scatterDimsToOperandDims, "scatter_dims_to_operand_dims",
          dims.inputBatchingDims, "input_batching_dims", emitError)) ||
      failed(checkBatchingSizes(inShape, dims.inputBatchingDims,
                                "input_batching_dims", idxShape,
                                dims.scatterIndicesBatchingDims,
                                "scatter_indices_batching_dims", emitError)))
    return failure();
  if (static_cast<int64_t>(dims.updateWindowDims.size() +
                           dims.insertedWindowDims.size() +
                           dims.inputBatchingDims.size()) != rank)
    return emitOpError("update_window_dims, inserted_window_dims and "
                       "input_batching_dims must together have ")
           << rank << " entries (the input rank)";
  SmallVector<int64_t> batch = indexBatchShape(idxShape, dims.indexVectorDim);
  SmallVector<int64_t> updBatch, window;
  for (auto [i, s] : llvm::enumerate(updShape))
    (llvm::is_contained(dims.updateWindowDims, int64_t(i)) ? window : updBatch)
        .push_back(s);
  if (updBatch != batch)
    return emitOpError("updates scatter dimensions ")
           << list(updBatch) << " differ from the index batch dimensions "
           << list(batch);
  size_t k = 0;
  for (int64_t i = 0; i < rank; ++i) {
    if (llvm::is_contained(dims.insertedWindowDims, i) ||
        llvm::is_contained(dims.inputBatchingDims, i))
      continue;
    if (window[k] > inShape[i])
      return emitOpError("update window dimension of size ")
             << window[k] << " exceeds input dimension " << i << " of size "
             << inShape[i];
    ++k;
  }
  return success();
}

LogicalResult ScatterOp::verifyRegions() {
  Block &block = getUpdateComputation().front();
  auto scalar =
      RankedTensorType::get({}, getInput().getType().getElementType());
  if (block.getNumArguments() != 2 ||
      llvm::any_of(block.getArgumentTypes(),
                   [&](Type t) { return t != scalar; }))
    return emitOpError("update_computation must take two ") << scalar;
  auto ret =
      dyn_cast_or_null<ReturnOp>(block.empty() ? nullptr : &block.back());
  if (!ret || ret.getResults().size() != 1 ||
      ret.getResults()[0].getType() != scalar)
    return emitOpError("update_computation must return one ") << scalar;
  return success();
}

ScatterOp::Combiner ScatterOp::getCombiner() {
  Block &block = getUpdateComputation().front();
  auto ret = cast<ReturnOp>(block.back());
  Value cur = block.getArgument(0), upd = block.getArgument(1);
  Value v = ret.getResults()[0];
  if (v == upd && block.getOperations().size() == 1)
    return Combiner::Set;
  Operation *op = v.getDefiningOp();
  if (!op || block.getOperations().size() != 2 || op->getNumOperands() != 2)
    return Combiner::Other;
  bool args = (op->getOperand(0) == cur && op->getOperand(1) == upd) ||
              (op->getOperand(0) == upd && op->getOperand(1) == cur);
  if (!args)
    return Combiner::Other;
  bool isBool = getInput().getType().getElementType().isInteger(1);
  if (isa<AddOp>(op) && !isBool)
    return Combiner::Add;
  if (isa<MulOp>(op) && !isBool)
    return Combiner::Mul;
  if (isa<MinOp>(op))
    return Combiner::Min;
  if (isa<MaxOp>(op))
    return Combiner::Max;
  return Combiner::Other;
}

Value mlir::mlax::buildGather(OpBuilder &b, Location loc, Value operand,
                              Value indices, const GatherDims &d,
                              bool indicesAreSorted) {
  auto ot = cast<RankedTensorType>(operand.getType());
  auto shape = inferGatherShape(
      ot.getShape(), cast<RankedTensorType>(indices.getType()).getShape(), d,
      [&]() { return emitError(loc); });
  assert(succeeded(shape) && "rules build valid gathers");
  return GatherOp::create(b, loc, ot.clone(*shape), operand, indices,
                          d.offsetDims, d.collapsedSliceDims,
                          d.operandBatchingDims, d.startIndicesBatchingDims,
                          d.startIndexMap, d.indexVectorDim, d.sliceSizes,
                          indicesAreSorted)
      .getResult();
}

Value mlir::mlax::buildScatter(OpBuilder &b, Location loc, Value input,
                               Value indices, Value updates,
                               const ScatterDims &d,
                               ScatterOp::Combiner combiner,
                               bool uniqueIndices) {
  auto op = ScatterOp::create(b, loc, input.getType(), input, indices, updates,
                              d.updateWindowDims, d.insertedWindowDims,
                              d.inputBatchingDims, d.scatterIndicesBatchingDims,
                              d.scatterDimsToOperandDims, d.indexVectorDim,
                              /*indices_are_sorted=*/false, uniqueIndices);
  auto scalar = RankedTensorType::get(
      {}, cast<RankedTensorType>(input.getType()).getElementType());
  OpBuilder::InsertionGuard guard(b);
  Block *block = b.createBlock(&op.getUpdateComputation(), {}, {scalar, scalar},
                               {loc, loc});
  Value cur = block->getArgument(0), upd = block->getArgument(1), v;
  switch (combiner) {
  case ScatterOp::Combiner::Set:
    v = upd;
    break;
  case ScatterOp::Combiner::Add:
    v = AddOp::create(b, loc, cur, upd);
    break;
  case ScatterOp::Combiner::Mul:
    v = MulOp::create(b, loc, cur, upd);
    break;
  case ScatterOp::Combiner::Min:
    v = MinOp::create(b, loc, cur, upd);
    break;
  case ScatterOp::Combiner::Max:
    v = MaxOp::create(b, loc, cur, upd);
    break;
  case ScatterOp::Combiner::Other:
    llvm_unreachable("no builder for an arbitrary combiner");
  }
  ReturnOp::create(b, loc, ValueRange{v});
  return op.getResult();
}

Value mlir::mlax::clampGatherIndices(OpBuilder &b, Location loc, Value indices,
                                     const GatherDims &d,
                                     ArrayRef<int64_t> operandShape) {
  auto it = cast<RankedTensorType>(indices.getType());
  Type et = it.getElementType();
  int64_t k = d.startIndexMap.size();
  SmallVector<Attribute> upper;
  for (int64_t dim : d.startIndexMap)
    upper.push_back(
        IntegerAttr::get(et, operandShape[dim] - d.sliceSizes[dim]));
  auto boundsType = RankedTensorType::get({k}, et);
  Value bounds = ConstantOp::create(b, loc, boundsType,
                                    DenseElementsAttr::get(boundsType, upper));
  // Along the index vector dimension (absent when it is the implicit last).
  SmallVector<int64_t> bdims;
  if (d.indexVectorDim < it.getRank())
    bdims.push_back(d.indexVectorDim);
  else
    bounds = ReshapeOp::create(b, loc, RankedTensorType::get({}, et), bounds);
  Value hi = BroadcastInDimOp::create(b, loc, it, bounds, bdims).getResult();
  Value lo = ConstantOp::create(
      b, loc, it, SplatElementsAttr::get(it, IntegerAttr::get(et, 0)));
  return ClampOp::create(b, loc, lo, indices, hi).getResult();
}

ScatterDims mlir::mlax::scatterOfGather(const GatherDims &d) {
  ScatterDims s;
  s.updateWindowDims = d.offsetDims;
  s.insertedWindowDims = d.collapsedSliceDims;
  s.inputBatchingDims = d.operandBatchingDims;
  s.scatterIndicesBatchingDims = d.startIndicesBatchingDims;
  s.scatterDimsToOperandDims = d.startIndexMap;
  s.indexVectorDim = d.indexVectorDim;
  return s;
}

GatherDims mlir::mlax::gatherOfScatter(const ScatterDims &s,
                                       ArrayRef<int64_t> inputShape,
                                       ArrayRef<int64_t> updatesShape) {
  GatherDims d;
  d.offsetDims = s.updateWindowDims;
  d.collapsedSliceDims = s.insertedWindowDims;
  d.operandBatchingDims = s.inputBatchingDims;
  d.startIndicesBatchingDims = s.scatterIndicesBatchingDims;
  d.startIndexMap = s.scatterDimsToOperandDims;
  d.indexVectorDim = s.indexVectorDim;
  size_t pos = 0;
  for (int64_t i = 0, e = inputShape.size(); i < e; ++i) {
    if (llvm::is_contained(s.insertedWindowDims, i) ||
        llvm::is_contained(s.inputBatchingDims, i))
      d.sliceSizes.push_back(1);
    else
      d.sliceSizes.push_back(updatesShape[s.updateWindowDims[pos++]]);
  }
  return d;
}
