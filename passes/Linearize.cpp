//===- Linearize.cpp - partial evaluation of JVP functions
//-----------------===//
#include "passes/Linearize.h"
#include "dialect/rules/RuleBuilder.h"
#include "passes/RegionOutline.h"

#include "dialect/MlaxOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
/// Values whose recomputation costs nothing: constants and iotas.
bool isRematerializable(Value v) {
  Operation *def = v.getDefiningOp();
  return def && isa<ConstantOp, IotaOp>(def);
}

/// True if `op` uses a value in `linear` (directly or inside its regions).
bool usesLinear(Operation &op, const DenseSet<Value> &linear) {
  if (llvm::any_of(op.getOperands(),
                   [&](Value v) { return linear.contains(v); }))
    return true;
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(op.getRegions(), captured);
  return llvm::any_of(captured, [&](Value v) { return linear.contains(v); });
}

void propagateLinear(Block &block, DenseSet<Value> &linear);

/// Which carries of a loop are linear: those that start linear or that the
/// body makes depend on tangents (a tangent carry may start as instantiated
/// zeros), to a fixpoint.
SmallVector<bool> linearCarries(WhileOp op, const DenseSet<Value> &linear) {
  Block &body = op.getBody().front();
  unsigned n = op.getNumOperands();
  SmallVector<bool> isLinear(n);
  for (unsigned i = 0; i < n; ++i)
    isLinear[i] = linear.contains(op.getOperand()[i]);
  for (bool changed = true; changed;) {
    changed = false;
    DenseSet<Value> lin(linear.begin(), linear.end());
    for (unsigned i = 0; i < n; ++i)
      if (isLinear[i])
        lin.insert(body.getArgument(i));
    propagateLinear(body, lin);
    for (auto [i, v] : llvm::enumerate(body.getTerminator()->getOperands()))
      if (!isLinear[i] && lin.contains(v))
        isLinear[i] = changed = true;
  }
  return isLinear;
}

/// Adds to `linear` the results of `op` that depend on it: for a case,
/// result by result (a JVP'd case returns primal and tangent results).
void markLinearResults(Operation &op, DenseSet<Value> &linear) {
  if (!usesLinear(op, linear))
    return;
  if (auto whileOp = dyn_cast<WhileOp>(op)) {
    // A JVP'd loop carries primal and tangent values side by side.
    for (auto [r, lin] :
         llvm::zip(whileOp.getResults(), linearCarries(whileOp, linear)))
      if (lin)
        linear.insert(r);
    return;
  }
  auto caseOp = dyn_cast<CaseOp>(op);
  if (!caseOp) {
    for (Value r : op.getResults())
      linear.insert(r);
    return;
  }
  for (Region &region : caseOp.getBranches()) {
    DenseSet<Value> lin(linear.begin(), linear.end());
    propagateLinear(region.front(), lin);
    for (auto [r, v] : llvm::zip(caseOp.getResults(),
                                 region.front().getTerminator()->getOperands()))
      if (lin.contains(v))
        linear.insert(r);
  }
}

/// Adds to `linear` the results of `block`'s ops that depend on it.
void propagateLinear(Block &block, DenseSet<Value> &linear) {
  for (Operation &op : block.without_terminator())
    markLinearResults(op, linear);
}

/// Clones `fn`'s body into a new block of `dst` (arguments -> `args`) and
/// returns the values it returns; the caller adds the terminator.
SmallVector<Value> cloneBody(func::FuncOp fn, ValueRange args, Region &dst,
                             OpBuilder &b) {
  b.createBlock(&dst);
  IRMapping map;
  map.map(fn.front().getArguments(), args);
  for (Operation &op : fn.front().without_terminator())
    b.clone(op, map);
  SmallVector<Value> outs;
  for (Value v : fn.front().getTerminator()->getOperands())
    outs.push_back(map.lookupOrDefault(v));
  return outs;
}

