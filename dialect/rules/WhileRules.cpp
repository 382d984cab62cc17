//===- WhileRules.cpp - rules of mlax.while
//--------------------------------===//
//
// JVP: the loop carries primals and the tangents of the active carries.
// Batching: carries the body makes batched become batched; a batched
// predicate runs the loop while any element's holds and freezes the others.
// Reverse mode (loops with a static trip count only, as JAX's fori_loop):
// a primal loop stores each iteration's residuals, a linear loop counted
// 0..N-1 replays the linear body, and its transpose runs N-1..0.
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/rules/RegionUtils.h"
#include "dialect/rules/RuleBuilder.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mlax;

namespace {

/// The trip count and max_steps / checkpoints of `from` on `to`.
void copyLoopBounds(WhileOp from, WhileOp to, bool counted = true) {
  to.setTripCountAttr(from.getTripCountAttr());
  to.setMaxStepsAttr(from.getMaxStepsAttr());
  to.setCheckpointsAttr(from.getCheckpointsAttr());
  to.setCounted(counted && from.getCounted());
}

/// Clones `region`'s block at `b`'s insertion point with its arguments
/// mapped to `args` and the values it captures to `lookup` of them.
SmallVector<Value> clonePrimalRegion(OpBuilder &b, Region &region,
                                     ValueRange args,
                                     llvm::function_ref<Value(Value)> lookup) {
  IRMapping map;
  for (Value v : capturedValues(region))
    map.map(v, lookup(v));
  return cloneBlockBody(b, region.front(), args, std::move(map));
}
/// A counted loop's bound as a value at `b`'s insertion point (outside the
/// loop): the value itself, or a copy of the constant in its cond.
Value materializeBound(OpBuilder &b, WhileOp op) {
  Value bound = op.countedBound();
  if (!op.getCond().isAncestor(bound.getParentRegion()))
    return bound;
  return b.clone(*bound.getDefiningOp())->getResult(0);
}
} // namespace

//===----------------------------------------------------------------------===//
// JVP
//===----------------------------------------------------------------------===//

