//===- Jvp.cpp - forward-mode differentiation
//------------------------------===//
#include "passes/Jvp.h"

#include "dialect/MlaxOps.h"
#include "dialect/rules/RuleBuilder.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace mlir::mlax;

SmallVector<Value> mlir::mlax::inlineBody(OpBuilder &b, func::FuncOp fn,
                                          ValueRange args) {
  IRMapping map;
  Block &body = fn.front();
  map.map(body.getArguments(), args);
  for (Operation &op : body.without_terminator())
    b.clone(op, map);
  SmallVector<Value> results;
  for (Value v : body.getTerminator()->getOperands())
    results.push_back(map.lookupOrDefault(v));
  return results;
}

namespace {
/// Tangents of the differentiable operands, zeros instantiated (custom rules
/// take all of them, as in JAX).
SmallVector<Value> denseTangents(RuleBuilder &r, ValueRange operands,
                                 ArrayRef<Value> tangents) {
  SmallVector<Value> out;
  for (auto [v, t] : llvm::zip(operands, tangents))
    if (isDifferentiable(v.getType()))
      out.push_back(r.orZeros(t, v));
  return out;
}

/// Looks up a function named by `sym` and prepares it for inlining.
FailureOr<func::FuncOp> preparedFunction(Operation *op, FlatSymbolRefAttr sym,
                                         PrepareFn prepare, bool &owned) {
  auto fn = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(op, sym);
  if (!fn || fn.isExternal())
    return op->emitOpError("'")
           << sym.getValue() << "' does not name a func.func with a body";
  owned = static_cast<bool>(prepare);
  if (!prepare)
    return fn;
  return prepare(fn);
}

/// The JVP of a custom_jvp_call: its rule, inlined.
LogicalResult customJvp(OpBuilder &b, CustomJvpCallOp clone,
                        ArrayRef<Value> tangents, PrepareFn prepare,
                        SmallVectorImpl<Value> &resultTangents) {
  bool owned;
  FailureOr<func::FuncOp> rule =
      preparedFunction(clone, clone.getJvpAttr(), prepare, owned);
  if (failed(rule))
    return failure();
  RuleBuilder r(b, clone.getLoc());
  SmallVector<Value> args(clone.getArgs());
  llvm::append_range(args, denseTangents(r, clone.getArgs(), tangents));
  SmallVector<Value> outs = inlineBody(b, *rule, args);
  if (owned)
    rule->erase();
  auto t = ArrayRef<Value>(outs).drop_front(clone.getNumResults());
  for (Value result : clone.getResults())
    resultTangents.push_back(
        isDifferentiable(result.getType()) ? t.consume_front() : Value());
  return success();
}

/// The JVP of a custom_vjp_call: fwd inlined for the residuals, and a
/// custom_lin (transposed by bwd) for the tangents.
LogicalResult customVjp(OpBuilder &b, CustomVjpCallOp clone,
                        ArrayRef<Value> tangents, PrepareFn prepare,
                        SmallVectorImpl<Value> &resultTangents) {
  bool owned;
  FailureOr<func::FuncOp> fwd =
      preparedFunction(clone, clone.getFwdAttr(), prepare, owned);
  if (failed(fwd))
    return failure();
  SmallVector<Value> outs = inlineBody(b, *fwd, clone.getArgs());
  if (owned)
    fwd->erase();
  RuleBuilder r(b, clone.getLoc());
  SmallVector<Value> residuals(
      ArrayRef<Value>(outs).drop_front(clone.getNumResults()));
  SmallVector<Type> types;
  for (Value v : clone.getResults())
    if (isDifferentiable(v.getType()))
      types.push_back(v.getType());
  auto lin = CustomLinOp::create(b, clone.getLoc(), types, clone.getBwdAttr(),
                                 residuals,
                                 denseTangents(r, clone.getArgs(), tangents));
  SmallVector<Value> linResults(lin.getResults());
  ArrayRef<Value> t = linResults;
  for (Value result : clone.getResults())
    resultTangents.push_back(
        isDifferentiable(result.getType()) ? t.consume_front() : Value());
  return success();
}
} // namespace

namespace {
/// Walks blocks in order: clones each op for its primal values and emits its
/// tangent computation. Region ops (while, case) are differentiated by
/// walking their regions with the same maps (regions see enclosing values).
struct JvpEmitter {
  IRMapping primal;
  DenseMap<Value, Value> tangent;
  PrepareFn prepare;