/// Splits a case whose branches mix primal and tangent computation into a
/// primal case (primal results, then every branch's residuals; a branch
/// returns zeros for the others') and a linear case (each branch's linear
/// part on its residuals). Each branch is linearized as a function of the
/// values it captures, the way JAX partially evaluates cond.
LogicalResult splitCase(CaseOp op, DenseSet<Value> &linear, func::FuncOp parent,
                        StringRef baseName) {
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(op->getRegions(), captured);
  SmallVector<Value> primalCaps, linearCaps;
  for (Value v : captured)
    (linear.contains(v) ? linearCaps : primalCaps).push_back(v);
  unsigned n = op.getNumResults();
  SmallVector<bool> resultLinear(n, false);
  for (Region &r : op.getBranches()) {
    DenseSet<Value> lin(linear.begin(), linear.end());
    propagateLinear(r.front(), lin);
    for (auto [i, v] :
         llvm::enumerate(r.front().getTerminator()->getOperands()))
      if (lin.contains(v))
        resultLinear[i] = true;
  }
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
  for (auto [i, r] : llvm::enumerate(op.getBranches())) {
    func::FuncOp fn = outlineRegion(r, inputs, order, parent,
                                    (baseName + "case_branch").str());
    FailureOr<LinearizedFunctions> lf =
        linearize(fn, primalCaps.size(), numPrimal, fn.getSymName());
    fn.erase();
    if (failed(lf))
      return cleanup(), failure();
    parts.push_back(*lf);
  }

  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<Type> primalTypes;
  for (unsigned k = 0; k < numPrimal; ++k)
    primalTypes.push_back(op.getResult(order[k]).getType());
  SmallVector<unsigned> resStart;
  for (LinearizedFunctions &p : parts) {
    resStart.push_back(primalTypes.size());
    for (Type t : p.primal.getFunctionType().getResults().drop_front(numPrimal))
      primalTypes.push_back(t);
  }
  auto pcase =
      CaseOp::create(b, loc, primalTypes, op.getIndex(), op.getNumRegions());
  for (auto [i, p] : llvm::enumerate(parts)) {
    OpBuilder::InsertionGuard guard(b);
    SmallVector<Value> outs =
        cloneBody(p.primal, primalCaps, pcase.getBranches()[i], b);
    SmallVector<Value> yields(outs.begin(), outs.begin() + numPrimal);
    for (auto [k, q] : llvm::enumerate(parts)) {
      if (k == i) {
        llvm::append_range(yields, ArrayRef<Value>(outs).drop_front(numPrimal));
        continue;
      }
      for (Type t :
           q.primal.getFunctionType().getResults().drop_front(numPrimal))
        yields.push_back(
            RuleBuilder(b, loc).constant(cast<RankedTensorType>(t), 0.0));
    }
    ReturnOp::create(b, loc, yields);
  }

  SmallVector<Type> linearTypes;
  for (unsigned k = numPrimal; k < n; ++k)
    linearTypes.push_back(op.getResult(order[k]).getType());
  auto lcase =
      CaseOp::create(b, loc, linearTypes, op.getIndex(), op.getNumRegions());
  for (auto [i, p] : llvm::enumerate(parts)) {
    OpBuilder::InsertionGuard guard(b);
    SmallVector<Value> args;
    unsigned numRes = p.numResiduals;
    for (unsigned k = 0; k < numRes; ++k)
      args.push_back(pcase.getResult(resStart[i] + k));
    llvm::append_range(args, linearCaps);
    SmallVector<Value> outs =
        cloneBody(p.linear, args, lcase.getBranches()[i], b);
    ReturnOp::create(b, loc, outs);
  }
  for (unsigned k = 0; k < numPrimal; ++k)
    op.getResult(order[k]).replaceAllUsesWith(pcase.getResult(k));
  for (unsigned k = numPrimal; k < n; ++k)
    op.getResult(order[k]).replaceAllUsesWith(lcase.getResult(k - numPrimal));
  for (Value r : lcase.getResults())
    linear.insert(r);
  cleanup();
  op.erase();
  return success();
}