/// A carry is active if its initial tangent is non-zero or the body makes it
/// depend on an active value (found by a fixpoint over trial walks).
LogicalResult WhileOp::jvp(JvpContext &ctx, OpBuilder &b) {
  Location loc = getLoc();
  size_t n = getOperand().size();
  SmallVector<bool> active;
  for (Value v : getOperand())
    active.push_back(isDifferentiable(v.getType()) && ctx.tangent(v));
  Block &body = getBody().front();
  auto ret = cast<ReturnOp>(body.getTerminator());
  for (size_t round = 0; round <= n; ++round) {
    SmallVector<Type> argTypes;
    for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
      argTypes.push_back(arg.getType());
      if (active[i])
        argTypes.push_back(arg.getType());
    }
    bool changed = false;
    LogicalResult res =
        trialWalk(getContext(), argTypes, loc, [&](Block *tmp, OpBuilder &tb) {
          std::unique_ptr<JvpContext> sub = ctx.fork();
          unsigned k = 0;
          for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
            sub->mapPrimal(arg, tmp->getArgument(k++));
            sub->mapTangent(arg, active[i] ? tmp->getArgument(k++) : Value());
          }
          if (failed(sub->emitBlock(body, tb)))
            return failure();
          for (size_t i = 0; i < n; ++i)
            if (!active[i] && isDifferentiable(ret.getResults()[i].getType()) &&
                sub->tangent(ret.getResults()[i]))
              active[i] = changed = true;
          return success();
        });
    if (failed(res))
      return failure();
    if (!changed)
      break;
  }
  RuleBuilder r(b, loc);
  SmallVector<Value> operands, tangentOperands;
  SmallVector<Type> types;
  for (Value v : getOperand()) {
    operands.push_back(ctx.primal(v));
    types.push_back(v.getType());
  }
  for (size_t i = 0; i < n; ++i)
    if (active[i]) {
      Value v = getOperand()[i];
      operands.push_back(r.orZeros(ctx.tangent(v), ctx.primal(v)));
      types.push_back(v.getType());
    }
  auto newOp = WhileOp::create(b, loc, types, operands);
  copyLoopBounds(*this, newOp);
  SmallVector<Location> locs(types.size(), loc);
  // cond: primal only.
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&newOp.getCond(), {}, types, locs);
    SmallVector<Value> outs =
        clonePrimalRegion(b, getCond(), blk->getArguments().take_front(n),
                          [&](Value v) { return ctx.primal(v); });
    ReturnOp::create(b, loc, outs);
  }
  // body: JVP of the body.
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&newOp.getBody(), {}, types, locs);
    size_t k = n;
    for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
      ctx.mapPrimal(arg, blk->getArgument(i));
      ctx.mapTangent(arg, active[i] ? blk->getArgument(k++) : Value());
    }
    if (failed(ctx.emitBlock(body, b)))
      return failure();
    ReturnOp::create(b, loc,
                     jvpRegionResults(ctx, b, loc, ret.getResults(), active));
  }
  size_t k = n;
  for (auto [i, res] : llvm::enumerate(getResults())) {
    ctx.mapPrimal(res, newOp.getResult(i));
    if (active[i])
      ctx.mapTangent(res, newOp.getResult(k++));
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Batching
//===----------------------------------------------------------------------===//

namespace {
/// Batches `block` (a region's block) into `dst`, whose arguments have the
/// batch at 0 where `batched`; returns the terminator operands (mapped) and
/// their dims. Does not create a terminator.
LogicalResult batchRegionBlock(BatchContext &ctx, Block &block, Block *dst,
                               ArrayRef<bool> batched,
                               SmallVectorImpl<Value> &results,
                               SmallVectorImpl<int64_t> &resultDims) {
  for (auto [arg, dstArg, bt] :
       llvm::zip(block.getArguments(), dst->getArguments(), batched))
    ctx.map(arg, dstArg, bt ? 0 : -1);
  // `dst` may be a detached scratch block: take the context from `block`.
  OpBuilder b(block.getParentOp()->getContext());
  b.setInsertionPointToEnd(dst);
  if (failed(ctx.emitBlock(block, b)))
    return failure();
  for (Value v : block.getTerminator()->getOperands()) {
    results.push_back(ctx.lookup(v));
    resultDims.push_back(ctx.batchDim(v));
  }
  return success();
}

/// `or` of a batched predicate over its batch dimension.
Value anyOver(OpBuilder &b, Location loc, Value pred, int64_t dim) {
  auto i1 = RankedTensorType::get({}, b.getI1Type());
  Value init = ConstantOp::create(b, loc, i1, DenseElementsAttr::get(i1, false))
                   .getResult();
  auto reduce = ReduceOp::create(b, loc, TypeRange{i1}, ValueRange{pred},
                                 ValueRange{init}, ArrayRef<int64_t>{dim});
  OpBuilder::InsertionGuard guard(b);
  Block *body = b.createBlock(&reduce.getBody(), {}, {i1, i1}, {loc, loc});
  Value o = OrOp::create(b, loc, body->getArgument(0), body->getArgument(1))
                .getResult();
  ReturnOp::create(b, loc, ValueRange{o});
  return reduce.getResult(0);
}
} // namespace

LogicalResult WhileOp::batch(BatchContext &ctx, OpBuilder &b) {
  Location loc = getLoc();
  int64_t n = ctx.batchSize();
  size_t numCarried = getOperand().size();
  SmallVector<bool> batched;
  for (Value v : getOperand())
    batched.push_back(ctx.batchDim(v) >= 0);
  auto types = [&](ArrayRef<bool> bt) {
    SmallVector<Type> ts;
    for (auto [v, x] : llvm::zip(getOperand(), bt))
      ts.push_back(x ? Type(withDim(v.getType(), n, 0)) : v.getType());
    return ts;
  };
  auto trial = [&](Region &region, ArrayRef<bool> bt,
                   SmallVectorImpl<int64_t> &outDims) -> LogicalResult {
    return trialWalk(getContext(), types(bt), loc,
                     [&](Block *tmp, OpBuilder &) {
                       std::unique_ptr<BatchContext> sub = ctx.fork();
                       SmallVector<Value> results;
                       return batchRegionBlock(*sub, region.front(), tmp, bt,
                                               results, outDims);
                     });
  };
  // Carried values the body makes batched become batched (to a fixpoint);
  // a batched predicate makes every carried value batched.
  for (size_t round = 0; round <= numCarried + 1; ++round) {
    SmallVector<int64_t> bodyDims, condDims;
    if (failed(trial(getBody(), batched, bodyDims)) ||
        failed(trial(getCond(), batched, condDims)))
      return failure();
    bool changed = false;
    for (size_t i = 0; i < numCarried; ++i)
      if (!batched[i] && (bodyDims[i] >= 0 || condDims[0] >= 0)) {
        batched[i] = true;
        changed = true;
      }
    if (!changed)
      break;
  }
  SmallVector<int64_t> condDims;
  if (failed(trial(getCond(), batched, condDims)))
    return failure();
  bool predBatched = condDims[0] >= 0;

  RuleBuilder r(b, loc);
  SmallVector<Value> operands;
  for (auto [v, bt] : llvm::zip(getOperand(), batched)) {
    Value nv = ctx.lookup(v);
    operands.push_back(bt ? toFront(r, nv, ctx.batchDim(v), n) : nv);
  }
  SmallVector<Type> carriedTypes = types(batched);
  auto newOp = WhileOp::create(b, loc, carriedTypes, operands);
  // A batched counter or bound leaves a loop that runs while any element's
  // cond holds: bounded still, but no longer `counter < bound`.
  copyLoopBounds(*this, newOp,
                 !predBatched && (batched.empty() || !batched[0]));

  // cond: the (batched) predicate, reduced with `or` over the batch.
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&newOp.getCond(), {}, carriedTypes,
                               SmallVector<Location>(numCarried, loc));
    SmallVector<Value> res;
    SmallVector<int64_t> resDims;
    if (failed(batchRegionBlock(ctx, getCond().front(), blk, batched, res,
                                resDims)))
      return failure();
    b.setInsertionPointToEnd(blk);
    Value pred = predBatched ? anyOver(b, loc, res[0], resDims[0]) : res[0];
    ReturnOp::create(b, loc, ValueRange{pred});
  }
  // body: new values; with a batched predicate, elements whose predicate
  // is false keep their values (select).
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&newOp.getBody(), {}, carriedTypes,
                               SmallVector<Location>(numCarried, loc));
    Value pred;
    int64_t predDim = -1;
    if (predBatched) {
      SmallVector<Value> res;
      SmallVector<int64_t> resDims;
      if (failed(batchRegionBlock(ctx, getCond().front(), blk, batched, res,
                                  resDims)))
        return failure();
      pred = res[0];
      predDim = resDims[0];
    }
    SmallVector<Value> res;
    SmallVector<int64_t> resDims;
    if (failed(batchRegionBlock(ctx, getBody().front(), blk, batched, res,
                                resDims)))
      return failure();
    b.setInsertionPointToEnd(blk);
    RuleBuilder br(b, loc);
    SmallVector<Value> outs;
    for (size_t i = 0; i < numCarried; ++i) {
      Value v = batched[i] ? toFront(br, res[i], resDims[i], n) : res[i];
      if (predBatched) {
        auto vt = cast<RankedTensorType>(v.getType());
        Value p0 = toFront(br, pred, predDim, n);
        Value pFull = BroadcastInDimOp::create(b, loc, vt.clone(b.getI1Type()),
                                               p0, ArrayRef<int64_t>{0})
                          .getResult();
        v = br.select(pFull, v, blk->getArgument(i));
      }
      outs.push_back(v);
    }
    ReturnOp::create(b, loc, outs);
  }
  for (auto [old, nv, bt] :
       llvm::zip(getResults(), newOp.getResults(), batched))
    ctx.map(old, nv, bt ? 0 : -1);
  return success();
}

