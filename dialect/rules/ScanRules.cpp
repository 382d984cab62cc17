//===- ScanRules.cpp - rules of mlax.scan
//----------------------------------===//
//
// JAX's scan rules, on the region op: JVP adds the tangents of the active
// carries and xs as carries and xs (and those of the ys as ys); batching
// moves batched xs' batch dimension after the scanned one; partial
// evaluation splits the scan into a primal scan that also stacks each
// iteration's residuals as ys and a linear scan over them (loop-invariant
// residuals are captured, not stacked); the transpose of a linear scan runs
// backwards, with the carries' cotangents as carries and the xs' as ys.
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/rules/RegionUtils.h"
#include "dialect/rules/RuleBuilder.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {

/// A scan like `like` (length, reverse, unroll) of `init` and `xs`, whose
/// body block has arguments of the carries' and x slices' types; the caller
/// fills the body and its terminator.
ScanOp createScan(OpBuilder &b, ScanOp like, ValueRange init, ValueRange xs,
                  TypeRange yTypes, bool flip = false) {
  Location loc = like.getLoc();
  SmallVector<Type> types(init.getTypes());
  llvm::append_range(types, yTypes);
  auto scan = ScanOp::create(b, loc, types, init, xs, like.getLength(),
                             like.getReverse() != flip, like.getUnroll());
  SmallVector<Type> args(init.getTypes());
  for (Value x : xs)
    args.push_back(dropLeadingDim(x.getType()));
  OpBuilder::InsertionGuard guard(b);
  b.createBlock(&scan.getBody(), {}, args,
                SmallVector<Location>(args.size(), loc));
  return scan;
}

SmallVector<Type> stackedTypes(ArrayRef<Value> slices, int64_t length) {
  SmallVector<Type> types;
  for (Value v : slices)
    types.push_back(withDim(v.getType(), length, 0));
  return types;
}
} // namespace

//===----------------------------------------------------------------------===//
// JVP
//===----------------------------------------------------------------------===//