/// Reverse mode of a loop with a static trip count N (fori_loop with static
/// bounds, as JAX's scan): the body is linearized as a function; a primal
/// loop runs the primal body and stores each iteration's residuals into
/// (N, ...) buffers at the iteration counter; a linear loop, counted 0..N-1,
/// runs the linear body on the residuals of its iteration.
LogicalResult splitWhile(WhileOp op, DenseSet<Value> &linear,
                         func::FuncOp parent, StringRef baseName) {
  std::optional<uint64_t> tc = op.getTripCount();
  if (!tc)
    return op.emitOpError(
        "cannot be linearized: reverse-mode differentiation does not work for "
        "while loops (lax.while_loop, fori_loop with dynamic bounds); use jvp "
        "(forward mode), fori_loop with static bounds, or a custom_vjp");
  int64_t N = *tc;
  Location loc = op.getLoc();
  unsigned n = op.getNumOperands();
  if (N == 0) {
    // The loop never runs: its results are its initial values.
    for (auto [r, v] : llvm::zip(op.getResults(), op.getOperand())) {
      r.replaceAllUsesWith(v);
    }
    op.erase();
    return success();
  }
  Block &body = op.getBody().front(), &cond = op.getCond().front();
  SmallVector<bool> isLinear = linearCarries(op, linear);
  SmallVector<unsigned> pIdx, lIdx;
  for (unsigned i = 0; i < n; ++i)
    (isLinear[i] ? lIdx : pIdx).push_back(i);
  SetVector<Value> condCaps;
  getUsedValuesDefinedAbove(op.getCond(), condCaps);
  for (unsigned i : lIdx)
    if (!cond.getArgument(i).use_empty())
      return op.emitOpError("loop condition depends on tangents");
  if (llvm::any_of(condCaps, [&](Value v) { return linear.contains(v); }))
    return op.emitOpError("loop condition depends on tangents");
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(op.getBody(), captured);
  SmallVector<Value> primalCaps, linearCaps;
  for (Value v : captured)
    (linear.contains(v) ? linearCaps : primalCaps).push_back(v);
  SmallVector<Value> inputs;
  for (unsigned i : pIdx)
    inputs.push_back(body.getArgument(i));
  llvm::append_range(inputs, primalCaps);
  for (unsigned i : lIdx)
    inputs.push_back(body.getArgument(i));
  llvm::append_range(inputs, linearCaps);
  SmallVector<unsigned> order(pIdx);
  llvm::append_range(order, lIdx);
  func::FuncOp fn = outlineRegion(op.getBody(), inputs, order, parent,
                                  (baseName + "loop_body").str());
  FailureOr<LinearizedFunctions> lf = linearize(
      fn, pIdx.size() + primalCaps.size(), pIdx.size(), fn.getSymName());
  fn.erase();
  if (failed(lf))
    return failure();
  auto cleanup = [&]() {
    lf->primal.erase();
    lf->linear.erase();
  };
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

  OpBuilder b(op);
  // Primal loop: primal carries, the counter, one buffer per residual.
  SmallVector<Value> pOperands;
  SmallVector<Type> pTypes;
  for (unsigned i : pIdx) {
    pOperands.push_back(op.getOperand()[i]);
    pTypes.push_back(op.getOperand()[i].getType());
  }
  pOperands.push_back(RuleBuilder(b, loc).i32(0));
  pTypes.push_back(RankedTensorType::get({}, b.getI32Type()));
  SmallVector<RankedTensorType> bufTypes;
  for (Type t : resTypes) {
    auto rt = cast<RankedTensorType>(t);
    SmallVector<int64_t> shape{N};
    llvm::append_range(shape, rt.getShape());
    auto bt = rt.clone(shape);
    bufTypes.push_back(bt);
    pOperands.push_back(RuleBuilder(b, loc).constant(bt, 0.0));
    pTypes.push_back(bt);
  }
  auto pw = WhileOp::create(b, loc, pTypes, pOperands);
  pw.setTripCountAttr(op.getTripCountAttr());
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
    IRMapping map;
    map.map(lf->primal.front().getArguments(), args);
    for (Operation &o : lf->primal.front().without_terminator())
      b.clone(o, map);
    SmallVector<Value> outs;
    for (Value v : lf->primal.front().getTerminator()->getOperands())
      outs.push_back(map.lookupOrDefault(v));
    RuleBuilder r(b, loc);
    Value k = blk->getArgument(np);
    SmallVector<Value> yields(outs.begin(), outs.begin() + np);
    yields.push_back(r.add(k, RuleBuilder(b, loc).i32(1)));
    for (unsigned j = 0; j < m; ++j) {
      auto rt = cast<RankedTensorType>(resTypes[j]);
      SmallVector<int64_t> one{1};
      llvm::append_range(one, rt.getShape());
      Value upd = r.reshape(outs[np + stored[j]], rt.clone(one));
      SmallVector<Value> starts{k};
      for (int64_t d = 0; d < rt.getRank(); ++d)
        starts.push_back(RuleBuilder(b, loc).i32(0));
      yields.push_back(DynamicUpdateSliceOp::create(
                           b, loc, blk->getArgument(np + 1 + j), upd, starts)
                           .getResult());
    }
    ReturnOp::create(b, loc, yields);
  }

  // Linear loop: the counter and the tangent carries.
  SmallVector<Value> lOperands{RuleBuilder(b, loc).i32(0)};
  SmallVector<Type> lTypes{RankedTensorType::get({}, b.getI32Type())};
  for (unsigned i : lIdx) {
    lOperands.push_back(op.getOperand()[i]);
    lTypes.push_back(op.getOperand()[i].getType());
  }
  auto lw = WhileOp::create(b, loc, lTypes, lOperands);
  lw.setTripCountAttr(op.getTripCountAttr());
  SmallVector<Location> lLocs(lTypes.size(), loc);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&lw.getCond(), {}, lTypes, lLocs);
    Value lt = RuleBuilder(b, loc).compare(ComparisonDirection::LT,
                                           blk->getArgument(0),
                                           RuleBuilder(b, loc).i32(N));
    ReturnOp::create(b, loc, ValueRange{lt});
  }
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&lw.getBody(), {}, lTypes, lLocs);
    RuleBuilder r(b, loc);
    Value k = blk->getArgument(0);
    SmallVector<Value> args(invariant);
    for (unsigned j = 0; j < m; ++j) {
      auto rt = cast<RankedTensorType>(resTypes[j]);
      SmallVector<int64_t> sizes{1};
      llvm::append_range(sizes, rt.getShape());
      SmallVector<Value> starts{k};
      for (int64_t d = 0; d < rt.getRank(); ++d)
        starts.push_back(RuleBuilder(b, loc).i32(0));
      Value s = DynamicSliceOp::create(b, loc, pw.getResult(np + 1 + j), starts,
                                       sizes)
                    .getResult();
      args[stored[j]] = r.reshape(s, rt);
    }
    llvm::append_range(args, blk->getArguments().drop_front(1));
    llvm::append_range(args, linearCaps);
    IRMapping map;
    map.map(lf->linear.front().getArguments(), args);
    for (Operation &o : lf->linear.front().without_terminator())
      b.clone(o, map);
    SmallVector<Value> yields{r.add(k, RuleBuilder(b, loc).i32(1))};
    for (Value v : lf->linear.front().getTerminator()->getOperands())
      yields.push_back(map.lookupOrDefault(v));
    ReturnOp::create(b, loc, yields);
  }
  for (auto [k, i] : llvm::enumerate(pIdx))
    op.getResult(i).replaceAllUsesWith(pw.getResult(k));
  for (auto [k, i] : llvm::enumerate(lIdx)) {
    op.getResult(i).replaceAllUsesWith(lw.getResult(k + 1));
    linear.insert(lw.getResult(k + 1));
  }
  cleanup();
  op.erase();
  return success();
}
} // namespace