//===----------------------------------------------------------------------===//
// Partial evaluation
//===----------------------------------------------------------------------===//

/// Carries that start linear or that the body makes depend on tangents (a
/// tangent carry may start as instantiated zeros), to a fixpoint.
void WhileOp::linearResults(PartialEvalContext &ctx,
                            const DenseSet<Value> &linear,
                            SmallVectorImpl<bool> &isLinear) {
  Block &body = getBody().front();
  unsigned n = getNumOperands();
  isLinear.assign(n, false);
  for (unsigned i = 0; i < n; ++i)
    isLinear[i] = linear.contains(getOperand()[i]);
  for (bool changed = true; changed;) {
    changed = false;
    DenseSet<Value> lin(linear.begin(), linear.end());
    for (unsigned i = 0; i < n; ++i)
      if (isLinear[i])
        lin.insert(body.getArgument(i));
    ctx.propagate(body, lin);
    for (auto [i, v] : llvm::enumerate(body.getTerminator()->getOperands()))
      if (!isLinear[i] && lin.contains(v))
        isLinear[i] = changed = true;
  }
}

namespace {
/// A JVP'd loop body split for reverse mode: which carries are primal and
/// linear, the values the body captures of each kind, and the body
/// linearized as a function of (primal carries, primal captures, linear
/// carries, linear captures).
struct SplitLoopBody {
  SmallVector<unsigned> pIdx, lIdx;
  SmallVector<Value> primalCaps, linearCaps;
  LinearizedFunctions lf;
};

FailureOr<SplitLoopBody> splitLoopBody(WhileOp op, PartialEvalContext &ctx) {
  DenseSet<Value> &linear = ctx.linear();
  Block &body = op.getBody().front(), &cond = op.getCond().front();
  SplitLoopBody sp;
  SmallVector<bool> isLinear;
  op.linearResults(ctx, linear, isLinear);
  for (unsigned i = 0; i < op.getNumOperands(); ++i)
    (isLinear[i] ? sp.lIdx : sp.pIdx).push_back(i);
  auto isLin = [&](Value v) { return linear.contains(v); };
  if (llvm::any_of(
          sp.lIdx,
          [&](unsigned i) { return !cond.getArgument(i).use_empty(); }) ||
      llvm::any_of(capturedValues(op.getCond()), isLin))
    return op.emitOpError("loop condition depends on tangents");
  partitionValues(capturedValues(op.getBody()).getArrayRef(), isLin,
                  sp.linearCaps, sp.primalCaps);
  SmallVector<Value> inputs;
  for (unsigned i : sp.pIdx)
    inputs.push_back(body.getArgument(i));
  llvm::append_range(inputs, sp.primalCaps);
  for (unsigned i : sp.lIdx)
    inputs.push_back(body.getArgument(i));
  llvm::append_range(inputs, sp.linearCaps);
  SmallVector<unsigned> order(sp.pIdx);
  llvm::append_range(order, sp.lIdx);
  func::FuncOp fn = outlineRegion(op.getBody(), inputs, order, ctx.anchor(),
                                  (ctx.baseName() + "loop_body").str());
  FailureOr<LinearizedFunctions> lf =
      ctx.linearize(fn, sp.pIdx.size() + sp.primalCaps.size(), sp.pIdx.size(),
                    fn.getSymName());
  fn.erase();
  if (failed(lf))
    return failure();
  sp.lf = *lf;
  return sp;
}
} // namespace

