//===- CheckpointRules.cpp - rules of mlax.checkpoint and its helpers -----===//
//
// jax.checkpoint (remat) as a region op. JVP and batching transform the body
// and keep the op, so that a later linearization still sees the region.
// Partial evaluation linearizes the body as a function of the values it
// captures, then keeps as residuals only the values the op's `saveable`
// rules allow (JAX's policies), found by walking back from the body's
// residuals and stopping at saveable ops; the linear part becomes a
// checkpoint op of its own that recomputes the rest from the captured
// inputs (behind an optimization barrier with prevent_cse) before running
// the linear body. Its transpose is the transposed body, inlined: the
// recomputation becomes forward computation in the backward pass.
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/rules/RegionUtils.h"
#include "dialect/rules/RuleBuilder.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::mlax;

//===----------------------------------------------------------------------===//
// checkpoint
//===----------------------------------------------------------------------===//

namespace {
/// Parses "kind" or "kind:a,b" rules; false for an unknown kind.
bool parseRule(StringRef rule, StringRef &kind,
               SmallVectorImpl<StringRef> &names) {
  auto [k, rest] = rule.split(':');
  kind = k;
  names.clear();
  if (!rest.empty())
    llvm::SplitString(rest, names, ",");
  return llvm::is_contained(
      {"everything", "dots", "dots_no_batch", "names", "names_except"}, kind);
}

/// Whether the rules let linearization save the results of `op`.
bool isSaveable(Operation *op, ArrayAttr rules) {
  for (Attribute a : rules) {
    StringRef kind;
    SmallVector<StringRef> names;
    parseRule(cast<StringAttr>(a).getValue(), kind, names);
    if (kind == "everything")
      return true;
    if (kind == "dots" && isa<DotGeneralOp, ConvolutionOp>(op))
      return true;
    if (kind == "dots_no_batch")
      if (auto dot = dyn_cast<DotGeneralOp>(op))
        if (dot.getLhsBatchingDimensions().empty() &&
            dot.getRhsBatchingDimensions().empty())
          return true;
    if (auto named = dyn_cast<CheckpointNameOp>(op)) {
      bool listed = llvm::is_contained(names, named.getName());
      if ((kind == "names" && listed) || (kind == "names_except" && !listed))
        return true;
    }
  }
  return false;
}

bool savesEverything(ArrayAttr rules) {
  return llvm::any_of(rules, [](Attribute a) {
    return cast<StringAttr>(a).getValue() == "everything";
  });
}
} // namespace

LogicalResult CheckpointOp::verifyRegions() {
  for (Attribute a : getSaveable()) {
    StringRef kind;
    SmallVector<StringRef> names;
    if (!parseRule(cast<StringAttr>(a).getValue(), kind, names))
      return emitOpError("has an unknown saveable rule '")
             << cast<StringAttr>(a).getValue()
             << "' (expected everything, dots, dots_no_batch, names:... or "
                "names_except:...)";
  }
  Block &block = getBody().front();
  if (block.getNumArguments() != 0)
    return emitOpError("body must take no arguments");
  auto ret =
      dyn_cast_or_null<ReturnOp>(block.empty() ? nullptr : &block.back());
  if (!ret || ret.getResults().getTypes() != getResultTypes())
    return emitOpError("body must return the op's result types");
  return success();
}

LogicalResult CheckpointOp::jvp(JvpContext &ctx, OpBuilder &b) {
  Location loc = getLoc();
  SmallVector<Type> types(getResultTypes());
  SmallVector<bool> diff;
  for (Type t : getResultTypes()) {
    diff.push_back(isDifferentiable(t));
    if (diff.back())
      types.push_back(t);
  }
  auto newOp = CheckpointOp::create(b, loc, types, getSaveableAttr(),
                                    getPreventCseAttr());
  {
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&newOp.getBody());
    Block &src = getBody().front();
    if (failed(ctx.emitBlock(src, b)))
      return failure();
    auto ret = cast<ReturnOp>(src.getTerminator());
    ReturnOp::create(b, loc,
                     jvpRegionResults(ctx, b, loc, ret.getResults(), diff));
  }
  unsigned k = getNumResults();
  for (auto [i, res] : llvm::enumerate(getResults())) {
    ctx.mapPrimal(res, newOp.getResult(i));
    ctx.mapTangent(res, diff[i] ? newOp.getResult(k++) : Value());
  }
  return success();
}

