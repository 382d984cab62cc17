//===- BatchRules.cpp - batching rules
//--------------------------------------===//
//
// Each value of the batched function has a batch dimension or none (-1).
// Elementwise ops keep a shared batch dimension in place and broadcast
// unbatched operands into it; structural ops move the batch dimension to
// the front only when their attributes need rewriting; dot_general and
// reduce absorb it into their dimension numbers.
//
//===----------------------------------------------------------------------===//
#include "dialect/GatherScatter.h"
#include "dialect/MlaxOps.h"
#include "dialect/rules/RuleBuilder.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
using Values = ArrayRef<Value>;
using Dims = ArrayRef<int64_t>;
using Results = SmallVectorImpl<Value>;
using ResultDims = SmallVectorImpl<int64_t>;

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// Type of `op`'s result `i` with a leading batch dimension of size n.
RankedTensorType batchedType(Type unbatched, int64_t n, int64_t at = 0) {
  auto type = cast<RankedTensorType>(unbatched);
  SmallVector<int64_t> shape(type.getShape());
  shape.insert(shape.begin() + at, n);
  return type.clone(shape);
}

/// Re-creates `op` on new operands with new result types (same attributes).
Operation *recreate(OpBuilder &b, Operation *op, ValueRange operands,
                    TypeRange resultTypes) {
  OperationState state(op->getLoc(), op->getName());
  state.addOperands(operands);
  state.addTypes(resultTypes);
  state.addAttributes(op->getAttrs());
  if (auto props = op->getPropertiesAsAttribute())
    state.propertiesAttr = props;
  for (Region &region : op->getRegions()) {
    Region *newRegion = state.addRegion();
    IRMapping map;
    region.cloneInto(newRegion, map);
  }
  return b.create(state);
}

/// Elementwise rule: all batched operands share one batch dimension (the
/// first batched operand's; others are moved to it), unbatched operands are
/// broadcast into it. `fullShape` operands that are scalars in an op that
/// allows scalar operands (select's pred, clamp's bounds) are first
/// broadcast to the operands' shape.
LogicalResult elementwiseRule(Operation *op, OpBuilder &b, Values operands,
                              Dims dims, int64_t n, Results &results,
                              ResultDims &resultDims) {
  RuleBuilder r(b, op->getLoc());
  int64_t target = -1;
  for (int64_t d : dims)
    if (d >= 0) {
      target = d;
      break;
    }
  // Rank of the op's (unbatched) elementwise shape.
  RankedTensorType shapeType;
  for (Value v : op->getOperands())
    if (!shapeType || tensorType(v).getRank() > shapeType.getRank())
      shapeType = tensorType(v);
  if (target > shapeType.getRank())
    target = shapeType.getRank();
  SmallVector<Value> newOperands;
  for (auto [i, v] : llvm::enumerate(operands)) {
    Value x = v;
    int64_t d = dims[i];
    // Scalars broadcast against full-shape operands (select/clamp).
    auto unbatchedRank = tensorType(op->getOperand(i)).getRank();
    if (unbatchedRank == 0 && shapeType.getRank() > 0) {
      auto full =
          shapeType.clone(tensorType(op->getOperand(i)).getElementType());
      if (d < 0) {
        x = BroadcastInDimOp::create(b, op->getLoc(), full, x,
                                     ArrayRef<int64_t>{})
                .getResult();
      } else {
        x = BroadcastInDimOp::create(b, op->getLoc(), batchedType(full, n, 0),
                                     x, ArrayRef<int64_t>{0})
                .getResult();
        d = 0;
      }
    }
    x = d < 0 ? broadcastBatch(r, x, n, target) : moveDim(r, x, d, target);
    newOperands.push_back(x);
  }
  SmallVector<Type> types;
  for (Type t : op->getResultTypes()) {
    auto rt = cast<RankedTensorType>(t);
    types.push_back(batchedType(rt.getRank() == shapeType.getRank()
                                    ? rt
                                    : shapeType.clone(rt.getElementType()),
                                n, target));
  }
  Operation *newOp = recreate(b, op, newOperands, types);
  for (Value v : newOp->getResults()) {
    results.push_back(v);
    resultDims.push_back(target);
  }
  return success();
}