/// With max_steps M (its bound already in the cond) and K checkpoints: the
/// loop becomes a scan over ceil(M / s) segments, s = ceil(M / K). A segment
/// runs the primal body in a while loop of at most s steps, counting its
/// steps n; its tangents come from a checkpoint region that runs those n
/// steps again as a `counted` loop. Partial evaluation of that scan then
/// keeps one state and n per segment, and the backward pass recomputes a
/// segment's n steps (storing their residuals in s-long buffers) and runs
/// their transposes: memory for K + s states, no guard on any step, and
/// work proportional to the trip count (a segment after the loop stopped
/// costs one evaluation of the cond).
LogicalResult WhileOp::partialEvalBounded(PartialEvalContext &ctx) {
  Location loc = getLoc();
  int64_t maxSteps = *getMaxSteps();
  int64_t k = std::clamp<int64_t>(getCheckpoints().value_or(1), 1,
                                  std::max<int64_t>(maxSteps, 1));
  int64_t s = std::max<int64_t>((maxSteps + k - 1) / k, 1);
  int64_t segments = (maxSteps + s - 1) / s;
  Block &body = getBody().front(), &cond = getCond().front();
  // The primal body: the primal part of the linearized JVP body (what only
  // its residuals need is dead in the counting loop and folded away).
  FailureOr<SplitLoopBody> sp = splitLoopBody(*this, ctx);
  if (failed(sp))
    return failure();
  sp->lf.linear.erase();
  func::FuncOp primalBody = sp->lf.primal;
  ArrayRef<unsigned> pIdx = sp->pIdx, lIdx = sp->lIdx;
  ArrayRef<Value> primalCaps = sp->primalCaps;
  unsigned np = pIdx.size();

  SmallVector<Type> types(getOperand().getTypes());
  SmallVector<Location> locs(types.size(), loc);
  auto i32 = RankedTensorType::get({}, OpBuilder(*this).getI32Type());
  OpBuilder b(*this);
  RuleBuilder r(b, loc);
  // A scan over the carries only (no xs, no ys) whose body `fill` builds
  // from the block's arguments.
  auto carryScan =
      [&](ValueRange init, int64_t length,
          llvm::function_ref<SmallVector<Value>(Block *)> fill) -> ScanOp {
    auto scan = ScanOp::create(b, loc, types, init, ValueRange{}, length,
                               /*reverse=*/false, /*unroll=*/1);
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&scan.getBody(), {}, types, locs);
    ReturnOp::create(b, loc, fill(blk));
    return scan;
  };
  // The cond on carries `c` (tangent carries: any value, the cond ignores
  // them).
  auto predicate = [&](ValueRange c) { return cloneBlockBody(b, cond, c)[0]; };
  // The primal carries after at most s steps from `seg`'s, and the count.
  auto countSteps = [&](Block *seg) {
    SmallVector<Value> init;
    SmallVector<Type> ptypes;
    for (unsigned i : pIdx) {
      init.push_back(seg->getArgument(i));
      ptypes.push_back(types[i]);
    }
    init.push_back(r.i32(0));
    ptypes.push_back(i32);
    auto w = WhileOp::create(b, loc, ptypes, init);
    // Bounded by s, so that higher-order reverse mode can linearize it too.
    w.setMaxStepsAttr(b.getI64IntegerAttr(s));
    w.setCheckpointsAttr(b.getI64IntegerAttr(std::max<int64_t>(
        1, static_cast<int64_t>(std::ceil(std::sqrt(double(s)))))));
    SmallVector<Location> plocs(ptypes.size(), loc);
    {
      OpBuilder::InsertionGuard guard(b);
      Block *blk = b.createBlock(&w.getCond(), {}, ptypes, plocs);
      SmallVector<Value> c(seg->getArguments());
      for (auto [j, i] : llvm::enumerate(pIdx))
        c[i] = blk->getArgument(j);
      Value more =
          r.compare(ComparisonDirection::LT, blk->getArgument(np), r.i32(s));
      Value pred = AndOp::create(b, loc, more, predicate(c)).getResult();
      ReturnOp::create(b, loc, ValueRange{pred});
    }
    {
      OpBuilder::InsertionGuard guard(b);
      Block *blk = b.createBlock(&w.getBody(), {}, ptypes, plocs);
      SmallVector<Value> args(blk->getArguments().take_front(np));
      llvm::append_range(args, primalCaps);
      SmallVector<Value> outs = inlineBody(b, primalBody, args);
      outs.resize(np);
      outs.push_back(r.add(blk->getArgument(np), r.i32(1)));
      ReturnOp::create(b, loc, outs);
    }
    return w;
  };
  SmallVector<Type> ltypes;
  for (unsigned i : lIdx)
    ltypes.push_back(types[i]);
  ScanOp outer = carryScan(getOperand(), segments, [&](Block *seg) {
    WhileOp count = countSteps(seg);
    Value n = count.getResult(np);
    auto remat = CheckpointOp::create(b, loc, ltypes, b.getStrArrayAttr({}),
                                      b.getUnitAttr());
    {
      OpBuilder::InsertionGuard guard(b);
      b.createBlock(&remat.getBody());
      // The segment's n steps again, as a counted loop: reverse mode stores
      // their residuals in s-long buffers and replays exactly n steps.
      SmallVector<Type> ctypes{i32};
      llvm::append_range(ctypes, types);
      SmallVector<Value> init{r.i32(0)};
      llvm::append_range(init, seg->getArguments());
      auto steps = WhileOp::create(b, loc, ctypes, init);
      steps.setMaxStepsAttr(b.getI64IntegerAttr(s));
      steps.setCounted(true);
      SmallVector<Location> clocs(ctypes.size(), loc);
      {
        OpBuilder::InsertionGuard g2(b);
        Block *blk = b.createBlock(&steps.getCond(), {}, ctypes, clocs);
        Value lt = r.compare(ComparisonDirection::LT, blk->getArgument(0), n);
        ReturnOp::create(b, loc, ValueRange{lt});
      }
      {
        OpBuilder::InsertionGuard g2(b);
        Block *blk = b.createBlock(&steps.getBody(), {}, ctypes, clocs);
        SmallVector<Value> outs{r.add(blk->getArgument(0), r.i32(1))};
        llvm::append_range(
            outs, cloneBlockBody(b, body, blk->getArguments().drop_front()));
        ReturnOp::create(b, loc, outs);
      }
      SmallVector<Value> tangents;
      for (unsigned i : lIdx)
        tangents.push_back(steps.getResult(1 + i));
      ReturnOp::create(b, loc, tangents);
    }
    SmallVector<Value> outs(types.size());
    for (auto [j, i] : llvm::enumerate(pIdx))
      outs[i] = count.getResult(j);
    for (auto [j, i] : llvm::enumerate(lIdx))
      outs[i] = remat.getResult(j);
    return outs;
  });
  primalBody.erase();
  replaceAllUsesWith(outer.getResults());
  erase();
  return cast<PartialEvalOpInterface>(outer.getOperation()).partialEval(ctx);
}

