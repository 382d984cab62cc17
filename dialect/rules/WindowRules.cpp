//===- WindowRules.cpp - rules of mlax.reduce_window ----------------------===//
//
// JAX's rules for the windowed monoids: a windowed sum is linear and
// transposes into a windowed sum of the padded, stride-dilated cotangent
// (reduce_window_sum's transpose); a windowed max / min passes on the
// tangent of the first extreme element of each window (what JAX's
// select_and_gather_add computes), built here as a running select over the
// window offsets, each a strided slice of the padded operand. Batching adds
// a window of size one over the batch dimension. A general body
// (generic_reduce_window) has JAX's JVP: the JVP of the body, reducing
// primals and tangents together.
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/rules/RegionUtils.h"
#include "dialect/rules/RuleBuilder.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

using namespace mlir;
using namespace mlir::mlax;

namespace {
int64_t dilated(int64_t n, int64_t d) { return n == 0 ? 0 : (n - 1) * d + 1; }
} // namespace

Value mlir::mlax::windowIdentity(RuleBuilder &r, Type element,
                                 WindowReduction kind) {
  auto type = RankedTensorType::get({}, element);
  if (kind == WindowReduction::ADD)
    return r.constant(type, 0.0);
  bool max = kind == WindowReduction::MAX;
  if (auto f = dyn_cast<FloatType>(element))
    return r.constant(type, max ? -std::numeric_limits<double>::infinity()
                                : std::numeric_limits<double>::infinity());
  auto i = cast<IntegerType>(element);
  unsigned w = i.getWidth();
  APInt v =
      i.isUnsigned()
          ? (max ? APInt::getMinValue(w) : APInt::getMaxValue(w))
          : (max ? APInt::getSignedMinValue(w) : APInt::getSignedMaxValue(w));
  return ConstantOp::create(r.builder(), r.getLoc(), type,
                            DenseElementsAttr::get(type, v))
      .getResult();
}

LogicalResult ReduceWindowOp::jvp(OpBuilder &b, ArrayRef<Value> t,
                                  SmallVectorImpl<Value> &out) {
  RuleBuilder r(b, getLoc());
  if (getReduction() == WindowReduction::ADD) {
    out.push_back(ReduceWindowOp::create(b, getLoc(), getType(), t[0],
                                         getReduction(), getWindowDimensions(),
                                         getWindowStrides(), getBaseDilations(),
                                         getWindowDilations(), getPadding()));
    return success();
  }
  auto outType = cast<RankedTensorType>(getType());
  if (outType.getNumElements() == 0) {
    out.push_back(r.zerosLike(getResult()));
    return success();
  }
  int64_t rank = outType.getRank();
  Type element = outType.getElementType();
  SmallVector<int64_t> lo, hi, interior;
  for (int64_t d = 0; d < rank; ++d) {
    lo.push_back(getPadding()[2 * d]);
    hi.push_back(getPadding()[2 * d + 1]);
    interior.push_back(getBaseDilations()[d] - 1);
  }
  bool padded = llvm::any_of(getPadding(), [](int64_t p) { return p != 0; }) ||
                llvm::any_of(interior, [](int64_t p) { return p != 0; });
  Value xp = getOperand(), tp = t[0];
  if (padded) {
    xp = PadOp::create(b, getLoc(), xp,
                       windowIdentity(r, element, getReduction()), lo, hi,
                       interior);
    tp = PadOp::create(b, getLoc(), tp,
                       r.constant(RankedTensorType::get({}, element), 0.0), lo,
                       hi, interior);
  }
  ComparisonDirection better = getReduction() == WindowReduction::MAX
                                   ? ComparisonDirection::GT
                                   : ComparisonDirection::LT;
  SmallVector<int64_t> offset(rank, 0);
  Value cur, tan;
  while (true) {
    SmallVector<int64_t> start, limit;
    for (int64_t d = 0; d < rank; ++d) {
      start.push_back(offset[d] * getWindowDilations()[d]);
      limit.push_back(start.back() +
                      (outType.getDimSize(d) - 1) * getWindowStrides()[d] + 1);
    }
    Value sx =
        SliceOp::create(b, getLoc(), xp, start, limit, getWindowStrides());
    Value st =
        SliceOp::create(b, getLoc(), tp, start, limit, getWindowStrides());
    if (!cur) {
      cur = sx;
      tan = st;
    } else {
      // Strictly better replaces: the first extreme element wins.
      Value pick = r.compare(better, sx, cur);
      cur = r.select(pick, sx, cur);
      tan = r.select(pick, st, tan);
    }
    // Next window offset, in row-major order.
    int64_t d = rank - 1;
    while (d >= 0 && ++offset[d] == getWindowDimensions()[d])
      offset[d--] = 0;
    if (d < 0)
      break;
  }
  out.push_back(tan);
  return success();
}

