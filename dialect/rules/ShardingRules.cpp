//===- ShardingRules.cpp - rules of the sharding and collective ops -------===//
//
// Everything here is linear except all_reduce MAX / MIN and axis_index.
// Reverse mode through shard_map follows JAX's unchecked rules: the
// cotangent of a shard_map output is divided among the devices that hold
// copies of it (shard_to_full's transpose), psum transposes to psum, and
// the cotangent of an input is summed over the devices that shared it
// (full_to_shard's transpose). Batching keeps the batch dimension in place
// and leaves it unsplit.
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/Sharding.h"
#include "dialect/rules/RuleBuilder.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
using Values = ArrayRef<Value>;
using Dims = ArrayRef<int64_t>;
using Results = SmallVectorImpl<Value>;

/// A dimension index shifted past an inserted batch dimension `d`.
int64_t past(int64_t dim, int64_t d) { return dim >= d ? dim + 1 : dim; }

/// full_to_shard / shard_to_full of a value batched at `dims[0]`: the batch
/// dimension stays in place, unsplit.
template <typename OpTy>
LogicalResult batchBoundary(OpTy op, OpBuilder &b, Values operands, Dims dims,
                            int64_t n, Results &results,
                            SmallVectorImpl<int64_t> &outDims) {
  int64_t d = dims[0];
  results.push_back(OpTy::create(b, op.getLoc(), insertDim(op.getType(), d, n),
                                 operands[0], op.getMesh(),
                                 insertUnsplitDim(op.getSpec(), d)));
  outDims.push_back(d);
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// sharding_constraint, full_to_shard, shard_to_full
//===----------------------------------------------------------------------===//

LogicalResult ShardingConstraintOp::transpose(OpBuilder &b, Values, Values ct,
                                              Results &out) {
  out.push_back(ShardingConstraintOp::create(b, getLoc(), ct[0].getType(),
                                             ct[0], getMesh(), getSpec(),
                                             getUnspecifiedDims()));
  return success();
}

LogicalResult ShardingConstraintOp::batch(OpBuilder &b, Values operands,
                                          Dims dims, int64_t, Results &results,
                                          SmallVectorImpl<int64_t> &outDims) {
  int64_t d = dims[0];
  SmallVector<int64_t> unspecified{d};
  for (int64_t u : getUnspecifiedDims())
    unspecified.push_back(past(u, d));
  llvm::sort(unspecified);
  results.push_back(ShardingConstraintOp::create(
      b, getLoc(), operands[0].getType(), operands[0], getMesh(),
      insertUnsplitDim(getSpec(), d), unspecified));
  outDims.push_back(d);
  return success();
}

LogicalResult FullToShardOp::transpose(OpBuilder &b, Values, Values ct,
                                       Results &out) {
  // Devices that shared the input (mesh axes its spec does not name) each
  // contributed a cotangent: their sum is the input's.
  Value v = ct[0];
  SmallVector<int64_t> rest =
      MeshSharding::of(getMesh(), getSpec()).unmentionedAxes();
  if (!rest.empty())
    v = AllReduceOp::create(b, getLoc(), v.getType(), v, getMesh(), rest,
                            WindowReduction::ADD);
  out.push_back(ShardToFullOp::create(b, getLoc(), getOperand().getType(), v,
                                      getMesh(), getSpec()));
  return success();
}

LogicalResult FullToShardOp::batch(OpBuilder &b, Values operands, Dims dims,
                                   int64_t n, Results &results,
                                   SmallVectorImpl<int64_t> &outDims) {
  return batchBoundary(*this, b, operands, dims, n, results, outDims);
}

LogicalResult ShardToFullOp::transpose(OpBuilder &b, Values, Values ct,
                                       Results &out) {
  // The copies along unnamed axes stand for one value: each device gets
  // an equal part of its cotangent (full_to_shard's transpose sums them).
  RuleBuilder r(b, getLoc());
  Value v = FullToShardOp::create(b, getLoc(), getOperand().getType(), ct[0],
                                  getMesh(), getSpec());
  MeshSharding s = MeshSharding::of(getMesh(), getSpec());
  int64_t copies = groupSize(s.mesh, s.unmentionedAxes());
  if (copies > 1)
    v = r.div(v, r.splat(v, static_cast<double>(copies)));
  out.push_back(v);
  return success();
}

LogicalResult ShardToFullOp::batch(OpBuilder &b, Values operands, Dims dims,
                                   int64_t n, Results &results,
                                   SmallVectorImpl<int64_t> &outDims) {
  return batchBoundary(*this, b, operands, dims, n, results, outDims);
}

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

LogicalResult AllReduceOp::jvp(OpBuilder &b, Values t, Results &out) {
  if (!t[0]) {
    out.push_back(nullptr);
    return success();
  }
  auto reduce = [&](Value v, WindowReduction kind) -> Value {
    return AllReduceOp::create(b, getLoc(), v.getType(), v, getMesh(),
                               getAxes(), kind);
  };
  if (getKind() == WindowReduction::ADD) {
    out.push_back(reduce(t[0], WindowReduction::ADD));
    return success();
  }
  // pmax / pmin (JAX has no rule): the tangent of the selected device,
  // averaged over ties, as reduce_max's JVP does over a dimension.
  RuleBuilder r(b, getLoc());
  Value x = getOperand();
  Value hit = r.compare(ComparisonDirection::EQ, x, getResult());
  Value ones = r.onesLike(t[0]), zeros = r.zerosLike(t[0]);
  Value count = reduce(r.select(hit, ones, zeros), WindowReduction::ADD);
  Value picked = reduce(r.select(hit, t[0], zeros), WindowReduction::ADD);
  out.push_back(r.div(picked, count));
  return success();
}

LogicalResult AllReduceOp::transpose(OpBuilder &b, Values, Values ct,
                                     Results &out) {
  if (getKind() != WindowReduction::ADD)
    return emitOpError("is not linear (pmax / pmin); it cannot be transposed");
  out.push_back(AllReduceOp::create(b, getLoc(), ct[0].getType(), ct[0],
                                    getMesh(), getAxes(),
                                    WindowReduction::ADD));
  return success();
}

LogicalResult AllGatherOp::transpose(OpBuilder &b, Values, Values ct,
                                     Results &out) {
  out.push_back(ReduceScatterOp::create(b, getLoc(), getOperand().getType(),
                                        ct[0], getMesh(), getAxes(),
                                        getAllGatherDim()));
  return success();
}

LogicalResult AllGatherOp::batch(OpBuilder &b, Values operands, Dims dims,
                                 int64_t n, Results &results,
                                 SmallVectorImpl<int64_t> &outDims) {
  int64_t d = dims[0];
  results.push_back(AllGatherOp::create(b, getLoc(), insertDim(getType(), d, n),
                                        operands[0], getMesh(), getAxes(),
                                        past(getAllGatherDim(), d)));
  outDims.push_back(d);
  return success();
}

LogicalResult ReduceScatterOp::transpose(OpBuilder &b, Values, Values ct,
                                         Results &out) {
  out.push_back(AllGatherOp::create(b, getLoc(), getOperand().getType(), ct[0],
                                    getMesh(), getAxes(),
                                    getScatterDimension()));
  return success();
}

LogicalResult ReduceScatterOp::batch(OpBuilder &b, Values operands, Dims dims,
                                     int64_t n, Results &results,
                                     SmallVectorImpl<int64_t> &outDims) {
  int64_t d = dims[0];
  results.push_back(ReduceScatterOp::create(
      b, getLoc(), insertDim(getType(), d, n), operands[0], getMesh(),
      getAxes(), past(getScatterDimension(), d)));
  outDims.push_back(d);
  return success();
}

LogicalResult CollectivePermuteOp::transpose(OpBuilder &b, Values, Values ct,
                                             Results &out) {
  SmallVector<int64_t> inverse;
  ArrayRef<int64_t> pairs = getPairs();
  for (unsigned i = 0; i < pairs.size(); i += 2) {
    inverse.push_back(pairs[i + 1]);
    inverse.push_back(pairs[i]);
  }
  out.push_back(CollectivePermuteOp::create(b, getLoc(), ct[0].getType(), ct[0],
                                            getMesh(), getAxes(), inverse));
  return success();
}

LogicalResult AllToAllOp::transpose(OpBuilder &b, Values, Values ct,
                                    Results &out) {
  out.push_back(AllToAllOp::create(b, getLoc(), getOperand().getType(), ct[0],
                                   getMesh(), getAxes(), getConcatDimension(),
                                   getSplitDimension()));
  return success();
}

LogicalResult AllToAllOp::batch(OpBuilder &b, Values operands, Dims dims,
                                int64_t n, Results &results,
                                SmallVectorImpl<int64_t> &outDims) {
  int64_t d = dims[0];
  results.push_back(AllToAllOp::create(
      b, getLoc(), insertDim(getType(), d, n), operands[0], getMesh(),
      getAxes(), past(getSplitDimension(), d), past(getConcatDimension(), d)));
  outDims.push_back(d);
  return success();
}
