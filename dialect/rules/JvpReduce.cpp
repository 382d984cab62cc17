//===- JvpReduce.cpp - JVP rules of reductions
//-----------------------------===//
//
// Reductions whose body is a single add, multiply, maximum or minimum (what
// jnp.sum/prod/max/min produce). A general body has no rule yet.
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/rules/RuleBuilder.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
enum class Monoid { Add, Mul, Max, Min, Other };

/// The kind of a single-input reduction body `return op(acc, x)`.
Monoid classifyBody(ReduceOp op) {
  if (op.getInputs().size() != 1)
    return Monoid::Other;
  Block &body = op.getBody().front();
  if (body.getOperations().size() != 2)
    return Monoid::Other;
  Operation &combiner = body.front();
  auto ret = cast<ReturnOp>(body.getTerminator());
  if (ret.getResults().size() != 1 ||
      ret.getResults()[0] != combiner.getResult(0))
    return Monoid::Other;
  if (!llvm::is_contained(combiner.getOperands(), body.getArgument(0)) ||
      !llvm::is_contained(combiner.getOperands(), body.getArgument(1)))
    return Monoid::Other;
  if (isa<AddOp>(combiner))
    return Monoid::Add;
  if (isa<MulOp>(combiner))
    return Monoid::Mul;
  if (isa<MaxOp>(combiner))
    return Monoid::Max;
  if (isa<MinOp>(combiner))
    return Monoid::Min;
  return Monoid::Other;
}

/// reduce(input) over `dims` with an add or multiply body.
Value buildReduce(RuleBuilder &r, Value input, ArrayRef<int64_t> dims,
                  bool mul) {
  return mul ? r.reduceProd(input, dims) : r.reduceSum(input, dims);
}

/// Broadcasts a reduction result back to the input's shape.
Value broadcastBack(RuleBuilder &r, Value reduced, RankedTensorType inputType,
                    ArrayRef<int64_t> dims) {
  SmallVector<int64_t> kept;
  for (int64_t d = 0; d < inputType.getRank(); ++d)
    if (!llvm::is_contained(dims, d))
      kept.push_back(d);
  auto type = inputType.clone(
      cast<RankedTensorType>(reduced.getType()).getElementType());
  return BroadcastInDimOp::create(r.builder(), r.getLoc(), type, reduced, kept)
      .getResult();
}

/// Products of all elements but one, along the reduced dimensions: the
/// kept dimensions are moved first, the reduced ones flattened into one of
/// size n, and an n x n mask replaces element i by 1 in row i. Exact with
/// zeros (unlike prod / x), at O(n^2) memory per kept element.
Value productOfOthers(RuleBuilder &r, Value x, ArrayRef<int64_t> dims,
                      SmallVectorImpl<int64_t> &perm, int64_t &n) {
  OpBuilder &b = r.builder();
  Location loc = r.getLoc();
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> keptShape;
  perm.clear();
  n = 1;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (!llvm::is_contained(dims, d)) {
      perm.push_back(d);
      keptShape.push_back(type.getDimSize(d));
    }
  for (int64_t d : dims) {
    perm.push_back(d);
    n *= type.getDimSize(d);
  }
  SmallVector<int64_t> flatShape(keptShape);
  flatShape.push_back(n);
  Value moved = TransposeOp::create(b, loc, x, perm).getResult();
  Value flat =
      ReshapeOp::create(b, loc, type.clone(flatShape), moved).getResult();
  SmallVector<int64_t> squareShape(flatShape);
  squareShape.push_back(n);
  auto squareType = type.clone(squareShape);
  int64_t k = keptShape.size();
  SmallVector<int64_t> bdims;
  for (int64_t d = 0; d < k; ++d)
    bdims.push_back(d);
  bdims.push_back(k + 1);
  Value rows =
      BroadcastInDimOp::create(b, loc, squareType, flat, bdims).getResult();
  auto indexType = squareType.clone(b.getI32Type());
  Value i = IotaOp::create(b, loc, indexType, k).getResult();
  Value j = IotaOp::create(b, loc, indexType, k + 1).getResult();
  Value diag = r.compare(ComparisonDirection::EQ, i, j);
  Value others = r.select(diag, r.onesLike(rows), rows);
  return buildReduce(r, others, {k + 1}, /*mul=*/true);
}
} // namespace

LogicalResult ReduceOp::jvp(OpBuilder &b, ArrayRef<Value> t,
                            SmallVectorImpl<Value> &out) {
  Monoid kind = classifyBody(*this);
  if (kind == Monoid::Other)
    return emitOpError("has no JVP rule for this reduction body (only single "
                       "add, multiply, maximum and minimum bodies have one)");
  RuleBuilder r(b, getLoc());
  Value x = getInputs()[0], tx = t[0], tInit = t[1];
  auto type = cast<RankedTensorType>(x.getType());
  ArrayRef<int64_t> dims = getDimensions();
  Value result;
  switch (kind) {
  case Monoid::Add:
    result = tx ? buildReduce(r, tx, dims, false) : Value();
    if (tInit)
      result = r.addTangents(
          {result, BroadcastInDimOp::create(b, getLoc(), getResult(0).getType(),
                                            tInit, ArrayRef<int64_t>{})
                       .getResult()});
    break;
  case Monoid::Max:
  case Monoid::Min: {
    if (!tx)
      break;
    // JAX's rule: average the tangents of all elements equal to the result.
    Value y = broadcastBack(r, getResult(0), type, dims);
    Value hit = r.convert(r.compare(ComparisonDirection::EQ, x, y),
                          type.getElementType());
    Value counts = buildReduce(r, hit, dims, false);
    result = r.div(buildReduce(r, r.mul(tx, hit), dims, false), counts);
    break;
  }
  case Monoid::Mul: {
    if (!tx)
      break;
    SmallVector<int64_t> perm;
    int64_t n;
    Value others = productOfOthers(r, x, dims, perm, n);
    Value moved = TransposeOp::create(b, getLoc(), tx, perm).getResult();
    auto othersType = cast<RankedTensorType>(others.getType());
    Value flat = ReshapeOp::create(b, getLoc(), othersType, moved).getResult();
    int64_t last = othersType.getRank() - 1;
    result = buildReduce(r, r.mul(flat, others), {last}, false);
    result = ReshapeOp::create(b, getLoc(), getResult(0).getType(), result)
                 .getResult();
    break;
  }
  case Monoid::Other:
    break;
  }
  out.push_back(result);
  return success();
}