LogicalResult ScanOp::jvp(JvpContext &ctx, OpBuilder &b) {
  Location loc = getLoc();
  unsigned nc = getNumCarries(), nx = getXs().size();
  unsigned ny = getNumResults() - nc;
  Block &body = getBody().front();
  auto ret = cast<ReturnOp>(body.getTerminator());
  auto activeIn = [&](Value v) {
    return isDifferentiable(v.getType()) && ctx.tangent(v);
  };
  SmallVector<bool> activeCarry, activeX, activeY(ny, false);
  for (Value v : getInit())
    activeCarry.push_back(activeIn(v));
  for (Value v : getXs())
    activeX.push_back(activeIn(v));
  // Maps the body's arguments in `c` to `blk`'s: primal carries, tangent
  // carries, primal x slices, tangent x slices (the new body's order).
  auto mapArgs = [&](JvpContext &c, Block *blk) {
    unsigned na = llvm::count(activeCarry, true);
    unsigned k = nc + na + nx;
    for (unsigned i = 0, t = nc; i < nc; ++i) {
      c.mapPrimal(body.getArgument(i), blk->getArgument(i));
      c.mapTangent(body.getArgument(i),
                   activeCarry[i] ? blk->getArgument(t++) : Value());
    }
    for (unsigned j = 0; j < nx; ++j) {
      c.mapPrimal(body.getArgument(nc + j), blk->getArgument(nc + na + j));
      c.mapTangent(body.getArgument(nc + j),
                   activeX[j] ? blk->getArgument(k++) : Value());
    }
  };
  auto argTypes = [&]() {
    SmallVector<Type> types;
    for (unsigned i = 0; i < nc; ++i)
      types.push_back(body.getArgument(i).getType());
    for (unsigned i = 0; i < nc; ++i)
      if (activeCarry[i])
        types.push_back(body.getArgument(i).getType());
    for (unsigned j = 0; j < nx; ++j)
      types.push_back(body.getArgument(nc + j).getType());
    for (unsigned j = 0; j < nx; ++j)
      if (activeX[j])
        types.push_back(body.getArgument(nc + j).getType());
    return types;
  };
  // Carries the body makes depend on an active value become active (to a
  // fixpoint); the last trial says which ys have tangents.
  for (unsigned round = 0; round <= nc; ++round) {
    bool changed = false;
    LogicalResult res = trialWalk(
        getContext(), argTypes(), loc, [&](Block *tmp, OpBuilder &tb) {
          std::unique_ptr<JvpContext> sub = ctx.fork();
          mapArgs(*sub, tmp);
          if (failed(sub->emitBlock(body, tb)))
            return failure();
          for (unsigned i = 0; i < nc; ++i)
            if (!activeCarry[i] &&
                isDifferentiable(ret.getResults()[i].getType()) &&
                sub->tangent(ret.getResults()[i]))
              activeCarry[i] = changed = true;
          for (unsigned k = 0; k < ny; ++k) {
            Value y = ret.getResults()[nc + k];
            activeY[k] = isDifferentiable(y.getType()) && sub->tangent(y);
          }
          return success();
        });
    if (failed(res))
      return failure();
    if (!changed)
      break;
  }

  RuleBuilder r(b, loc);
  SmallVector<Value> init, xs;
  for (Value v : getInit())
    init.push_back(ctx.primal(v));
  for (auto [v, a] : llvm::zip(getInit(), activeCarry))
    if (a)
      init.push_back(r.orZeros(ctx.tangent(v), ctx.primal(v)));
  for (Value v : getXs())
    xs.push_back(ctx.primal(v));
  for (auto [v, a] : llvm::zip(getXs(), activeX))
    if (a)
      xs.push_back(ctx.tangent(v));
  SmallVector<Type> yTypes;
  for (Value y : getYs())
    yTypes.push_back(y.getType());
  for (auto [y, a] : llvm::zip(getYs(), activeY))
    if (a)
      yTypes.push_back(y.getType());
  ScanOp scan = createScan(b, *this, init, xs, yTypes);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = &scan.getBody().front();
    b.setInsertionPointToEnd(blk);
    mapArgs(ctx, blk);
    if (failed(ctx.emitBlock(body, b)))
      return failure();
    RuleBuilder br(b, loc);
    auto tangentOf = [&](Value v) {
      return br.orZeros(ctx.tangent(v), ctx.primal(v));
    };
    SmallVector<Value> outs;
    ValueRange results = ret.getResults();
    for (Value v : results.take_front(nc))
      outs.push_back(ctx.primal(v));
    for (unsigned i = 0; i < nc; ++i)
      if (activeCarry[i])
        outs.push_back(tangentOf(results[i]));
    for (Value v : results.drop_front(nc))
      outs.push_back(ctx.primal(v));
    for (unsigned k = 0; k < ny; ++k)
      if (activeY[k])
        outs.push_back(tangentOf(results[nc + k]));
    ReturnOp::create(b, loc, outs);
  }
  unsigned na = llvm::count(activeCarry, true);
  for (unsigned i = 0, t = nc; i < nc; ++i) {
    ctx.mapPrimal(getResult(i), scan.getResult(i));
    if (activeCarry[i])
      ctx.mapTangent(getResult(i), scan.getResult(t++));
  }
  for (unsigned k = 0, t = nc + na + ny; k < ny; ++k) {
    ctx.mapPrimal(getResult(nc + k), scan.getResult(nc + na + k));
    if (activeY[k])
      ctx.mapTangent(getResult(nc + k), scan.getResult(t++));
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Batching
//===----------------------------------------------------------------------===//

LogicalResult ScanOp::batch(BatchContext &ctx, OpBuilder &b) {
  Location loc = getLoc();
  int64_t n = ctx.batchSize();
  unsigned nc = getNumCarries(), nx = getXs().size();
  unsigned ny = getNumResults() - nc;
  Block &body = getBody().front();
  SmallVector<bool> bc, bx, by(ny, false);
  for (Value v : getInit())
    bc.push_back(ctx.batchDim(v) >= 0);
  for (Value v : getXs())
    bx.push_back(ctx.batchDim(v) >= 0);
  auto argTypes = [&]() {
    SmallVector<Type> types;
    for (unsigned i = 0; i < nc + nx; ++i) {
      Type t = body.getArgument(i).getType();
      bool batched = i < nc ? bc[i] : bx[i - nc];
      types.push_back(batched ? Type(withDim(t, n, 0)) : t);
    }
    return types;
  };
  auto mapArgs = [&](BatchContext &c, Block *blk) {
    for (unsigned i = 0; i < nc + nx; ++i) {
      bool batched = i < nc ? bc[i] : bx[i - nc];
      c.map(body.getArgument(i), blk->getArgument(i), batched ? 0 : -1);
    }
  };
  Operation *term = body.getTerminator();
  // Carries the body makes batched become batched (to a fixpoint); the last
  // trial says which ys are batched.
  for (unsigned round = 0; round <= nc; ++round) {
    bool changed = false;
    LogicalResult res = trialWalk(
        getContext(), argTypes(), loc, [&](Block *tmp, OpBuilder &tb) {
          std::unique_ptr<BatchContext> sub = ctx.fork();
          mapArgs(*sub, tmp);
          if (failed(sub->emitBlock(body, tb)))
            return failure();
          for (unsigned i = 0; i < nc; ++i)
            if (!bc[i] && sub->batchDim(term->getOperand(i)) >= 0)
              bc[i] = changed = true;
          for (unsigned k = 0; k < ny; ++k)
            by[k] = sub->batchDim(term->getOperand(nc + k)) >= 0;
          return success();
        });
    if (failed(res))
      return failure();
    if (!changed)
      break;
  }
  RuleBuilder r(b, loc);
  SmallVector<Value> init, xs;
  for (auto [v, bt] : llvm::zip(getInit(), bc))
    init.push_back(bt ? toFront(r, ctx.lookup(v), ctx.batchDim(v), n)
                      : ctx.lookup(v));
  // The scanned dimension stays first; the batch goes right after it.
  for (auto [v, bt] : llvm::zip(getXs(), bx))
    xs.push_back(bt ? moveDim(r, ctx.lookup(v), ctx.batchDim(v), 1)
                    : ctx.lookup(v));
  SmallVector<Type> yTypes;
  for (auto [y, bt] : llvm::zip(getYs(), by))
    yTypes.push_back(bt ? Type(withDim(y.getType(), n, 1)) : y.getType());
  ScanOp scan = createScan(b, *this, init, xs, yTypes);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = &scan.getBody().front();
    b.setInsertionPointToEnd(blk);
    mapArgs(ctx, blk);
    if (failed(ctx.emitBlock(body, b)))
      return failure();
    RuleBuilder br(b, loc);
    SmallVector<Value> outs;
    for (auto [k, v] : llvm::enumerate(term->getOperands())) {
      bool batched = k < nc ? bc[k] : by[k - nc];
      Value nv = ctx.lookup(v);
      outs.push_back(batched ? toFront(br, nv, ctx.batchDim(v), n) : nv);
    }
    ReturnOp::create(b, loc, outs);
  }
  for (unsigned i = 0; i < nc; ++i)
    ctx.map(getResult(i), scan.getResult(i), bc[i] ? 0 : -1);
  for (unsigned k = 0; k < ny; ++k)
    ctx.map(getResult(nc + k), scan.getResult(nc + k), by[k] ? 1 : -1);
  return success();
}