LogicalResult ReduceWindowOp::transpose(OpBuilder &b, ArrayRef<Value>,
                                        ArrayRef<Value> ct,
                                        SmallVectorImpl<Value> &out) {
  if (getReduction() != WindowReduction::ADD)
    return emitOpError("is not linear in its tangent operands (a windowed ")
           << stringifyWindowReduction(getReduction())
           << "); it cannot be transposed";
  RuleBuilder r(b, getLoc());
  auto inType = cast<RankedTensorType>(getOperand().getType());
  auto outType = cast<RankedTensorType>(getType());
  int64_t rank = inType.getRank();
  SmallVector<int64_t> lo, hi, interior, ones(rank, 1), noPad(2 * rank, 0);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t lhs = dilated(inType.getDimSize(d), getBaseDilations()[d]);
    int64_t rhs = dilated(getWindowDimensions()[d], getWindowDilations()[d]);
    int64_t o = dilated(outType.getDimSize(d), getWindowStrides()[d]);
    int64_t before = rhs - getPadding()[2 * d] - 1;
    lo.push_back(before);
    hi.push_back(lhs + rhs - 1 - o - before);
    interior.push_back(getWindowStrides()[d] - 1);
  }
  Value zero =
      r.constant(RankedTensorType::get({}, inType.getElementType()), 0.0);
  Value padded = PadOp::create(b, getLoc(), ct[0], zero, lo, hi, interior);
  out.push_back(ReduceWindowOp::create(
      b, getLoc(), inType, padded, WindowReduction::ADD, getWindowDimensions(),
      getBaseDilations(), ones, getWindowDilations(), noPad));
  return success();
}

LogicalResult ReduceWindowOp::batch(OpBuilder &b, ArrayRef<Value> operands,
                                    ArrayRef<int64_t> dims, int64_t n,
                                    SmallVectorImpl<Value> &results,
                                    SmallVectorImpl<int64_t> &resultDims) {
  RuleBuilder r(b, getLoc());
  Value x = toFront(r, operands[0], dims[0], n);
  auto prepend = [](ArrayRef<int64_t> v, ArrayRef<int64_t> head) {
    SmallVector<int64_t> out(head);
    llvm::append_range(out, v);
    return out;
  };
  results.push_back(ReduceWindowOp::create(
      b, getLoc(), withDim(getType(), n, 0), x, getReduction(),
      prepend(getWindowDimensions(), {1}), prepend(getWindowStrides(), {1}),
      prepend(getBaseDilations(), {1}), prepend(getWindowDilations(), {1}),
      prepend(getPadding(), {0, 0})));
  resultDims.push_back(0);
  return success();
}

//===----------------------------------------------------------------------===//
// generic_reduce_window
//===----------------------------------------------------------------------===//