  LogicalResult walk(Block &src, OpBuilder &b);
  LogicalResult emitWhile(WhileOp op, OpBuilder &b);
  LogicalResult emitCase(CaseOp op, OpBuilder &b);
  bool regionsSeeTangents(Operation &op) {
    SetVector<Value> captured;
    getUsedValuesDefinedAbove(op.getRegions(), captured);
    return llvm::any_of(captured,
                        [&](Value v) { return (bool)tangent.lookup(v); });
  }
};

LogicalResult JvpEmitter::walk(Block &src, OpBuilder &b) {
  for (Operation &op : src.without_terminator()) {
    bool anyTangent = llvm::any_of(
        op.getOperands(), [&](Value v) { return (bool)tangent.lookup(v); });
    bool regionTangent = op.getNumRegions() && regionsSeeTangents(op);
    if (auto w = dyn_cast<WhileOp>(&op); w && (anyTangent || regionTangent)) {
      if (failed(emitWhile(w, b)))
        return failure();
      continue;
    }
    if (auto c = dyn_cast<CaseOp>(&op); c && (anyTangent || regionTangent)) {
      if (failed(emitCase(c, b)))
        return failure();
      continue;
    }
    Operation *clone = b.clone(op, primal);
    if (regionTangent)
      return clone->emitOpError("uses a differentiated value inside its "
                                "regions; JVP of this region op is not "
                                "supported");
    if (!anyTangent)
      continue; // Symbolic zeros: nothing depends on an active input.
    SmallVector<Value> operandTangents;
    for (Value v : op.getOperands())
      operandTangents.push_back(tangent.lookup(v));
    SmallVector<Value> resultTangents;
    if (auto custom = dyn_cast<CustomJvpCallOp>(clone)) {
      if (failed(
              customJvp(b, custom, operandTangents, prepare, resultTangents)))
        return failure();
    } else if (auto custom = dyn_cast<CustomVjpCallOp>(clone)) {
      if (failed(
              customVjp(b, custom, operandTangents, prepare, resultTangents)))
        return failure();
    } else {
      auto rule = dyn_cast<JvpOpInterface>(clone);
      if (!rule)
        return clone->emitOpError("has no JVP rule");
      if (failed(rule.jvp(b, operandTangents, resultTangents)))
        return failure();
    }
    if (resultTangents.size() != op.getNumResults())
      return clone->emitOpError("JVP rule returned ")
             << resultTangents.size() << " tangents for " << op.getNumResults()
             << " results";
    for (auto [result, t] : llvm::zip(op.getResults(), resultTangents)) {
      if (!t || !isDifferentiable(result.getType()))
        continue;
      if (t.getType() != result.getType())
        return clone->emitOpError("JVP rule produced a tangent of type ")
               << t.getType() << " for a result of type " << result.getType();
      tangent[result] = t;
    }
  }
  return success();
}

/// while: the loop carries (primals, tangents of the active carries). A
/// carry is active if its initial tangent is non-zero or the body makes it
/// depend on an active value (found by a fixpoint over trial walks).
LogicalResult JvpEmitter::emitWhile(WhileOp op, OpBuilder &b) {
  Location loc = op.getLoc();
  size_t n = op.getOperand().size();
  SmallVector<bool> active;
  for (Value v : op.getOperand())
    active.push_back(isDifferentiable(v.getType()) && tangent.lookup(v));
  Block &body = op.getBody().front();
  auto ret = cast<ReturnOp>(body.getTerminator());
  for (size_t round = 0; round <= n; ++round) {
    auto tmp = std::make_unique<Block>();
    JvpEmitter sub = *this;
    for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
      sub.primal.map(arg, tmp->addArgument(arg.getType(), loc));
      if (active[i])
        sub.tangent[arg] = tmp->addArgument(arg.getType(), loc);
      else
        sub.tangent.erase(arg);
    }
    OpBuilder tb(op.getContext());
    tb.setInsertionPointToEnd(tmp.get());
    LogicalResult res = sub.walk(body, tb);
    bool changed = false;
    if (succeeded(res))
      for (size_t i = 0; i < n; ++i)
        if (!active[i] && isDifferentiable(ret.getResults()[i].getType()) &&
            sub.tangent.lookup(ret.getResults()[i])) {
          active[i] = true;
          changed = true;
        }
    tmp->dropAllReferences();
    while (!tmp->empty())
      tmp->back().erase();
    if (failed(res))
      return failure();
    if (!changed)
      break;
  }
  RuleBuilder r(b, loc);
  SmallVector<Value> operands, tangentOperands;
  SmallVector<Type> types;
  for (Value v : op.getOperand()) {
    operands.push_back(primal.lookupOrDefault(v));
    types.push_back(v.getType());
  }
  for (size_t i = 0; i < n; ++i)
    if (active[i]) {
      Value v = op.getOperand()[i];
      operands.push_back(
          r.orZeros(tangent.lookup(v), primal.lookupOrDefault(v)));
      types.push_back(v.getType());
    }
  auto newOp = WhileOp::create(b, loc, types, operands);
  newOp.setTripCountAttr(op.getTripCountAttr());
  SmallVector<Location> locs(types.size(), loc);
  // cond: primal only.
  {
    Block *blk = b.createBlock(&newOp.getCond(), {}, types, locs);
    Block &cond = op.getCond().front();
    IRMapping map = primal;
    for (auto [i, arg] : llvm::enumerate(cond.getArguments()))
      map.map(arg, blk->getArgument(i));
    OpBuilder cb = OpBuilder::atBlockEnd(blk);
    for (Operation &o : cond)
      cb.clone(o, map);
  }
  // body: JVP of the body.
  {
    Block *blk = b.createBlock(&newOp.getBody(), {}, types, locs);
    size_t k = n;
    for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
      primal.map(arg, blk->getArgument(i));
      if (active[i])
        tangent[arg] = blk->getArgument(k++);
      else
        tangent.erase(arg);
    }
    OpBuilder bb = OpBuilder::atBlockEnd(blk);
    if (failed(walk(body, bb)))
      return failure();
    RuleBuilder br(bb, loc);
    SmallVector<Value> outs;
    for (Value v : ret.getResults())
      outs.push_back(primal.lookupOrDefault(v));
    for (size_t i = 0; i < n; ++i)
      if (active[i]) {
        Value v = ret.getResults()[i];
        outs.push_back(
            br.orZeros(tangent.lookup(v), primal.lookupOrDefault(v)));
      }
    ReturnOp::create(bb, loc, outs);
  }
  b.setInsertionPointAfter(newOp);
  size_t k = n;
  for (auto [i, res] : llvm::enumerate(op.getResults())) {
    primal.map(res, newOp.getResult(i));
    if (active[i])
      tangent[res] = newOp.getResult(k++);
  }
  return success();
}

