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

using namespace mlir;
using namespace mlir::mlax;

namespace {

/// The trip count and max_steps / checkpoints of `from` on `to`.
void copyLoopBounds(WhileOp from, WhileOp to) {
  to.setTripCountAttr(from.getTripCountAttr());
  to.setMaxStepsAttr(from.getMaxStepsAttr());
  to.setCheckpointsAttr(from.getCheckpointsAttr());
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
  copyLoopBounds(*this, newOp);

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

/// With max_steps M (its bound already in the cond) and K checkpoints: the
/// loop becomes a scan over ceil(M / s) segments, s = ceil(M / K), whose
/// body is a checkpoint region holding a scan of s guarded steps (a case
/// runs the body while the cond holds, else keeps the carries; once false
/// it stays false, as the carries no longer change). Partial evaluation of
/// that scan then keeps one state per segment (the checkpoint region's
/// inputs) and recomputes a segment's steps in the backward pass, the inner
/// scan storing their residuals meanwhile: memory for K + s states.
LogicalResult WhileOp::partialEvalBounded(PartialEvalContext &ctx) {
  Location loc = getLoc();
  int64_t maxSteps = *getMaxSteps();
  int64_t k = std::clamp<int64_t>(getCheckpoints().value_or(1), 1,
                                  std::max<int64_t>(maxSteps, 1));
  int64_t s = std::max<int64_t>((maxSteps + k - 1) / k, 1);
  int64_t segments = (maxSteps + s - 1) / s;
  SmallVector<Type> types(getOperand().getTypes());
  SmallVector<Location> locs(types.size(), loc);
  OpBuilder b(*this);
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
  // case(cond(c)) {c} {then(c)}: `then` runs only while the cond holds.
  auto guarded = [&](ValueRange c,
                     llvm::function_ref<SmallVector<Value>()> then) {
    RuleBuilder r(b, loc);
    IRMapping cmap;
    SmallVector<Value> pred = cloneBlockBody(b, getCond().front(), c, cmap);
    auto op =
        CaseOp::create(b, loc, types, r.convert(pred[0], b.getI32Type()), 2);
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&op.getBranches()[0]);
    ReturnOp::create(b, loc, c);
    b.createBlock(&op.getBranches()[1]);
    ReturnOp::create(b, loc, then());
    return SmallVector<Value>(op.getResults());
  };
  // One step: the body, guarded.
  auto step = [&](Block *blk) {
    return guarded(blk->getArguments(), [&] {
      return cloneBlockBody(b, getBody().front(), blk->getArguments());
    });
  };
  // One segment: s steps in a checkpoint region, skipped once the loop has
  // stopped (segments past the trip count cost one predicate each).
  ScanOp outer = carryScan(getOperand(), segments, [&](Block *seg) {
    return guarded(seg->getArguments(), [&] {
      auto remat = CheckpointOp::create(b, loc, types, b.getStrArrayAttr({}),
                                        b.getUnitAttr());
      OpBuilder::InsertionGuard guard(b);
      b.createBlock(&remat.getBody());
      ScanOp inner = carryScan(seg->getArguments(), s, step);
      ReturnOp::create(b, loc, inner.getResults());
      return SmallVector<Value>(remat.getResults());
    });
  });
  replaceAllUsesWith(outer.getResults());
  erase();
  return cast<PartialEvalOpInterface>(outer.getOperation()).partialEval(ctx);
}

/// With a static trip count N (fori_loop with static bounds, as JAX's scan):
/// the body is linearized as a function; a primal loop runs the primal body
/// and stores each iteration's residuals into (N, ...) buffers at the
/// iteration counter; a linear loop, counted 0..N-1, runs the linear body on
/// the residuals of its iteration.
LogicalResult WhileOp::partialEval(PartialEvalContext &ctx) {
  DenseSet<Value> &linear = ctx.linear();
  std::optional<uint64_t> tc = getTripCount();
  if (!tc && getMaxSteps())
    return partialEvalBounded(ctx);
  if (!tc)
    return emitOpError(
        "cannot be linearized: reverse-mode differentiation of a while loop "
        "needs a bound on its iterations: pass max_steps to lax.while_loop "
        "(or use fori_loop with static bounds, jvp, or a custom_vjp)");
  int64_t N = *tc;
  Location loc = getLoc();
  unsigned n = getNumOperands();
  if (N == 0) {
    // The loop never runs: its results are its initial values.
    for (auto [r, v] : llvm::zip(getResults(), getOperand()))
      r.replaceAllUsesWith(v);
    erase();
    return success();
  }
  Block &body = getBody().front(), &cond = getCond().front();
  SmallVector<bool> isLinear;
  linearResults(ctx, linear, isLinear);
  SmallVector<unsigned> pIdx, lIdx;
  for (unsigned i = 0; i < n; ++i)
    (isLinear[i] ? lIdx : pIdx).push_back(i);
  for (unsigned i : lIdx)
    if (!cond.getArgument(i).use_empty())
      return emitOpError("loop condition depends on tangents");
  if (llvm::any_of(capturedValues(getCond()),
                   [&](Value v) { return linear.contains(v); }))
    return emitOpError("loop condition depends on tangents");
  SmallVector<Value> primalCaps, linearCaps;
  partitionValues(
      capturedValues(getBody()).getArrayRef(),
      [&](Value v) { return linear.contains(v); }, linearCaps, primalCaps);
  SmallVector<Value> inputs;
  for (unsigned i : pIdx)
    inputs.push_back(body.getArgument(i));
  llvm::append_range(inputs, primalCaps);
  for (unsigned i : lIdx)
    inputs.push_back(body.getArgument(i));
  llvm::append_range(inputs, linearCaps);
  SmallVector<unsigned> order(pIdx);
  llvm::append_range(order, lIdx);
  func::FuncOp fn = outlineRegion(getBody(), inputs, order, ctx.anchor(),
                                  (ctx.baseName() + "loop_body").str());
  FailureOr<LinearizedFunctions> lf = ctx.linearize(
      fn, pIdx.size() + primalCaps.size(), pIdx.size(), fn.getSymName());
  fn.erase();
  if (failed(lf))
    return failure();
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
  pw.setTripCountAttr(getTripCountAttr());
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
  lw.setTripCountAttr(getTripCountAttr());
  SmallVector<Location> lLocs(lTypes.size(), loc);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&lw.getCond(), {}, lTypes, lLocs);
    Value lt =
        r.compare(ComparisonDirection::LT, blk->getArgument(0), r.i32(N));
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
/// cotangent.)
LogicalResult WhileOp::transpose(TransposeContext &ctx, OpBuilder &b,
                                 ArrayRef<Value> resultCts) {
  std::optional<uint64_t> tc = getTripCount();
  bool counted = tc && getNumOperands() > 0 && !ctx.isLinear(getOperand()[0]);
  if (!counted)
    return emitOpError("cannot be transposed: reverse-mode "
                       "differentiation does not work for while loops "
                       "(lax.while_loop, fori_loop with dynamic bounds); "
                       "use jvp, or a custom_vjp");
  Location loc = getLoc();
  int64_t N = *tc;
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
  SmallVector<Value> init{r.i32(N - 1)};
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
  tw.setTripCountAttr(getTripCountAttr());
  SmallVector<Location> locs(types.size(), loc);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&tw.getCond(), {}, types, locs);
    Value ge =
        r.compare(ComparisonDirection::GE, blk->getArgument(0), r.i32(0));
    ReturnOp::create(b, loc, ValueRange{ge});
  }
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&tw.getBody(), {}, types, locs);
    SmallVector<Value> args{blk->getArgument(0)};
    for (Value v : constCaps)
      args.push_back(ctx.forward(v));
    llvm::append_range(args, blk->getArguments().slice(1, nc));
    SmallVector<Value> outs = inlineBody(b, *t, args);
    SmallVector<Value> yields{r.sub(blk->getArgument(0), r.i32(1))};
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