//===----------------------------------------------------------------------===//
// Partial evaluation
//===----------------------------------------------------------------------===//

namespace {
/// Which carries and ys of `op` depend on `linear` values: carries that
/// start linear or that the body makes linear (to a fixpoint).
void scanLinearity(ScanOp op, PartialEvalContext &ctx,
                   const DenseSet<Value> &linear,
                   llvm::function_ref<bool(Value)> isLinearIn,
                   SmallVectorImpl<bool> &carry, SmallVectorImpl<bool> &ys) {
  Block &body = op.getBody().front();
  unsigned nc = op.getNumCarries(), nx = op.getXs().size();
  Operation *term = body.getTerminator();
  carry.assign(nc, false);
  ys.assign(op.getNumResults() - nc, false);
  for (unsigned i = 0; i < nc; ++i)
    carry[i] = isLinearIn(op.getInit()[i]);
  for (bool changed = true; changed;) {
    changed = false;
    DenseSet<Value> lin(linear.begin(), linear.end());
    for (unsigned i = 0; i < nc; ++i)
      if (carry[i])
        lin.insert(body.getArgument(i));
    for (unsigned j = 0; j < nx; ++j)
      if (isLinearIn(op.getXs()[j]))
        lin.insert(body.getArgument(nc + j));
    ctx.propagate(body, lin);
    for (unsigned i = 0; i < nc; ++i)
      if (!carry[i] && lin.contains(term->getOperand(i)))
        carry[i] = changed = true;
    for (unsigned k = 0; k < ys.size(); ++k)
      ys[k] = lin.contains(term->getOperand(nc + k));
  }
}
} // namespace