/// case: every branch returns its results and the tangents of the
/// floating-point ones (zeros where a branch has none).
LogicalResult JvpEmitter::emitCase(CaseOp op, OpBuilder &b) {
  Location loc = op.getLoc();
  SmallVector<Type> types(op.getResultTypes());
  SmallVector<unsigned> diff;
  for (auto [i, t] : llvm::enumerate(op.getResultTypes()))
    if (isDifferentiable(t)) {
      diff.push_back(i);
      types.push_back(t);
    }
  auto newOp =
      CaseOp::create(b, loc, types, primal.lookupOrDefault(op.getIndex()),
                     op.getBranches().size());
  for (auto [k, region] : llvm::enumerate(op.getBranches())) {
    Block *blk = b.createBlock(&newOp.getBranches()[k]);
    OpBuilder bb = OpBuilder::atBlockEnd(blk);
    Block &src = region.front();
    if (failed(walk(src, bb)))
      return failure();
    auto ret = cast<ReturnOp>(src.getTerminator());
    RuleBuilder br(bb, loc);
    SmallVector<Value> outs;
    for (Value v : ret.getResults())
      outs.push_back(primal.lookupOrDefault(v));
    for (unsigned i : diff) {
      Value v = ret.getResults()[i];
      outs.push_back(br.orZeros(tangent.lookup(v), primal.lookupOrDefault(v)));
    }
    ReturnOp::create(bb, loc, outs);
  }
  b.setInsertionPointAfter(newOp);
  for (auto [i, res] : llvm::enumerate(op.getResults()))
    primal.map(res, newOp.getResult(i));
  for (auto [k, i] : llvm::enumerate(diff))
    tangent[op.getResult(i)] = newOp.getResult(op.getNumResults() + k);
  return success();
}
} // namespace

FailureOr<func::FuncOp> mlir::mlax::buildJvpFunction(func::FuncOp fn,
                                                     ArrayRef<int64_t> active,
                                                     StringRef name,
                                                     PrepareFn prepare) {
  if (!fn.getBody().hasOneBlock())
    return fn.emitOpError("must have a single block to be differentiated");
  FunctionType type = fn.getFunctionType();
  SmallVector<Type> inputs(type.getInputs());
  for (int64_t a : active)
    inputs.push_back(type.getInput(a));
  SmallVector<Type> results(type.getResults());
  for (Type t : type.getResults())
    if (isDifferentiable(t))
      results.push_back(t);

  OpBuilder b(fn->getContext());
  b.setInsertionPointAfter(fn);
  auto jvpFn = func::FuncOp::create(
      b, fn.getLoc(), name,
      FunctionType::get(fn->getContext(), inputs, results));
  jvpFn.setPrivate();
  Block *entry = jvpFn.addEntryBlock();
  b.setInsertionPointToStart(entry);

  Block &src = fn.front();
  JvpEmitter emitter;
  emitter.prepare = prepare;
  for (auto [i, arg] : llvm::enumerate(src.getArguments()))
    emitter.primal.map(arg, entry->getArgument(i));
  for (auto [k, a] : llvm::enumerate(active))
    emitter.tangent[src.getArgument(a)] =
        entry->getArgument(src.getNumArguments() + k);
  if (failed(emitter.walk(src, b))) {
    jvpFn.erase();
    return failure();
  }

  auto ret = cast<func::ReturnOp>(src.getTerminator());
  SmallVector<Value> outs;
  for (Value v : ret.getOperands())
    outs.push_back(emitter.primal.lookupOrDefault(v));
  RuleBuilder r(b, ret.getLoc());
  for (Value v : ret.getOperands())
    if (isDifferentiable(v.getType()))
      outs.push_back(r.orZeros(emitter.tangent.lookup(v),
                               emitter.primal.lookupOrDefault(v)));
  func::ReturnOp::create(b, ret.getLoc(), outs);
  return jvpFn;
}