FailureOr<LinearizedFunctions> mlir::mlax::linearize(func::FuncOp jvpFn,
                                                     unsigned numPrimals,
                                                     unsigned numResults,
                                                     StringRef baseName) {
  MLIRContext *ctx = jvpFn.getContext();
  Block &src = jvpFn.front();
  auto ret = cast<func::ReturnOp>(src.getTerminator());

  // Tangent dependence, forward. Cases that mix primal and tangent
  // computation are first split into a primal and a linear case.
  DenseSet<Value> linear;
  for (BlockArgument arg : src.getArguments().drop_front(numPrimals))
    linear.insert(arg);
  {
    DenseSet<Value> lin(linear.begin(), linear.end());
    SmallVector<Operation *> mixed;
    for (Operation &op : src.without_terminator()) {
      if (!usesLinear(op, lin))
        continue;
      markLinearResults(op, lin);
      if (isa<CaseOp, WhileOp>(op))
        mixed.push_back(&op);
    }
    for (Operation *c : mixed) {
      LogicalResult split =
          isa<CaseOp>(c) ? splitCase(cast<CaseOp>(c), lin, jvpFn, baseName)
                         : splitWhile(cast<WhileOp>(c), lin, jvpFn, baseName);
      if (failed(split))
        return failure();
    }
  }
  SmallVector<Operation *> primalOps, linearOps;
  for (Operation &op : src.without_terminator()) {
    bool dependent = usesLinear(op, linear);
    if (dependent) {
      linearOps.push_back(&op);
      for (Value r : op.getResults())
        linear.insert(r);
    } else {
      primalOps.push_back(&op);
    }
  }
  for (Value v : ret.getOperands().take_front(numResults))
    if (linear.contains(v))
      return ret.emitOpError("a primal result depends on tangents; the JVP "
                             "function is malformed");

  // Residuals: primal values the linear part uses (first use order).
  SetVector<Value> residuals;
  auto noteUse = [&](Value v) {
    if (!linear.contains(v) && !isRematerializable(v))
      residuals.insert(v);
  };
  for (Operation *op : linearOps) {
    for (Value v : op->getOperands())
      noteUse(v);
    SetVector<Value> captured;
    getUsedValuesDefinedAbove(op->getRegions(), captured);
    for (Value v : captured)
      noteUse(v);
  }
  for (Value v : ret.getOperands().drop_front(numResults))
    noteUse(v);

  OpBuilder b(ctx);
  b.setInsertionPointAfter(jvpFn);
  FunctionType type = jvpFn.getFunctionType();

  // Primal function: (primals) -> (results, residuals).
  SmallVector<Type> primalResults(type.getResults().take_front(numResults));
  for (Value r : residuals)
    primalResults.push_back(r.getType());
  auto primalFn = func::FuncOp::create(
      b, jvpFn.getLoc(), (baseName + "_primal").str(),
      FunctionType::get(ctx, type.getInputs().take_front(numPrimals),
                        primalResults));
  primalFn.setPrivate();
  {
    Block *entry = primalFn.addEntryBlock();
    OpBuilder pb = OpBuilder::atBlockBegin(entry);
    IRMapping map;
    map.map(src.getArguments().take_front(numPrimals), entry->getArguments());
    for (Operation *op : primalOps)
      pb.clone(*op, map);
    SmallVector<Value> outs;
    for (Value v : ret.getOperands().take_front(numResults))
      outs.push_back(map.lookupOrDefault(v));
    for (Value r : residuals)
      outs.push_back(map.lookupOrDefault(r));
    func::ReturnOp::create(pb, ret.getLoc(), outs);
  }

  // Linear function: (residuals, tangents) -> (result tangents).
  SmallVector<Type> linearInputs;
  for (Value r : residuals)
    linearInputs.push_back(r.getType());
  llvm::append_range(linearInputs, type.getInputs().drop_front(numPrimals));
  b.setInsertionPointAfter(primalFn);
  auto linearFn = func::FuncOp::create(
      b, jvpFn.getLoc(), (baseName + "_linear").str(),
      FunctionType::get(ctx, linearInputs,
                        type.getResults().drop_front(numResults)));
  linearFn.setPrivate();
  {
    Block *entry = linearFn.addEntryBlock();
    OpBuilder lb = OpBuilder::atBlockBegin(entry);
    IRMapping map;
    for (auto [i, r] : llvm::enumerate(residuals))
      map.map(r, entry->getArgument(i));
    map.map(src.getArguments().drop_front(numPrimals),
            entry->getArguments().drop_front(residuals.size()));
    // Re-materialize constants (and their chains) where the linear part
    // uses them.
    std::function<void(Value)> remat = [&](Value v) {
      if (map.contains(v) || !isRematerializable(v))
        return;
      lb.clone(*v.getDefiningOp(), map);
    };
    for (Operation *op : linearOps) {
      for (Value v : op->getOperands())
        remat(v);
      lb.clone(*op, map);
    }
    SmallVector<Value> outs;
    for (Value v : ret.getOperands().drop_front(numResults)) {
      remat(v);
      outs.push_back(map.lookupOrDefault(v));
    }
    func::ReturnOp::create(lb, ret.getLoc(), outs);
  }
  return LinearizedFunctions{primalFn, linearFn, numResults,
                             static_cast<unsigned>(residuals.size())};
}