void ScanOp::linearResults(PartialEvalContext &ctx,
                           const DenseSet<Value> &linear,
                           SmallVectorImpl<bool> &isLinear) {
  SmallVector<bool> carry, ys;
  scanLinearity(
      *this, ctx, linear, [&](Value v) { return linear.contains(v); }, carry,
      ys);
  isLinear.assign(carry.begin(), carry.end());
  isLinear.append(ys.begin(), ys.end());
}

LogicalResult ScanOp::partialEval(PartialEvalContext &ctx) {
  DenseSet<Value> &linear = ctx.linear();
  Location loc = getLoc();
  auto isLin = [&](Value v) { return linear.contains(v); };
  unsigned nc = getNumCarries(), nx = getXs().size();
  unsigned ny = getNumResults() - nc;
  Block &body = getBody().front();
  SmallVector<bool> linCarry, linY;
  scanLinearity(*this, ctx, linear, isLin, linCarry, linY);
  SmallVector<unsigned> pc, lc, px, lx, py, ly;
  for (unsigned i = 0; i < nc; ++i)
    (linCarry[i] ? lc : pc).push_back(i);
  for (unsigned j = 0; j < nx; ++j)
    (isLin(getXs()[j]) ? lx : px).push_back(j);
  for (unsigned k = 0; k < ny; ++k)
    (linY[k] ? ly : py).push_back(k);
  SmallVector<Value> primalCaps, linearCaps;
  partitionValues(capturedValues(getBody()).getArrayRef(), isLin, linearCaps,
                  primalCaps);

  // The body as a JVP function of (primal carries, primal x slices, primal
  // captures; linear carries, linear x slices, linear captures).
  SmallVector<Value> inputs;
  SmallVector<unsigned> order;
  for (unsigned i : pc)
    inputs.push_back(body.getArgument(i));
  for (unsigned j : px)
    inputs.push_back(body.getArgument(nc + j));
  llvm::append_range(inputs, primalCaps);
  for (unsigned i : lc)
    inputs.push_back(body.getArgument(i));
  for (unsigned j : lx)
    inputs.push_back(body.getArgument(nc + j));
  llvm::append_range(inputs, linearCaps);
  for (unsigned i : pc)
    order.push_back(i);
  for (unsigned k : py)
    order.push_back(nc + k);
  for (unsigned i : lc)
    order.push_back(i);
  for (unsigned k : ly)
    order.push_back(nc + k);
  unsigned numPrimalIn = pc.size() + px.size() + primalCaps.size();
  unsigned np = pc.size() + py.size();
  func::FuncOp fn = outlineRegion(getBody(), inputs, order, ctx.anchor(),
                                  (ctx.baseName() + "scan_body").str());
  FailureOr<LinearizedFunctions> lf =
      ctx.linearize(fn, numPrimalIn, np, fn.getSymName());
  fn.erase();
  if (failed(lf))
    return failure();

  // Residuals: loop invariants (captured values, and values computed from
  // them and constants only, which are computed once before the loop, as
  // JAX's scan partial evaluation does) are captured by the linear scan; x
  // slices are read from the xs again; the others are stacked as ys.
  Block &pbody = lf->primal.front();
  unsigned firstCap = pc.size() + px.size();
  DenseSet<Value> inv(pbody.args_begin() + firstCap, pbody.args_end());
  for (Operation &op : pbody.without_terminator())
    if (isMemoryEffectFree(&op) &&
        !usesAny(op, [&](Value v) { return !inv.contains(v); }))
      inv.insert(op.result_begin(), op.result_end());
  enum Kind { Outside, XSlice, Stacked };
  SmallVector<std::pair<Kind, unsigned>> kinds;
  SmallVector<Value> stackedSlices; // in the primal function
  SmallVector<Value> outside;       // in the primal function
  Operation *pret = pbody.getTerminator();
  for (Value v : pret->getOperands().drop_front(np)) {
    auto arg = dyn_cast<BlockArgument>(v);
    if (arg && arg.getArgNumber() >= pc.size() &&
        arg.getArgNumber() < firstCap) {
      kinds.push_back({XSlice, px[arg.getArgNumber() - pc.size()]});
    } else if (inv.contains(v)) {
      kinds.push_back({Outside, unsigned(outside.size())});
      outside.push_back(v);
    } else {
      kinds.push_back({Stacked, unsigned(stackedSlices.size())});
      stackedSlices.push_back(v);
    }
  }

  OpBuilder b(*this);
  // The invariant residuals' computations, before the loop.
  IRMapping hoisted;
  for (auto [k, a] : llvm::enumerate(pbody.getArguments().drop_front(firstCap)))
    hoisted.map(a, primalCaps[k]);
  {
    DenseSet<Value> needed(outside.begin(), outside.end());
    SmallVector<Operation *> slice;
    for (Operation &op : llvm::reverse(pbody.without_terminator())) {
      if (llvm::none_of(op.getResults(),
                        [&](Value r) { return needed.contains(r); }))
        continue;
      slice.push_back(&op);
      needed.insert(op.operand_begin(), op.operand_end());
      if (op.getNumRegions())
        for (Value v : capturedValues(&op))
          needed.insert(v);
    }
    for (Operation *op : llvm::reverse(slice))
      b.clone(*op, hoisted);
  }

  // Primal scan: primal carries over primal xs; ys: primal ys, then the
  // stacked residuals.
  SmallVector<Value> pInit, pXs;
  for (unsigned i : pc)
    pInit.push_back(getInit()[i]);
  for (unsigned j : px)
    pXs.push_back(getXs()[j]);
  SmallVector<Type> pYTypes;
  for (unsigned k : py)
    pYTypes.push_back(getResult(nc + k).getType());
  llvm::append_range(pYTypes, stackedTypes(stackedSlices, getLength()));
  ScanOp pscan = createScan(b, *this, pInit, pXs, pYTypes);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = &pscan.getBody().front();
    b.setInsertionPointToEnd(blk);
    SmallVector<Value> args(blk->getArguments());
    llvm::append_range(args, primalCaps);
    SmallVector<Value> outs = inlineBody(b, lf->primal, args);
    SmallVector<Value> yields(outs.begin(), outs.begin() + np);
    for (auto [j, kd] : llvm::enumerate(kinds))
      if (kd.first == Stacked)
        yields.push_back(outs[np + j]);
    ReturnOp::create(b, loc, yields);
  }

  // Linear scan: linear carries over (stacked residuals, xs read again,
  // linear xs).
  SmallVector<Value> lInit, lXs;
  for (unsigned i : lc)
    lInit.push_back(getInit()[i]);
  unsigned numStacked = stackedSlices.size();
  for (unsigned s = 0; s < numStacked; ++s)
    lXs.push_back(pscan.getResult(pc.size() + py.size() + s));
  SmallVector<unsigned> xRead; // the xs the linear body reads again
  for (auto [kind, idx] : kinds)
    if (kind == XSlice && !llvm::is_contained(xRead, idx))
      xRead.push_back(idx);
  for (unsigned j : xRead)
    lXs.push_back(getXs()[j]);
  for (unsigned j : lx)
    lXs.push_back(getXs()[j]);
  SmallVector<Type> lYTypes;
  for (unsigned k : ly)
    lYTypes.push_back(getResult(nc + k).getType());
  ScanOp lscan = createScan(b, *this, lInit, lXs, lYTypes);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = &lscan.getBody().front();
    b.setInsertionPointToEnd(blk);
    unsigned base = lc.size();
    SmallVector<Value> args;
    for (auto [kind, idx] : kinds) {
      if (kind == Outside)
        args.push_back(hoisted.lookup(outside[idx]));
      else if (kind == Stacked)
        args.push_back(blk->getArgument(base + idx));
      else
        args.push_back(
            blk->getArgument(base + numStacked +
                             unsigned(llvm::find(xRead, idx) - xRead.begin())));
    }
    llvm::append_range(args, blk->getArguments().take_front(lc.size()));
    llvm::append_range(args, blk->getArguments().take_back(lx.size()));
    llvm::append_range(args, linearCaps);
    ReturnOp::create(b, loc, inlineBody(b, lf->linear, args));
  }
  for (auto [k, i] : llvm::enumerate(pc))
    getResult(i).replaceAllUsesWith(pscan.getResult(k));
  for (auto [k, y] : llvm::enumerate(py))
    getResult(nc + y).replaceAllUsesWith(pscan.getResult(pc.size() + k));
  for (auto [k, i] : llvm::enumerate(lc))
    getResult(i).replaceAllUsesWith(lscan.getResult(k));
  for (auto [k, y] : llvm::enumerate(ly))
    getResult(nc + y).replaceAllUsesWith(lscan.getResult(lc.size() + k));
  for (Value v : lscan.getResults())
    linear.insert(v);
  lf->primal.erase();
  lf->linear.erase();
  erase();
  return success();
}

