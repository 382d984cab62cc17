//===- CaseRules.cpp - rules of mlax.case
//----------------------------------===//
//
// JVP: every branch returns its results and the tangents of the
// floating-point ones. Batching: an unbatched index keeps the case; a
// batched one runs every branch and selects per element. Reverse mode: each
// branch is linearized / transposed as a function of the values it
// captures (JAX's partial evaluation and transpose of cond).
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/rules/RegionUtils.h"
#include "dialect/rules/RuleBuilder.h"

using namespace mlir;
using namespace mlir::mlax;

LogicalResult CaseOp::jvp(JvpContext &ctx, OpBuilder &b) {
  Location loc = getLoc();
  SmallVector<Type> types(getResultTypes());
  SmallVector<unsigned> diff;
  for (auto [i, t] : llvm::enumerate(getResultTypes()))
    if (isDifferentiable(t)) {
      diff.push_back(i);
      types.push_back(t);
    }
  auto newOp = CaseOp::create(b, loc, types, ctx.primal(getIndex()),
                              getBranches().size());
  for (auto [k, region] : llvm::enumerate(getBranches())) {
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&newOp.getBranches()[k]);
    Block &src = region.front();
    if (failed(ctx.emitBlock(src, b)))
      return failure();
    auto ret = cast<ReturnOp>(src.getTerminator());
    RuleBuilder br(b, loc);
    SmallVector<Value> outs;
    for (Value v : ret.getResults())
      outs.push_back(ctx.primal(v));
    for (unsigned i : diff) {
      Value v = ret.getResults()[i];
      outs.push_back(br.orZeros(ctx.tangent(v), ctx.primal(v)));
    }
    ReturnOp::create(b, loc, outs);
  }
  for (auto [i, res] : llvm::enumerate(getResults()))
    ctx.mapPrimal(res, newOp.getResult(i));
  for (auto [k, i] : llvm::enumerate(diff))
    ctx.mapTangent(getResult(i), newOp.getResult(getNumResults() + k));
  return success();
}

/// An out-of-range batched index takes the last branch, as mlax.case does.
LogicalResult CaseOp::batch(BatchContext &ctx, OpBuilder &b) {
  Location loc = getLoc();
  int64_t n = ctx.batchSize();
  int64_t idxDim = ctx.batchDim(getIndex());
  size_t numBranches = getBranches().size();
  auto branchResults = [&](Region &region,
                           SmallVectorImpl<Value> &outs) -> LogicalResult {
    Block &src = region.front();
    if (failed(ctx.emitBlock(src, b)))
      return failure();
    RuleBuilder br(b, loc);
    for (Value v : src.getTerminator()->getOperands())
      outs.push_back(toFront(br, ctx.lookup(v), ctx.batchDim(v), n));
    return success();
  };
  if (idxDim < 0) {
    SmallVector<Type> types;
    for (Type t : getResultTypes())
      types.push_back(withDim(t, n, 0));
    auto newOp =
        CaseOp::create(b, loc, types, ctx.lookup(getIndex()), numBranches);
    for (auto [k, region] : llvm::enumerate(getBranches())) {
      OpBuilder::InsertionGuard guard(b);
      b.createBlock(&newOp.getBranches()[k]);
      SmallVector<Value> outs;
      if (failed(branchResults(region, outs)))
        return failure();
      ReturnOp::create(b, loc, outs);
    }
    for (auto [old, nv] : llvm::zip(getResults(), newOp.getResults()))
      ctx.map(old, nv, 0);
    return success();
  }
  SmallVector<SmallVector<Value>> values(numBranches);
  for (auto [k, region] : llvm::enumerate(getBranches()))
    if (failed(branchResults(region, values[k])))
      return failure();
  RuleBuilder r(b, loc);
  Value idx = toFront(r, ctx.lookup(getIndex()), idxDim, n);
  for (auto [i, old] : llvm::enumerate(getResults())) {
    Value result = values[numBranches - 1][i];
    auto type = cast<RankedTensorType>(result.getType());
    Value idxFull = BroadcastInDimOp::create(b, loc, type.clone(b.getI32Type()),
                                             idx, ArrayRef<int64_t>{0})
                        .getResult();
    for (int64_t k = numBranches - 2; k >= 0; --k) {
      Value kk =
          r.constant(cast<RankedTensorType>(idxFull.getType()), double(k));
      result = r.select(r.compare(ComparisonDirection::EQ, idxFull, kk),
                        values[k][i], result);
    }
    ctx.map(old, result, 0);
  }
  return success();
}