/// Rule for ops with one array operand whose attributes refer to its
/// dimensions: move the batch to the front, then `build` makes the op.
template <typename Build>
LogicalResult frontRule(Operation *op, OpBuilder &b, Values operands, Dims dims,
                        int64_t n, Results &results, ResultDims &resultDims,
                        Build build) {
  RuleBuilder r(b, op->getLoc());
  Value x = toFront(r, operands[0], dims[0], n);
  results.push_back(build(r, x));
  resultDims.push_back(0);
  return success();
}

SmallVector<int64_t> shifted(ArrayRef<int64_t> dims, int64_t by = 1) {
  SmallVector<int64_t> out;
  for (int64_t d : dims)
    out.push_back(d + by);
  return out;
}

LogicalResult unsupported(Operation *op, StringRef why) {
  return op->emitOpError("cannot be batched: ") << why;
}
} // namespace

//===----------------------------------------------------------------------===//
// Elementwise families
//===----------------------------------------------------------------------===//

LogicalResult mlir::mlax::defaultBatch(Operation *op, OpBuilder &b,
                                       Values operands, Dims dims, int64_t n,
                                       Results &results,
                                       ResultDims &resultDims) {
  if (op->hasTrait<OpTrait::Elementwise>() ||
      op->hasTrait<ElementwiseWithScalars>())
    return elementwiseRule(op, b, operands, dims, n, results, resultDims);
  return op->emitOpError("has no batching rule");
}