/// With a static trip count N (fori_loop with static bounds, as JAX's scan),
/// or a `counted` loop's bound N known at run time (at most max_steps): the
/// body is linearized as a function; a primal loop runs the primal body and
/// stores each iteration's residuals into (N, ...) (max_steps, ...) buffers
/// at the iteration counter; a linear loop, counted 0..N-1, runs the linear
/// body on the residuals of its iteration.
LogicalResult WhileOp::partialEval(PartialEvalContext &ctx) {
  DenseSet<Value> &linear = ctx.linear();
  std::optional<uint64_t> tc = getTripCount();
  bool dynamic = !tc && getCounted();
  if (!tc && !dynamic && getMaxSteps())
    return partialEvalBounded(ctx);
  if (!tc && !dynamic)
    return emitOpError(
        "cannot be linearized: reverse-mode differentiation of a while loop "
        "needs a bound on its iterations: pass max_steps to lax.while_loop "
        "(or use fori_loop with static bounds, jvp, or a custom_vjp)");
  // N: the buffers' length (the trip count, or its bound).
  int64_t N = dynamic ? *getMaxSteps() : *tc;
  Location loc = getLoc();
  unsigned n = getNumOperands();
  if (N == 0) {
    // The loop never runs: its results are its initial values.
    for (auto [r, v] : llvm::zip(getResults(), getOperand()))
      r.replaceAllUsesWith(v);
    erase();
    return success();
  }
  FailureOr<SplitLoopBody> sp = splitLoopBody(*this, ctx);
  if (failed(sp))
    return failure();
  ArrayRef<unsigned> pIdx = sp->pIdx, lIdx = sp->lIdx;
  ArrayRef<Value> primalCaps = sp->primalCaps, linearCaps = sp->linearCaps;
  LinearizedFunctions *lf = &sp->lf;
  Block &cond = getCond().front();
  if (dynamic && (pIdx.empty() || pIdx.front() != 0)) {
    lf->primal.erase();
    lf->linear.erase();
    return emitOpError("counted loop with a linear counter");
  }
  unsigned np = pIdx.size();
  // Residuals that are loop-invariant captured values need no buffer.
  SmallVector<Value> invariant; // per residual: the captured value, or null
  SmallVector<Type> resTypes;   // residuals stored per iteration
  SmallVector<unsigned> stored; // their positions among the residuals
  {
    Operation *ret = lf->primal.front().getTerminator();
    for (auto [j, v] : llvm::enumerate(ret->getOperands().drop_front(np))) {
      auto arg = dyn_cast<BlockArgument>(v);
      if (arg && arg.getArgNumber() >= np) {
        invariant.push_back(primalCaps[arg.getArgNumber() - np]);
        continue;
      }
      invariant.push_back(Value());
      stored.push_back(j);
      resTypes.push_back(v.getType());
    }
  }
  unsigned m = resTypes.size();

  OpBuilder b(*this);
  RuleBuilder r(b, loc);
  // Primal loop: primal carries, the counter, one buffer per residual.
  SmallVector<Value> pOperands;
  SmallVector<Type> pTypes;
  for (unsigned i : pIdx) {
    pOperands.push_back(getOperand()[i]);
    pTypes.push_back(getOperand()[i].getType());
  }
  pOperands.push_back(r.i32(0));
  pTypes.push_back(RankedTensorType::get({}, b.getI32Type()));
  for (Type t : resTypes) {
    auto bt = withDim(t, N, 0);
    pOperands.push_back(r.constant(bt, 0.0));
    pTypes.push_back(bt);
  }
  auto pw = WhileOp::create(b, loc, pTypes, pOperands);
  copyLoopBounds(*this, pw); // the cond, cloned, still counts operand 0
  SmallVector<Location> pLocs(pTypes.size(), loc);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&pw.getCond(), {}, pTypes, pLocs);
    IRMapping map;
    for (auto [k, i] : llvm::enumerate(pIdx))
      map.map(cond.getArgument(i), blk->getArgument(k));
    for (Operation &o : cond)
      b.clone(o, map);
  }
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&pw.getBody(), {}, pTypes, pLocs);
    SmallVector<Value> args(blk->getArguments().take_front(np));
    llvm::append_range(args, primalCaps);
    SmallVector<Value> outs = inlineBody(b, lf->primal, args);
    Value k = blk->getArgument(np);
    SmallVector<Value> yields(outs.begin(), outs.begin() + np);
    yields.push_back(r.add(k, r.i32(1)));
    for (unsigned j = 0; j < m; ++j) {
      auto rt = cast<RankedTensorType>(resTypes[j]);
      Value upd = r.reshape(outs[np + stored[j]], withDim(rt, 1, 0));
      SmallVector<Value> starts{k};
      for (int64_t d = 0; d < rt.getRank(); ++d)
        starts.push_back(r.i32(0));
      yields.push_back(DynamicUpdateSliceOp::create(
                           b, loc, blk->getArgument(np + 1 + j), upd, starts)
                           .getResult());
    }
    ReturnOp::create(b, loc, yields);
  }

  // Linear loop: the counter and the tangent carries.
  SmallVector<Value> lOperands{r.i32(0)};
  SmallVector<Type> lTypes{RankedTensorType::get({}, b.getI32Type())};
  for (unsigned i : lIdx) {
    lOperands.push_back(getOperand()[i]);
    lTypes.push_back(getOperand()[i].getType());
  }
  auto lw = WhileOp::create(b, loc, lTypes, lOperands);
  if (dynamic) {
    lw.setMaxStepsAttr(getMaxStepsAttr());
    lw.setCounted(true);
  } else {
    lw.setTripCountAttr(getTripCountAttr());
  }
  SmallVector<Location> lLocs(lTypes.size(), loc);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&lw.getCond(), {}, lTypes, lLocs);
    Value lt = r.compare(ComparisonDirection::LT, blk->getArgument(0),
                         dynamic ? materializeBound(b, *this) : r.i32(N));
    ReturnOp::create(b, loc, ValueRange{lt});
  }
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&lw.getBody(), {}, lTypes, lLocs);
    Value k = blk->getArgument(0);
    SmallVector<Value> args(invariant);
    for (unsigned j = 0; j < m; ++j) {
      auto rt = cast<RankedTensorType>(resTypes[j]);
      SmallVector<int64_t> sizes{1};
      llvm::append_range(sizes, rt.getShape());
      SmallVector<Value> starts{k};
      for (int64_t d = 0; d < rt.getRank(); ++d)
        starts.push_back(r.i32(0));
      Value s = DynamicSliceOp::create(b, loc, pw.getResult(np + 1 + j), starts,
                                       sizes)
                    .getResult();
      args[stored[j]] = r.reshape(s, rt);
    }
    llvm::append_range(args, blk->getArguments().drop_front(1));
    llvm::append_range(args, linearCaps);
    SmallVector<Value> yields{r.add(k, r.i32(1))};
    llvm::append_range(yields, inlineBody(b, lf->linear, args));
    ReturnOp::create(b, loc, yields);
  }
  for (auto [k, i] : llvm::enumerate(pIdx))
    getResult(i).replaceAllUsesWith(pw.getResult(k));
  for (auto [k, i] : llvm::enumerate(lIdx)) {
    getResult(i).replaceAllUsesWith(lw.getResult(k + 1));
    linear.insert(lw.getResult(k + 1));
  }
  lf->primal.erase();
  lf->linear.erase();
  erase();
  return success();
}