/// Result by result: a JVP'd case returns primal and tangent results.
void CaseOp::linearResults(PartialEvalContext &ctx,
                           const DenseSet<Value> &linear,
                           SmallVectorImpl<bool> &isLinear) {
  isLinear.assign(getNumResults(), false);
  for (Region &region : getBranches()) {
    DenseSet<Value> lin(linear.begin(), linear.end());
    ctx.propagate(region.front(), lin);
    for (auto [i, v] :
         llvm::enumerate(region.front().getTerminator()->getOperands()))
      if (lin.contains(v))
        isLinear[i] = true;
  }
}

/// A primal case (primal results, then every branch's residuals; a branch
/// returns zeros for the others') and a linear case (each branch's linear
/// part on its residuals).
LogicalResult CaseOp::partialEval(PartialEvalContext &ctx) {
  DenseSet<Value> &linear = ctx.linear();
  SmallVector<Value> primalCaps, linearCaps;
  partitionValues(
      capturedValues(*this).getArrayRef(),
      [&](Value v) { return linear.contains(v); }, linearCaps, primalCaps);
  unsigned n = getNumResults();
  SmallVector<bool> resultLinear;
  linearResults(ctx, linear, resultLinear);
  SmallVector<unsigned> order;
  for (unsigned i = 0; i < n; ++i)
    if (!resultLinear[i])
      order.push_back(i);
  unsigned numPrimal = order.size();
  for (unsigned i = 0; i < n; ++i)
    if (resultLinear[i])
      order.push_back(i);

  SmallVector<Value> inputs(primalCaps);
  llvm::append_range(inputs, linearCaps);
  SmallVector<LinearizedFunctions> parts;
  auto cleanup = [&]() {
    for (LinearizedFunctions &p : parts) {
      p.primal.erase();
      p.linear.erase();
    }
  };
  for (Region &r : getBranches()) {
    func::FuncOp fn = outlineRegion(r, inputs, order, ctx.anchor(),
                                    (ctx.baseName() + "case_branch").str());
    FailureOr<LinearizedFunctions> lf =
        ctx.linearize(fn, primalCaps.size(), numPrimal, fn.getSymName());
    fn.erase();
    if (failed(lf))
      return cleanup(), failure();
    parts.push_back(*lf);
  }

  OpBuilder b(*this);
  Location loc = getLoc();
  RuleBuilder rb(b, loc);
  SmallVector<Type> primalTypes;
  for (unsigned k = 0; k < numPrimal; ++k)
    primalTypes.push_back(getResult(order[k]).getType());
  // A branch's residual that is a captured value needs no case result: the
  // linear case captures it too (so a loop around the case does not store
  // a loop-invariant value per iteration). The others go in result slots
  // shared between branches by type (only one branch runs), as JAX's
  // _merge_branch_residuals: a branch fills the slots it does not use with
  // zeros.
  SmallVector<SmallVector<Value>> direct;    // per residual: captured, or null
  SmallVector<SmallVector<unsigned>> slotOf; // per residual: its slot
  SmallVector<Type> slotTypes;
  for (LinearizedFunctions &p : parts) {
    Operation *ret = p.primal.front().getTerminator();
    SmallVector<Value> &d = direct.emplace_back();
    SmallVector<unsigned> &slots = slotOf.emplace_back();
    llvm::SmallDenseSet<unsigned> taken;
    for (Value v : ret->getOperands().drop_front(numPrimal)) {
      auto arg = dyn_cast<BlockArgument>(v);
      d.push_back(arg ? primalCaps[arg.getArgNumber()] : Value());
      unsigned slot = slotTypes.size();
      if (!arg) {
        for (auto [k, t] : llvm::enumerate(slotTypes))
          if (t == v.getType() && !taken.contains(k)) {
            slot = k;
            break;
          }
        if (slot == slotTypes.size())
          slotTypes.push_back(v.getType());
        taken.insert(slot);
      }
      slots.push_back(slot);
    }
  }
  llvm::append_range(primalTypes, slotTypes);
  auto pcase = CaseOp::create(b, loc, primalTypes, getIndex(), getNumRegions());
  for (auto [i, p] : llvm::enumerate(parts)) {
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&pcase.getBranches()[i]);
    SmallVector<Value> outs = inlineBody(b, p.primal, primalCaps);
    SmallVector<Value> yields(outs.begin(), outs.begin() + numPrimal);
    SmallVector<Value> slotValues(slotTypes.size());
    for (auto [j, v] :
         llvm::enumerate(ArrayRef<Value>(outs).drop_front(numPrimal)))
      if (!direct[i][j])
        slotValues[slotOf[i][j]] = v;
    for (auto [k, v] : llvm::enumerate(slotValues))
      yields.push_back(
          v ? v : rb.constant(cast<RankedTensorType>(slotTypes[k]), 0.0));
    ReturnOp::create(b, loc, yields);
  }

  SmallVector<Type> linearTypes;
  for (unsigned k = numPrimal; k < n; ++k)
    linearTypes.push_back(getResult(order[k]).getType());
  auto lcase = CaseOp::create(b, loc, linearTypes, getIndex(), getNumRegions());
  for (auto [i, p] : llvm::enumerate(parts)) {
    SmallVector<Value> args;
    for (unsigned k = 0; k < p.numResiduals; ++k)
      args.push_back(direct[i][k] ? direct[i][k]
                                  : pcase.getResult(numPrimal + slotOf[i][k]));
    llvm::append_range(args, linearCaps);
    inlineFunctionInto(p.linear, args, lcase.getBranches()[i], b);
  }
  for (unsigned k = 0; k < numPrimal; ++k)
    getResult(order[k]).replaceAllUsesWith(pcase.getResult(k));
  for (unsigned k = numPrimal; k < n; ++k)
    getResult(order[k]).replaceAllUsesWith(lcase.getResult(k - numPrimal));
  for (Value r : lcase.getResults())
    linear.insert(r);
  cleanup();
  erase();
  return success();
}

/// Each branch is a linear function of the values it captures: its
/// transpose becomes the same branch of a case on the same index.
LogicalResult CaseOp::transpose(TransposeContext &ctx, OpBuilder &b,
                                ArrayRef<Value> resultCts) {
  RegionTransposeSetup setup(ctx, b, *this, resultCts);
  SmallVector<Type> ctTypes;
  for (Value v : setup.linCaps)
    ctTypes.push_back(v.getType());
  auto newCase = CaseOp::create(b, getLoc(), ctTypes, ctx.forward(getIndex()),
                                getNumRegions());
  for (auto [i, region] : llvm::enumerate(getBranches())) {
    FailureOr<func::FuncOp> t = setup.transpose(ctx, *this, region, "_branch");
    if (failed(t))
      return newCase.erase(), failure();
    inlineFunctionInto(*t, setup.args, newCase.getBranches()[i], b);
    t->erase();
  }
  for (auto [v, c] : llvm::zip(setup.linCaps, newCase.getResults()))
    if (failed(ctx.accumulate(v, c, getLoc())))
      return failure();
  return success();
}