/// The body batched in place; every result leaves with its batch in front.
LogicalResult CheckpointOp::batch(BatchContext &ctx, OpBuilder &b) {
  Location loc = getLoc();
  int64_t n = ctx.batchSize();
  SmallVector<Type> types;
  for (Type t : getResultTypes())
    types.push_back(withDim(t, n, 0));
  auto newOp = CheckpointOp::create(b, loc, types, getSaveableAttr(),
                                    getPreventCseAttr());
  {
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&newOp.getBody());
    Block &src = getBody().front();
    if (failed(ctx.emitBlock(src, b)))
      return failure();
    RuleBuilder r(b, loc);
    SmallVector<Value> outs;
    for (Value v : src.getTerminator()->getOperands())
      outs.push_back(toFront(r, ctx.lookup(v), ctx.batchDim(v), n));
    ReturnOp::create(b, loc, outs);
  }
  for (auto [old, nv] : llvm::zip(getResults(), newOp.getResults()))
    ctx.map(old, nv, 0);
  return success();
}

void CheckpointOp::linearResults(PartialEvalContext &ctx,
                                 const DenseSet<Value> &linear,
                                 SmallVectorImpl<bool> &isLinear) {
  DenseSet<Value> lin(linear.begin(), linear.end());
  ctx.propagate(getBody().front(), lin);
  isLinear.clear();
  for (Value v : getBody().front().getTerminator()->getOperands())
    isLinear.push_back(lin.contains(v));
}

LogicalResult CheckpointOp::partialEval(PartialEvalContext &ctx) {
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
  func::FuncOp fn = outlineRegion(getBody(), inputs, order, ctx.anchor(),
                                  (ctx.baseName() + "_remat").str());
  FailureOr<LinearizedFunctions> lf =
      ctx.linearize(fn, primalCaps.size(), numPrimal, fn.getSymName());
  fn.erase();
  if (failed(lf))
    return failure();
  Block &body = lf->primal.front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  ValueRange residuals = ret.getOperands().drop_front(numPrimal);

  // What the linear part may take from the primal part: every residual when
  // everything is saveable; otherwise the results of saveable ops reached
  // walking back from the residuals, the walk recomputing the ops it passes.
  ArrayAttr rules = getSaveableAttr();
  SetVector<Value> saved;
  DenseSet<Operation *> recompute;
  if (savesEverything(rules)) {
    for (Value r : residuals)
      saved.insert(r);
  } else {
    SmallVector<Value> work(residuals.begin(), residuals.end());
    while (!work.empty()) {
      Value v = work.pop_back_val();
      Operation *def = v.getDefiningOp();
      if (!def || def->getBlock() != &body)
        continue; // an input: the linear part captures it
      if (isSaveable(def, rules)) {
        saved.insert(v);
        continue;
      }
      if (!recompute.insert(def).second)
        continue;
      llvm::append_range(work, def->getOperands());
      if (def->getNumRegions())
        llvm::append_range(work, capturedValues(def).getArrayRef());
    }
  }

  // Primal part, inline: the body's results and the saved values.
  OpBuilder b(*this);
  Location loc = getLoc();
  IRMapping pmap;
  pmap.map(body.getArguments(), primalCaps);
  for (Operation &op : body.without_terminator())
    b.clone(op, pmap);
  for (unsigned k = 0; k < numPrimal; ++k)
    getResult(order[k]).replaceAllUsesWith(
        pmap.lookupOrDefault(ret.getOperand(k)));

  // Linear part: a checkpoint op that recomputes the unsaved residuals from
  // the inputs (and saved values) and runs the linear body on them.
  SmallVector<Type> linearTypes;
  for (unsigned k = numPrimal; k < n; ++k)
    linearTypes.push_back(getResult(order[k]).getType());
  auto lin = CheckpointOp::create(
      b, loc, linearTypes, b.getStrArrayAttr({"everything"}), UnitAttr());
  {
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&lin.getBody());
    IRMapping rmap;
    // Inputs of the recomputation and of the linear body: the captured
    // primal values they use and the saved values (only those, so that the
    // barrier keeps nothing else alive).
    DenseSet<Value> used(residuals.begin(), residuals.end());
    for (Operation &op : body.without_terminator())
      if (recompute.contains(&op)) {
        used.insert(op.operand_begin(), op.operand_end());
        if (op.getNumRegions())
          for (Value v : capturedValues(&op))
            used.insert(v);
      }
    SmallVector<Value> from, to;
    for (auto [arg, cap] : llvm::zip(body.getArguments(), primalCaps))
      if (used.contains(arg)) {
        from.push_back(arg);
        to.push_back(cap);
      }
    for (Value v : saved) {
      from.push_back(v);
      to.push_back(pmap.lookupOrDefault(v));
    }
    if (getPreventCse() && !recompute.empty() && !to.empty()) {
      auto barrier =
          OptimizationBarrierOp::create(b, loc, ValueRange(to).getTypes(), to);
      to.assign(barrier.getResults().begin(), barrier.getResults().end());
    }
    rmap.map(from, to);
    for (Operation &op : body.without_terminator())
      if (recompute.contains(&op))
        b.clone(op, rmap);
    SmallVector<Value> args;
    for (Value r : residuals)
      args.push_back(rmap.lookupOrDefault(r));
    llvm::append_range(args, linearCaps);
    SmallVector<Value> outs = inlineBody(b, lf->linear, args);
    ReturnOp::create(b, loc, outs);
  }
  for (unsigned k = numPrimal; k < n; ++k)
    getResult(order[k]).replaceAllUsesWith(lin.getResult(k - numPrimal));
  for (Value r : lin.getResults())
    linear.insert(r);
  lf->primal.erase();
  lf->linear.erase();
  erase();
  return success();
}