/// JAX's rule: one reduction of (primals..., tangents...) from (inits...,
/// zeros...) whose body is the JVP of the body. Integer inputs carry no
/// tangent.
LogicalResult GenericReduceWindowOp::jvp(JvpContext &ctx, OpBuilder &b) {
  Location loc = getLoc();
  size_t n = getInputs().size();
  for (Value init : getInitValues())
    if (isDifferentiable(init.getType()) && ctx.tangent(init))
      return emitOpError("has no JVP rule for a non-zero tangent of an init "
                         "value (neither has JAX's reduce_window)");
  RuleBuilder r(b, loc);
  SmallVector<bool> active;
  SmallVector<Value> inputs, inits;
  for (auto [x, init] : llvm::zip(getInputs(), getInitValues())) {
    active.push_back(isDifferentiable(x.getType()) && ctx.tangent(x));
    inputs.push_back(ctx.primal(x));
    inits.push_back(ctx.primal(init));
  }
  SmallVector<Type> resultTypes(getResultTypes());
  SmallVector<Type> scalarTypes;
  for (Value init : getInitValues())
    scalarTypes.push_back(init.getType());
  for (size_t i = 0; i < n; ++i)
    if (active[i]) {
      inputs.push_back(ctx.tangent(getInputs()[i]));
      inits.push_back(r.zerosLike(ctx.primal(getInitValues()[i])));
      resultTypes.push_back(getResult(i).getType());
      scalarTypes.push_back(getInitValues()[i].getType());
    }
  auto newOp = GenericReduceWindowOp::create(
      b, loc, resultTypes, inputs, inits, getWindowDimensions(),
      getWindowStrides(), getBaseDilations(), getWindowDilations(),
      getPadding());
  size_t m = scalarTypes.size();
  {
    OpBuilder::InsertionGuard guard(b);
    SmallVector<Type> argTypes(scalarTypes);
    llvm::append_range(argTypes, scalarTypes);
    SmallVector<Location> locs(argTypes.size(), loc);
    Block *blk = b.createBlock(&newOp.getBody(), {}, argTypes, locs);
    Block &body = getBody().front();
    // Old (accumulators, elements) -> new ones at offsets 0 and m; each
    // active operand's tangent follows the primals.
    for (size_t half = 0; half < 2; ++half) {
      size_t k = half * m + n;
      for (size_t i = 0; i < n; ++i) {
        BlockArgument arg = body.getArgument(half * n + i);
        ctx.mapPrimal(arg, blk->getArgument(half * m + i));
        ctx.mapTangent(arg, active[i] ? blk->getArgument(k++) : Value());
      }
    }
    if (failed(ctx.emitBlock(body, b)))
      return failure();
    auto ret = cast<ReturnOp>(body.getTerminator());
    ReturnOp::create(b, loc,
                     jvpRegionResults(ctx, b, loc, ret.getResults(), active));
  }
  size_t k = n;
  for (size_t i = 0; i < n; ++i) {
    ctx.mapPrimal(getResult(i), newOp.getResult(i));
    ctx.mapTangent(getResult(i), active[i] ? newOp.getResult(k++) : Value());
  }
  return success();
}

LogicalResult GenericReduceWindowOp::batch(
    OpBuilder &b, ArrayRef<Value> operands, ArrayRef<int64_t> dims, int64_t n,
    SmallVectorImpl<Value> &results, SmallVectorImpl<int64_t> &resultDims) {
  size_t numInputs = getInputs().size();
  for (size_t i = numInputs; i < operands.size(); ++i)
    if (dims[i] >= 0)
      return emitOpError("cannot be batched: a batched init value is not "
                         "supported (nor by JAX's reduce_window)");
  RuleBuilder r(b, getLoc());
  SmallVector<Value> inputs;
  SmallVector<Type> types;
  for (size_t i = 0; i < numInputs; ++i) {
    inputs.push_back(toFront(r, operands[i], dims[i], n));
    types.push_back(withDim(getResult(i).getType(), n, 0));
  }
  auto prepend = [](ArrayRef<int64_t> v, ArrayRef<int64_t> head) {
    SmallVector<int64_t> out(head);
    llvm::append_range(out, v);
    return out;
  };
  auto newOp = GenericReduceWindowOp::create(
      b, getLoc(), types, inputs, operands.drop_front(numInputs),
      prepend(getWindowDimensions(), {1}), prepend(getWindowStrides(), {1}),
      prepend(getBaseDilations(), {1}), prepend(getWindowDilations(), {1}),
      prepend(getPadding(), {0, 0}));
  IRMapping map;
  getBody().cloneInto(&newOp.getBody(), map);
  for (Value v : newOp.getResults()) {
    results.push_back(v);
    resultDims.push_back(0);
  }
  return success();
}

/// Result i is linear when input i is (a JVP'd reduction's tangent half).
void GenericReduceWindowOp::linearResults(PartialEvalContext &,
                                          const DenseSet<Value> &linear,
                                          SmallVectorImpl<bool> &isLinear) {
  isLinear.clear();
  for (Value x : getInputs())
    isLinear.push_back(linear.contains(x));
}

/// A windowed reduction of primals and tangents together cannot be split
/// into a primal and a linear part (JAX has no rule either).
LogicalResult GenericReduceWindowOp::partialEval(PartialEvalContext &) {
  return emitOpError(
      "with a general computation cannot be differentiated in reverse mode "
      "(only forward mode); reduce_window with lax.add, lax.max or lax.min "
      "and their identities as init values can");
}
