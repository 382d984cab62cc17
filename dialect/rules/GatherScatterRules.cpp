//===- GatherScatterRules.cpp - JVP, transpose, batching of gather/scatter ===//
//
// JAX's rules: gather is linear in its operand (transpose: scatter-add);
// scatter-add is linear in input and updates; scatter (set) differentiates
// through ids that tell which update won each element (so duplicate indices
// are exact) and needs no transpose of its own; multiply follows
// JAX's unique-indices rule; min/max share ties evenly. Batching uses the
// batching dimensions of StableHLO's gather and scatter.
//
//===----------------------------------------------------------------------===//
#include "dialect/GatherScatter.h"
#include "dialect/rules/RuleBuilder.h"

#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
using Combiner = ScatterOp::Combiner;

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

SmallVector<int64_t> shifted(ArrayRef<int64_t> dims) {
  SmallVector<int64_t> out;
  for (int64_t d : dims)
    out.push_back(d + 1);
  return out;
}

/// `dims` shifted by one, with 0 in front (a new leading dimension).
SmallVector<int64_t> withFront(ArrayRef<int64_t> dims) {
  SmallVector<int64_t> out{0};
  llvm::append_range(out, shifted(dims));
  return out;
}

Value ones(RuleBuilder &r, Value like) { return r.onesLike(like); }

/// Which update (numbered from 1) each input element finally holds, 0 for
/// none, and each update's own number: JAX's scheme for scatter's JVP.
std::pair<Value, Value> scatterIds(RuleBuilder &r, ScatterOp op,
                                   const ScatterDims &d) {
  OpBuilder &b = r.builder();
  Location loc = op.getLoc();
  auto ut = typeOf(op.getUpdates());
  SmallVector<int64_t> idsShape(ut.getShape());
  for (int64_t w : d.updateWindowDims)
    idsShape[w] = 1;
  int64_t numIds = 1;
  for (int64_t s : idsShape)
    numIds *= s;
  Type idType =
      IntegerType::get(b.getContext(), numIds + 1 < (1ll << 32) ? 32 : 64,
                       IntegerType::Unsigned);
  Value iota = IotaOp::create(b, loc, RankedTensorType::get({numIds}, idType),
                              b.getI64IntegerAttr(0));
  Value ids = r.add(r.reshape(iota, RankedTensorType::get(idsShape, idType)),
                    r.constant(RankedTensorType::get(idsShape, idType), 1));
  SmallVector<int64_t> bdims;
  for (int64_t k = 0; k < ut.getRank(); ++k)
    bdims.push_back(k);
  Value updateIds =
      BroadcastInDimOp::create(b, loc, ut.clone(idType), ids, bdims)
          .getResult();
  Value zeros = r.constant(typeOf(op.getInput()).clone(idType), 0);
  Value scattered = buildScatter(b, loc, zeros, op.getScatterIndices(),
                                 updateIds, d, Combiner::Set);
  return {scattered, updateIds};
}

LogicalResult scatterSetJvp(ScatterOp op, OpBuilder &b, ArrayRef<Value> t,
                            SmallVectorImpl<Value> &out) {
  RuleBuilder r(b, op.getLoc());
  ScatterDims d = ScatterDims::of(op);
  Value tx = r.orZeros(t[0], op.getInput());
  Value tu = r.orZeros(t[2], op.getUpdates());
  if (op.getUniqueIndices()) {
    out.push_back(buildScatter(b, op.getLoc(), tx, op.getScatterIndices(), tu,
                               d, Combiner::Set, true));
    return success();
  }
  auto [scattered, updateIds] = scatterIds(r, op, d);
  GatherDims gd = gatherOfScatter(d, typeOf(op.getInput()).getShape(),
                                  typeOf(op.getUpdates()).getShape());
  Value gathered =
      buildGather(b, op.getLoc(), scattered, op.getScatterIndices(), gd);
  Value kept =
      r.compare(ComparisonDirection::EQ, scattered, r.zerosLike(scattered));
  Value won = r.compare(ComparisonDirection::EQ, updateIds, gathered);
  Value maskedX = r.select(kept, tx, r.zerosLike(tx));
  Value maskedU = r.select(won, tu, r.zerosLike(tu));
  out.push_back(buildScatter(b, op.getLoc(), maskedX, op.getScatterIndices(),
                             maskedU, d, Combiner::Add));
  return success();
}