//===----------------------------------------------------------------------===//
// Transpose
//===----------------------------------------------------------------------===//

/// A linear loop counted 0..N-1 (from partialEval): runs the transposed body
/// for k = N-1..0, carrying the cotangents of the carries and accumulating
/// those of the linear values the body uses. (Carries after the counter are
/// linear; a constant initial value, e.g. instantiated zeros, just gets no
/// cotangent.) With N known at run time (`counted`), the transposed loop is
/// counted too (j = 0..N-1, k = N-1-j), so that it can be linearized again.
LogicalResult WhileOp::transpose(TransposeContext &ctx, OpBuilder &b,
                                 ArrayRef<Value> resultCts) {
  std::optional<uint64_t> tc = getTripCount();
  bool dynamic = !tc && getCounted();
  bool counted =
      (tc || dynamic) && getNumOperands() > 0 && !ctx.isLinear(getOperand()[0]);
  if (!counted)
    return emitOpError("cannot be transposed: reverse-mode "
                       "differentiation does not work for while loops "
                       "(lax.while_loop, fori_loop with dynamic bounds); "
                       "use jvp, or a custom_vjp");
  Location loc = getLoc();
  Block &body = getBody().front();
  SmallVector<Value> constCaps, linCaps;
  partitionValues(
      capturedValues(getBody()).getArrayRef(),
      [&](Value v) { return ctx.isLinear(v); }, linCaps, constCaps);
  unsigned nc = getNumOperands() - 1;
  SmallVector<Value> inputs{body.getArgument(0)};
  llvm::append_range(inputs, constCaps);
  llvm::append_range(inputs, body.getArguments().drop_front(1));
  llvm::append_range(inputs, linCaps);
  SmallVector<unsigned> order;
  for (unsigned i = 1; i <= nc; ++i)
    order.push_back(i);
  func::FuncOp bodyFn = outlineRegion(getBody(), inputs, order, ctx.anchor(),
                                      (ctx.baseName() + "_loop").str());
  FailureOr<func::FuncOp> t = ctx.transposeFunction(
      bodyFn, 1 + constCaps.size(),
      freshSymbol(ctx.anchor(), (ctx.baseName() + "_loop_t").str()));
  bodyFn.erase();
  if (failed(t))
    return failure();
  RuleBuilder r(b, loc);
  Value bound; // the trip count, when known at run time only
  if (dynamic) {
    Value v = countedBound();
    bound = getCond().isAncestor(v.getParentRegion())
                ? b.clone(*v.getDefiningOp())->getResult(0)
                : ctx.forward(v);
  }
  SmallVector<Value> init{r.i32(dynamic ? 0 : int64_t(*tc) - 1)};
  SmallVector<Type> types{init[0].getType()};
  for (unsigned i = 1; i <= nc; ++i) {
    Value c = resultCts[i];
    auto ty = cast<RankedTensorType>(getResult(i).getType());
    init.push_back(c ? c : r.constant(ty, 0.0));
    types.push_back(ty);
  }
  for (Value v : linCaps) {
    auto ty = cast<RankedTensorType>(v.getType());
    init.push_back(r.constant(ty, 0.0));
    types.push_back(ty);
  }
  auto tw = WhileOp::create(b, loc, types, init);
  copyLoopBounds(*this, tw);
  SmallVector<Location> locs(types.size(), loc);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&tw.getCond(), {}, types, locs);
    Value more =
        dynamic
            ? r.compare(ComparisonDirection::LT, blk->getArgument(0), bound)
            : r.compare(ComparisonDirection::GE, blk->getArgument(0), r.i32(0));
    ReturnOp::create(b, loc, ValueRange{more});
  }
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&tw.getBody(), {}, types, locs);
    Value j = blk->getArgument(0);
    SmallVector<Value> args{dynamic ? r.sub(r.sub(bound, r.i32(1)), j) : j};
    for (Value v : constCaps)
      args.push_back(ctx.forward(v));
    llvm::append_range(args, blk->getArguments().slice(1, nc));
    SmallVector<Value> outs = inlineBody(b, *t, args);
    SmallVector<Value> yields{dynamic ? r.add(j, r.i32(1))
                                      : r.sub(j, r.i32(1))};
    llvm::append_range(yields, ArrayRef<Value>(outs).take_front(nc));
    for (auto [j, c] : llvm::enumerate(ArrayRef<Value>(outs).drop_front(nc)))
      yields.push_back(r.add(blk->getArgument(1 + nc + j), c));
    ReturnOp::create(b, loc, yields);
  }
  t->erase();
  for (unsigned i = 1; i <= nc; ++i)
    if (ctx.isLinear(getOperand()[i]))
      if (failed(ctx.accumulate(getOperand()[i], tw.getResult(i), loc)))
        return failure();
  for (auto [j, v] : llvm::enumerate(linCaps))
    if (failed(ctx.accumulate(v, tw.getResult(1 + nc + j), loc)))
      return failure();
  return success();
}