//===----------------------------------------------------------------------===//
// Transpose
//===----------------------------------------------------------------------===//

/// The transposed body runs backwards: carries (cotangents of the carries,
/// then accumulated cotangents of the linear values the body captures), xs
/// (the non-linear xs, then the ys' cotangents), ys (the linear xs'
/// cotangents).
LogicalResult ScanOp::transpose(TransposeContext &ctx, OpBuilder &b,
                                ArrayRef<Value> resultCts) {
  Location loc = getLoc();
  unsigned nc = getNumCarries(), nx = getXs().size();
  unsigned ny = getNumResults() - nc;
  Block &body = getBody().front();
  auto isLin = [&](Value v) { return ctx.isLinear(v); };
  SmallVector<unsigned> cx, lx;
  for (unsigned j = 0; j < nx; ++j)
    (isLin(getXs()[j]) ? lx : cx).push_back(j);
  SmallVector<Value> constCaps, linCaps;
  partitionValues(capturedValues(getBody()).getArrayRef(), isLin, linCaps,
                  constCaps);
  // Every carry must be linear (start linear or become linear in the body,
  // to a fixpoint): a carry that does not depend on the linear inputs (a
  // counter) would have to be recomputed forward per iteration.
  {
    SmallVector<bool> carryLin(nc);
    for (unsigned i = 0; i < nc; ++i)
      carryLin[i] = isLin(getInit()[i]);
    for (bool changed = true; changed;) {
      changed = false;
      DenseSet<Value> lin(linCaps.begin(), linCaps.end());
      for (unsigned i = 0; i < nc; ++i)
        if (carryLin[i])
          lin.insert(body.getArgument(i));
      for (unsigned j : lx)
        lin.insert(body.getArgument(nc + j));
      for (Operation &op : body.without_terminator())
        if (usesAny(op, [&](Value v) { return lin.contains(v); }))
          for (Value r : op.getResults())
            lin.insert(r);
      for (unsigned i = 0; i < nc; ++i)
        if (!carryLin[i] && lin.contains(body.getTerminator()->getOperand(i)))
          carryLin[i] = changed = true;
    }
    for (unsigned i = 0; i < nc; ++i)
      if (!carryLin[i])
        return emitOpError("cannot be transposed: carry #")
               << i << " does not depend on the scan's linear inputs";
  }
  SmallVector<Value> inputs;
  for (unsigned j : cx)
    inputs.push_back(body.getArgument(nc + j));
  llvm::append_range(inputs, constCaps);
  for (unsigned i = 0; i < nc; ++i)
    inputs.push_back(body.getArgument(i));
  for (unsigned j : lx)
    inputs.push_back(body.getArgument(nc + j));
  llvm::append_range(inputs, linCaps);
  SmallVector<unsigned> order;
  for (unsigned k = 0; k < nc + ny; ++k)
    order.push_back(k);
  func::FuncOp bodyFn = outlineRegion(getBody(), inputs, order, ctx.anchor(),
                                      (ctx.baseName() + "_scan").str());
  FailureOr<func::FuncOp> t = ctx.transposeFunction(
      bodyFn, cx.size() + constCaps.size(),
      freshSymbol(ctx.anchor(), (ctx.baseName() + "_scan_t").str()));
  bodyFn.erase();
  if (failed(t))
    return failure();

  RuleBuilder r(b, loc);
  SmallVector<Value> init, xs;
  for (unsigned i = 0; i < nc; ++i)
    init.push_back(r.orZeros(resultCts[i], getResult(i)));
  for (Value v : linCaps)
    init.push_back(r.zerosLike(v));
  for (unsigned j : cx)
    xs.push_back(ctx.forward(getXs()[j]));
  for (unsigned k = 0; k < ny; ++k)
    xs.push_back(r.orZeros(resultCts[nc + k], getResult(nc + k)));
  SmallVector<Type> yTypes;
  for (unsigned j : lx)
    yTypes.push_back(getXs()[j].getType());
  ScanOp scan = createScan(b, *this, init, xs, yTypes, /*flip=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = &scan.getBody().front();
    b.setInsertionPointToEnd(blk);
    unsigned na = nc + linCaps.size();
    SmallVector<Value> args(blk->getArguments().slice(na, cx.size()));
    for (Value v : constCaps)
      args.push_back(ctx.forward(v));
    llvm::append_range(args, blk->getArguments().take_front(nc));
    llvm::append_range(args, blk->getArguments().drop_front(na + cx.size()));
    SmallVector<Value> outs = inlineBody(b, *t, args);
    // outs: cotangents of (carries, linear x slices, linear captures).
    SmallVector<Value> yields(outs.begin(), outs.begin() + nc);
    ArrayRef<Value> capCts = ArrayRef<Value>(outs).drop_front(nc + lx.size());
    for (auto [j, c] : llvm::enumerate(capCts))
      yields.push_back(r.add(blk->getArgument(nc + j), c));
    llvm::append_range(yields, ArrayRef<Value>(outs).slice(nc, lx.size()));
    ReturnOp::create(b, loc, yields);
  }
  t->erase();
  for (unsigned i = 0; i < nc; ++i)
    if (isLin(getInit()[i]))
      if (failed(ctx.accumulate(getInit()[i], scan.getResult(i), loc)))
        return failure();
  for (auto [j, v] : llvm::enumerate(linCaps))
    if (failed(ctx.accumulate(v, scan.getResult(nc + j), loc)))
      return failure();
  for (auto [k, j] : llvm::enumerate(lx))
    if (failed(ctx.accumulate(getXs()[j],
                              scan.getResult(nc + linCaps.size() + k), loc)))
      return failure();
  return success();
}