LogicalResult scatterExtremalJvp(ScatterOp op, OpBuilder &b, ArrayRef<Value> t,
                                 SmallVectorImpl<Value> &out) {
  // Contending updates (and a retained input value) share the tangent evenly.
  RuleBuilder r(b, op.getLoc());
  Location loc = op.getLoc();
  ScatterDims d = ScatterDims::of(op);
  Value x = op.getInput(), idx = op.getScatterIndices(), u = op.getUpdates();
  Value tx = r.orZeros(t[0], x), tu = r.orZeros(t[2], u);
  GatherDims gd =
      gatherOfScatter(d, typeOf(x).getShape(), typeOf(u).getShape());
  auto gather = [&](Value v) { return buildGather(b, loc, v, idx, gd); };
  auto scatterAdd = [&](Value into, Value upd) {
    return buildScatter(b, loc, into, idx, upd, d, Combiner::Add);
  };
  Value initial = gather(x), target = gather(op.getResult());
  Value successful = r.compare(ComparisonDirection::EQ, u, target);
  Value retained = r.compare(ComparisonDirection::EQ, initial, target);
  Value zerosU = r.zerosLike(u), onesU = ones(r, u);
  Value numUpdates =
      gather(scatterAdd(r.zerosLike(x), r.select(successful, onesU, zerosU)));
  Value numRefs = gather(scatterAdd(r.zerosLike(x), onesU));
  Value plusOne = r.div(onesU, r.add(numUpdates, onesU));
  Value updatesNormalizer =
      r.select(retained, plusOne, r.div(onesU, numUpdates));
  Value updatesCoef = r.select(successful, updatesNormalizer, zerosU);
  Value operandNormalizer = r.select(retained, plusOne, zerosU);
  Value operandCoef =
      r.div(r.add(r.splat(u, -1.0), operandNormalizer), numRefs);
  Value tangentUpdates =
      r.add(r.mul(gather(tx), operandCoef), r.mul(tu, updatesCoef));
  out.push_back(scatterAdd(tx, tangentUpdates));
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// JVP
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::jvp(OpBuilder &b, ArrayRef<Value> t,
                            SmallVectorImpl<Value> &out) {
  out.push_back(t[0] ? buildGather(b, getLoc(), t[0], getStartIndices(),
                                   GatherDims::of(*this))
                     : Value());
  return success();
}

LogicalResult ScatterOp::jvp(OpBuilder &b, ArrayRef<Value> t,
                             SmallVectorImpl<Value> &out) {
  RuleBuilder r(b, getLoc());
  ScatterDims d = ScatterDims::of(*this);
  Value idx = getScatterIndices();
  switch (getCombiner()) {
  case Combiner::Add:
    out.push_back(buildScatter(b, getLoc(), r.orZeros(t[0], getInput()), idx,
                               r.orZeros(t[2], getUpdates()), d, Combiner::Add,
                               getUniqueIndices()));
    return success();
  case Combiner::Set:
    return scatterSetJvp(*this, b, t, out);
  case Combiner::Mul: {
    // d(x * u) at the indices: scatter_mul(tx, u) + x * scatter_add(0, tu).
    Value lhs = t[0] ? buildScatter(b, getLoc(), t[0], idx, getUpdates(), d,
                                    Combiner::Mul, getUniqueIndices())
                     : Value();
    Value rhs;
    if (t[2]) {
      if (!getUniqueIndices())
        return emitOpError("scatter_mul gradients are only implemented if "
                           "`unique_indices=True`");
      rhs = r.mul(getInput(), buildScatter(b, getLoc(), r.zerosLike(getInput()),
                                           idx, t[2], d, Combiner::Add, true));
    }
    out.push_back(r.addTangents({lhs, rhs}));
    return success();
  }
  case Combiner::Min:
  case Combiner::Max:
    return scatterExtremalJvp(*this, b, t, out);
  case Combiner::Other:
    break;
  }
  return emitOpError("has an update_computation that differentiation does not "
                     "know (it knows set, add, multiply, min and max)");
}

//===----------------------------------------------------------------------===//
// Transpose
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::transpose(OpBuilder &b, ArrayRef<Value> operands,
                                  ArrayRef<Value> ct,
                                  SmallVectorImpl<Value> &out) {
  if (!operands[1])
    return emitOpError("is not linear in its tangent operands (the indices "
                       "depend on tangents); it cannot be transposed");
  RuleBuilder r(b, getLoc());
  auto ot = cast<RankedTensorType>(getOperand().getType());
  GatherDims d = GatherDims::of(*this);
  // Gather clamps its starts; the scatter-add must use the same ones (a
  // scatter would drop an out-of-range window instead).
  Value idx = clampGatherIndices(b, getLoc(), operands[1], d, ot.getShape());
  out.push_back(buildScatter(b, getLoc(), r.constant(ot, 0.0), idx, ct[0],
                             scatterOfGather(d), Combiner::Add));
  out.push_back(Value());
  return success();
}

LogicalResult ScatterOp::transpose(OpBuilder &b, ArrayRef<Value> operands,
                                   ArrayRef<Value> ct,
                                   SmallVectorImpl<Value> &out) {
  auto notLinear = [&](StringRef why) {
    return emitOpError("is not linear in its tangent operands (")
           << why << "); it cannot be transposed";
  };
  if (!operands[1])
    return notLinear("the indices depend on tangents");
  RuleBuilder r(b, getLoc());
  Value idx = operands[1];
  ScatterDims d = ScatterDims::of(*this);
  GatherDims gd = gatherOfScatter(d, getInput().getType().getShape(),
                                  getUpdates().getType().getShape());
  bool linX = !operands[0], linU = !operands[2];
  switch (getCombiner()) {
  case Combiner::Add:
    out.push_back(linX ? ct[0] : Value());
    out.push_back(Value());
    out.push_back(linU ? buildGather(b, getLoc(), ct[0], idx, gd) : Value());
    return success();
  case Combiner::Set:
    // Elements overwritten by an update get no cotangent from the input.
    out.push_back(linX ? buildScatter(b, getLoc(), ct[0], idx,
                                      r.constant(cast<RankedTensorType>(
                                                     getUpdates().getType()),
                                                 0.0),
                                      d, Combiner::Set, getUniqueIndices())
                       : Value());
    out.push_back(Value());
    out.push_back(linU ? buildGather(b, getLoc(), ct[0], idx, gd) : Value());
    return success();
  case Combiner::Mul:
    if (linU)
      return notLinear("multiply scatter with tangent updates");
    out.push_back(linX ? buildScatter(b, getLoc(), ct[0], idx, operands[2], d,
                                      Combiner::Mul, getUniqueIndices())
                       : Value());
    out.append(2, Value());
    return success();
  default:
    return notLinear("min, max and custom scatters are not linear");
  }
}

//===----------------------------------------------------------------------===//
// Batching
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::batch(OpBuilder &b, ArrayRef<Value> operands,
                              ArrayRef<int64_t> dims, int64_t n,
                              SmallVectorImpl<Value> &results,
                              SmallVectorImpl<int64_t> &resultDims) {
  RuleBuilder r(b, getLoc());
  GatherDims d = GatherDims::of(*this), nd = d;
  Value x = operands[0], idx = operands[1];
  if (dims[0] >= 0 && dims[1] >= 0) {
    // Both batched: a batching dimension pair.
    x = moveDim(r, x, dims[0], 0);
    idx = moveDim(r, idx, dims[1], 0);
    nd.offsetDims = shifted(d.offsetDims);
    nd.collapsedSliceDims = shifted(d.collapsedSliceDims);
    nd.operandBatchingDims = withFront(d.operandBatchingDims);
    nd.startIndicesBatchingDims = withFront(d.startIndicesBatchingDims);
    nd.startIndexMap = shifted(d.startIndexMap);
    nd.indexVectorDim = d.indexVectorDim + 1;
    nd.sliceSizes.insert(nd.sliceSizes.begin(), 1);
  } else if (dims[1] >= 0) {
    // Shared operand: one more index batch dimension.
    idx = moveDim(r, idx, dims[1], 0);
    nd.offsetDims = shifted(d.offsetDims);
    nd.startIndicesBatchingDims = shifted(d.startIndicesBatchingDims);
    nd.indexVectorDim = d.indexVectorDim + 1;
  } else {
    // Batched operand, shared indices: the batch is a full-size window.
    x = moveDim(r, x, dims[0], 0);
    nd.offsetDims = withFront(d.offsetDims);
    nd.collapsedSliceDims = shifted(d.collapsedSliceDims);
    nd.operandBatchingDims = shifted(d.operandBatchingDims);
    nd.startIndexMap = shifted(d.startIndexMap);
    nd.sliceSizes.insert(nd.sliceSizes.begin(), n);
  }
  results.push_back(buildGather(b, getLoc(), x, idx, nd));
  resultDims.push_back(0);
  return success();
}

LogicalResult ScatterOp::batch(OpBuilder &b, ArrayRef<Value> operands,
                               ArrayRef<int64_t> dims, int64_t n,
                               SmallVectorImpl<Value> &results,
                               SmallVectorImpl<int64_t> &resultDims) {
  // Every operand gets the batch in front and it becomes a batching pair.
  RuleBuilder r(b, getLoc());
  Value x = toFront(r, operands[0], dims[0], n);
  Value idx = toFront(r, operands[1], dims[1], n);
  Value u = toFront(r, operands[2], dims[2], n);
  ScatterDims d = ScatterDims::of(*this);
  auto op = ScatterOp::create(
      b, getLoc(), x.getType(), x, idx, u, shifted(d.updateWindowDims),
      shifted(d.insertedWindowDims), withFront(d.inputBatchingDims),
      withFront(d.scatterIndicesBatchingDims),
      shifted(d.scatterDimsToOperandDims), d.indexVectorDim + 1,
      getIndicesAreSorted(), getUniqueIndices());
  IRMapping mapping;
  getUpdateComputation().cloneInto(&op.getUpdateComputation(), mapping);
  results.push_back(op.getResult());
  resultDims.push_back(0);
  return success();
}