/// The body is a linear function of the values it captures: its transpose
/// is inlined (forward values, such as a recomputation, come first in it).
LogicalResult CheckpointOp::transpose(TransposeContext &ctx, OpBuilder &b,
                                      ArrayRef<Value> resultCts) {
  RegionTransposeSetup setup(ctx, b, *this, resultCts);
  FailureOr<func::FuncOp> t = setup.transpose(ctx, *this, getBody(), "_remat");
  if (failed(t))
    return failure();
  SmallVector<Value> cts = inlineBody(b, *t, setup.args);
  t->erase();
  for (auto [v, c] : llvm::zip(setup.linCaps, cts))
    if (failed(ctx.accumulate(v, c, getLoc())))
      return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// optimization_barrier, checkpoint_name
//===----------------------------------------------------------------------===//

namespace {
/// A barrier over the non-null values of `vs`, in place (nulls stay).
void barrierOfPresent(OpBuilder &b, Location loc, ArrayRef<Value> vs,
                      SmallVectorImpl<Value> &out) {
  SmallVector<Value> present;
  for (Value v : vs)
    if (v)
      present.push_back(v);
  out.assign(vs.begin(), vs.end());
  if (present.empty())
    return;
  auto barrier = OptimizationBarrierOp::create(
      b, loc, ValueRange(present).getTypes(), present);
  unsigned k = 0;
  for (Value &v : out)
    if (v)
      v = barrier.getResult(k++);
}
} // namespace

LogicalResult OptimizationBarrierOp::jvp(OpBuilder &b, ArrayRef<Value> t,
                                         SmallVectorImpl<Value> &out) {
  barrierOfPresent(b, getLoc(), t, out);
  return success();
}

LogicalResult OptimizationBarrierOp::transpose(OpBuilder &b, ArrayRef<Value>,
                                               ArrayRef<Value> ct,
                                               SmallVectorImpl<Value> &out) {
  barrierOfPresent(b, getLoc(), ct, out);
  return success();
}

LogicalResult OptimizationBarrierOp::batch(OpBuilder &b,
                                           ArrayRef<Value> operands,
                                           ArrayRef<int64_t> dims, int64_t,
                                           SmallVectorImpl<Value> &results,
                                           SmallVectorImpl<int64_t> &outDims) {
  auto barrier = OptimizationBarrierOp::create(
      b, getLoc(), ValueRange(operands).getTypes(), operands);
  llvm::append_range(results, barrier.getResults());
  llvm::append_range(outDims, dims);
  return success();
}

LogicalResult CheckpointNameOp::jvp(OpBuilder &, ArrayRef<Value> t,
                                    SmallVectorImpl<Value> &out) {
  out.push_back(t[0]);
  return success();
}

LogicalResult CheckpointNameOp::transpose(OpBuilder &, ArrayRef<Value>,
                                          ArrayRef<Value> ct,
                                          SmallVectorImpl<Value> &out) {
  out.push_back(ct[0]);
  return success();
}