LogicalResult BitcastConvertOp::batch(OpBuilder &b, Values operands, Dims dims,
                                      int64_t n, Results &results,
                                      ResultDims &resultDims) {
  // The trailing dimension may change: keep the batch in front.
  return frontRule(*this, b, operands, dims, n, results, resultDims,
                   [&](RuleBuilder &, Value x) {
                     return BitcastConvertOp::create(
                                b, getLoc(), batchedType(getType(), n), x)
                         .getResult();
                   });
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

LogicalResult BroadcastInDimOp::batch(OpBuilder &b, Values operands, Dims dims,
                                      int64_t n, Results &results,
                                      ResultDims &resultDims) {
  return frontRule(
      *this, b, operands, dims, n, results, resultDims,
      [&](RuleBuilder &, Value x) {
        SmallVector<int64_t> bdims{0};
        llvm::append_range(bdims, shifted(getBroadcastDimensions()));
        return BroadcastInDimOp::create(b, getLoc(), batchedType(getType(), n),
                                        x, bdims)
            .getResult();
      });
}

LogicalResult ReshapeOp::batch(OpBuilder &b, Values operands, Dims dims,
                               int64_t n, Results &results,
                               ResultDims &resultDims) {
  return frontRule(*this, b, operands, dims, n, results, resultDims,
                   [&](RuleBuilder &r, Value x) {
                     return r.reshape(x, batchedType(getType(), n));
                   });
}

LogicalResult TransposeOp::batch(OpBuilder &b, Values operands, Dims dims,
                                 int64_t n, Results &results,
                                 ResultDims &resultDims) {
  // Keep the batch where it is: permute the other dimensions around it.
  int64_t d = dims[0];
  SmallVector<int64_t> perm;
  for (int64_t p : getPermutation())
    perm.push_back(p < d ? p : p + 1);
  perm.insert(perm.begin() + d, d);
  RuleBuilder r(b, getLoc());
  results.push_back(r.transpose(operands[0], perm));
  resultDims.push_back(d);
  return success();
}

LogicalResult ReverseOp::batch(OpBuilder &b, Values operands, Dims dims,
                               int64_t n, Results &results,
                               ResultDims &resultDims) {
  int64_t d = dims[0];
  SmallVector<int64_t> rev;
  for (int64_t x : getDimensions())
    rev.push_back(x < d ? x : x + 1);
  results.push_back(
      ReverseOp::create(b, getLoc(), operands[0], rev).getResult());
  resultDims.push_back(d);
  return success();
}

LogicalResult CumsumOp::batch(OpBuilder &b, Values operands, Dims dims,
                              int64_t n, Results &results,
                              ResultDims &resultDims) {
  int64_t d = dims[0], axis = getAxis();
  results.push_back(CumsumOp::create(b, getLoc(), operands[0],
                                     axis < d ? axis : axis + 1, getReverse())
                        .getResult());
  resultDims.push_back(d);
  return success();
}

LogicalResult SliceOp::batch(OpBuilder &b, Values operands, Dims dims,
                             int64_t n, Results &results,
                             ResultDims &resultDims) {
  return frontRule(*this, b, operands, dims, n, results, resultDims,
                   [&](RuleBuilder &, Value x) {
                     SmallVector<int64_t> start{0}, limit{n}, strides{1};
                     llvm::append_range(start, getStartIndices());
                     llvm::append_range(limit, getLimitIndices());
                     llvm::append_range(strides, getStrides());
                     return SliceOp::create(b, getLoc(), x, start, limit,
                                            strides)
                         .getResult();
                   });
}

LogicalResult PadOp::batch(OpBuilder &b, Values operands, Dims dims, int64_t n,
                           Results &results, ResultDims &resultDims) {
  if (dims[1] >= 0)
    return unsupported(*this, "a batched padding value is not supported yet");
  return frontRule(*this, b, operands, dims, n, results, resultDims,
                   [&](RuleBuilder &, Value x) {
                     SmallVector<int64_t> lo{0}, hi{0}, in{0};
                     llvm::append_range(lo, getEdgePaddingLow());
                     llvm::append_range(hi, getEdgePaddingHigh());
                     llvm::append_range(in, getInteriorPadding());
                     return PadOp::create(b, getLoc(), x, operands[1], lo, hi,
                                          in)
                         .getResult();
                   });
}

LogicalResult ConcatenateOp::batch(OpBuilder &b, Values operands, Dims dims,
                                   int64_t n, Results &results,
                                   ResultDims &resultDims) {
  RuleBuilder r(b, getLoc());
  SmallVector<Value> inputs;
  for (auto [v, d] : llvm::zip(operands, dims))
    inputs.push_back(toFront(r, v, d, n));
  results.push_back(
      ConcatenateOp::create(b, getLoc(), inputs, getDimension() + 1)
          .getResult());
  resultDims.push_back(0);
  return success();
}

//===----------------------------------------------------------------------===//
// Dynamic slicing: unbatched indices get a leading 0; batched indices are
// handled per batch element (unrolled; gather comes with the dialect's
// gather op).
//===----------------------------------------------------------------------===//

namespace {
/// The scalar start indices of a dynamic (update) slice as one (n, rank)
/// index tensor for a batched gather/scatter (unbatched ones broadcast, all
/// converted to the first index's type).
Value indexMatrix(RuleBuilder &r, Values indices, Dims dims, int64_t n) {
  Type et = tensorType(indices[0]).getElementType();
  auto column = RankedTensorType::get({n, 1}, et);
  SmallVector<Value> cols;
  for (auto [v, d] : llvm::zip(indices, dims)) {
    Value c = r.convert(v, et);
    cols.push_back(d < 0 ? BroadcastInDimOp::create(r.builder(), r.getLoc(),
                                                    column, c,
                                                    ArrayRef<int64_t>{})
                               .getResult()
                         : r.reshape(c, column));
  }
  if (cols.size() == 1)
    return cols[0];
  return ConcatenateOp::create(r.builder(), r.getLoc(), cols, 1).getResult();
}

/// `idx` (n, rank) clamped to [0, upper[k]] per column: dynamic (update)
/// slices clamp their starts; a gather's transpose and a scatter would not.
Value clampStarts(RuleBuilder &r, Value idx, ArrayRef<int64_t> upper) {
  auto it = tensorType(idx);
  SmallVector<Attribute> bounds;
  for (int64_t u : upper)
    bounds.push_back(IntegerAttr::get(it.getElementType(), u));
  auto boundsType =
      RankedTensorType::get({int64_t(upper.size())}, it.getElementType());
  Value hi = BroadcastInDimOp::create(
                 r.builder(), r.getLoc(), it,
                 ConstantOp::create(r.builder(), r.getLoc(),
                                    DenseElementsAttr::get(boundsType, bounds)),
                 ArrayRef<int64_t>{1})
                 .getResult();
  return ClampOp::create(r.builder(), r.getLoc(), r.zerosLike(idx), idx, hi)
      .getResult();
}

/// 1, 2, ..., rank: the operand dimensions after a leading batch.
SmallVector<int64_t> afterBatch(int64_t rank) {
  SmallVector<int64_t> dims;
  for (int64_t k = 1; k <= rank; ++k)
    dims.push_back(k);
  return dims;
}

Value zeroIndex(RuleBuilder &r, Type indexType) {
  return r.constant(cast<RankedTensorType>(indexType), 0.0);
}
} // namespace

LogicalResult DynamicSliceOp::batch(OpBuilder &b, Values operands, Dims dims,
                                    int64_t n, Results &results,
                                    ResultDims &resultDims) {
  RuleBuilder r(b, getLoc());
  bool batchedIndex =
      llvm::any_of(dims.drop_front(), [](int64_t d) { return d >= 0; });
  Value x = toFront(r, operands[0], dims[0], n);
  if (!batchedIndex) {
    SmallVector<Value> idx{zeroIndex(r, operands[1].getType())};
    llvm::append_range(idx, operands.drop_front());
    SmallVector<int64_t> sizes{n};
    llvm::append_range(sizes, getSliceSizes());
    results.push_back(
        DynamicSliceOp::create(b, getLoc(), x, idx, sizes).getResult());
    resultDims.push_back(0);
    return success();
  }
  // Batched start indices: one gather with a batching dimension pair.
  int64_t rank = getSliceSizes().size();
  GatherDims d;
  d.offsetDims = afterBatch(rank);
  d.operandBatchingDims = {0};
  d.startIndicesBatchingDims = {0};
  d.startIndexMap = afterBatch(rank);
  d.indexVectorDim = 1;
  d.sliceSizes = {1};
  llvm::append_range(d.sliceSizes, getSliceSizes());
  // Gather clamps the starts as dynamic_slice does (and its transpose
  // clamps them too). One index vector per batch element, in batch order:
  // sorted.
  Value idx = indexMatrix(r, operands.drop_front(), dims.drop_front(), n);
  results.push_back(
      buildGather(b, getLoc(), x, idx, d, /*indicesAreSorted=*/true));
  resultDims.push_back(0);
  return success();
}

LogicalResult DynamicUpdateSliceOp::batch(OpBuilder &b, Values operands,
                                          Dims dims, int64_t n,
                                          Results &results,
                                          ResultDims &resultDims) {
  RuleBuilder r(b, getLoc());
  bool batchedIndex =
      llvm::any_of(dims.drop_front(2), [](int64_t d) { return d >= 0; });
  Value x = toFront(r, operands[0], dims[0], n);
  Value u = toFront(r, operands[1], dims[1], n);
  if (!batchedIndex) {
    SmallVector<Value> idx{zeroIndex(r, operands[2].getType())};
    llvm::append_range(idx, operands.drop_front(2));
    results.push_back(
        DynamicUpdateSliceOp::create(b, getLoc(), x, u, idx).getResult());
    resultDims.push_back(0);
    return success();
  }
  // Batched start indices: one scatter with a batching dimension pair. The
  // indices are clamped first (dynamic_update_slice clamps; scatter drops).
  auto xt = tensorType(x), ut = tensorType(u);
  int64_t rank = xt.getRank() - 1;
  SmallVector<int64_t> upper;
  for (int64_t k = 1; k <= rank; ++k)
    upper.push_back(xt.getDimSize(k) - ut.getDimSize(k));
  Value idx = clampStarts(
      r, indexMatrix(r, operands.drop_front(2), dims.drop_front(2), n), upper);
  ScatterDims d;
  d.updateWindowDims = afterBatch(rank);
  d.inputBatchingDims = {0};
  d.scatterIndicesBatchingDims = {0};
  d.scatterDimsToOperandDims = afterBatch(rank);
  d.indexVectorDim = 1;
  results.push_back(buildScatter(b, getLoc(), x, idx, u, d,
                                 ScatterOp::Combiner::Set,
                                 /*uniqueIndices=*/true));
  resultDims.push_back(0);
  return success();
}

//===----------------------------------------------------------------------===//
// dot_general and reduce
//===----------------------------------------------------------------------===//

LogicalResult DotGeneralOp::batch(OpBuilder &b, Values operands, Dims dims,
                                  int64_t n, Results &results,
                                  ResultDims &resultDims) {
  int64_t dl = dims[0], dr = dims[1];
  auto shift = [](ArrayRef<int64_t> ds, int64_t at) {
    SmallVector<int64_t> out;
    for (int64_t d : ds)
      out.push_back(at >= 0 && d >= at ? d + 1 : d);
    return out;
  };
  SmallVector<int64_t> lb = shift(getLhsBatchingDimensions(), dl);
  SmallVector<int64_t> rb = shift(getRhsBatchingDimensions(), dr);
  SmallVector<int64_t> lc = shift(getLhsContractingDimensions(), dl);
  SmallVector<int64_t> rc = shift(getRhsContractingDimensions(), dr);
  int64_t resultDim;
  if (dl >= 0 && dr >= 0) {
    // Both batched: a new leading batching dimension.
    lb.insert(lb.begin(), dl);
    rb.insert(rb.begin(), dr);
    resultDim = 0;
  } else if (dl >= 0) {
    // The batch is a free lhs dimension: result dims are batch, lhs free
    // (in order), rhs free.
    int64_t before = 0;
    for (int64_t d = 0; d < dl; ++d)
      if (!llvm::is_contained(lb, d) && !llvm::is_contained(lc, d))
        ++before;
    resultDim = lb.size() + before;
  } else {
    auto lhsType = tensorType(operands[0]);
    int64_t lhsFree = lhsType.getRank() - lb.size() - lc.size();
    int64_t before = 0;
    for (int64_t d = 0; d < dr; ++d)
      if (!llvm::is_contained(rb, d) && !llvm::is_contained(rc, d))
        ++before;
    resultDim = lb.size() + lhsFree + before;
  }
  results.push_back(DotGeneralOp::create(b, getLoc(), operands[0], operands[1],
                                         lb, rb, lc, rc,
                                         getPrecisionConfigAttr())
                        .getResult());
  resultDims.push_back(resultDim);
  return success();
}

LogicalResult ReduceOp::batch(OpBuilder &b, Values operands, Dims dims,
                              int64_t n, Results &results,
                              ResultDims &resultDims) {
  size_t numInputs = getInputs().size();
  for (size_t i = numInputs; i < operands.size(); ++i)
    if (dims[i] >= 0)
      return unsupported(*this, "a batched init value is not supported yet");
  RuleBuilder r(b, getLoc());
  SmallVector<Value> newOperands;
  for (size_t i = 0; i < numInputs; ++i)
    newOperands.push_back(toFront(r, operands[i], dims[i], n));
  llvm::append_range(newOperands, operands.drop_front(numInputs));
  SmallVector<Type> types;
  for (Type t : getResultTypes())
    types.push_back(batchedType(t, n));
  Operation *newOp = recreate(b, *this, newOperands, types);
  cast<ReduceOp>(newOp).setDimensions(shifted(getDimensions()));
  for (Value v : newOp->getResults()) {
    results.push_back(v);
    resultDims.push_back(0);
  }
  return success();
}
