//===- Linearize.cpp - partial evaluation of JVP functions ----------------===//
#include "passes/Linearize.h"

#include "dialect/MlaxOps.h"
#include "dialect/rules/RegionUtils.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
/// Values whose recomputation costs nothing: constants and iotas.
/// Constants, iotas and broadcasts / reshapes / conversions of them: the
/// linear part recomputes them instead of taking them as residuals (a
/// Python scalar times a tensor is a broadcast constant; a loop would
/// otherwise store it per iteration).
bool isRematerializable(Value v) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return false;
  if (isa<ConstantOp, IotaOp>(def))
    return true;
  return isa<BroadcastInDimOp, ReshapeOp, ConvertOp>(def) &&
         isRematerializable(def->getOperand(0));
}

bool usesLinear(Operation &op, const DenseSet<Value> &linear) {
  return usesAny(op, [&](Value v) { return linear.contains(v); });
}

/// The linearize transformation as region ops see it.
struct PartialEvaluator : PartialEvalContext {
  DenseSet<Value> linearSet;
  func::FuncOp parent;
  std::string base;

  DenseSet<Value> &linear() override { return linearSet; }
  void propagate(Block &block, DenseSet<Value> &linear) override;
  FailureOr<LinearizedFunctions> linearize(func::FuncOp jvpFn,
                                           unsigned numPrimals,
                                           unsigned numResults,
                                           StringRef baseName) override {
    return mlax::linearize(jvpFn, numPrimals, numResults, baseName);
  }
  Operation *anchor() override { return parent; }
  StringRef baseName() override { return base; }

  /// Adds to `linear` the results of `op` that depend on it (region ops
  /// say which, result by result).
  void markLinearResults(Operation &op, DenseSet<Value> &linear) {
    if (!usesLinear(op, linear))
      return;
    if (auto rule = dyn_cast<PartialEvalOpInterface>(op)) {
      SmallVector<bool> isLinear;
      rule.linearResults(*this, linear, isLinear);
      for (auto [r, lin] : llvm::zip(op.getResults(), isLinear))
        if (lin)
          linear.insert(r);
      return;
    }
    for (Value r : op.getResults())
      linear.insert(r);
  }
};

void PartialEvaluator::propagate(Block &block, DenseSet<Value> &linear) {
  for (Operation &op : block.without_terminator())
    markLinearResults(op, linear);
}
} // namespace

FailureOr<LinearizedFunctions> mlir::mlax::linearize(func::FuncOp jvpFn,
                                                     unsigned numPrimals,
                                                     unsigned numResults,
                                                     StringRef baseName) {
  MLIRContext *ctx = jvpFn.getContext();
  Block &src = jvpFn.front();
  auto ret = cast<func::ReturnOp>(src.getTerminator());

  // Tangent dependence, forward. Region ops that mix primal and tangent
  // computation are first split into a primal and a linear op.
  DenseSet<Value> linear;
  for (BlockArgument arg : src.getArguments().drop_front(numPrimals))
    linear.insert(arg);
  {
    PartialEvaluator pe;
    pe.linearSet = linear;
    pe.parent = jvpFn;
    pe.base = baseName.str();
    SmallVector<PartialEvalOpInterface> mixed;
    for (Operation &op : src.without_terminator()) {
      if (!usesLinear(op, pe.linearSet))
        continue;
      pe.markLinearResults(op, pe.linearSet);
      if (auto rule = dyn_cast<PartialEvalOpInterface>(op))
        mixed.push_back(rule);
    }
    for (PartialEvalOpInterface rule : mixed) {
      // The rule erases the op: its results must leave the set first (a
      // new value could take an erased one's address).
      for (Value r : rule->getResults())
        pe.linearSet.erase(r);
      if (failed(rule.partialEval(pe)))
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
    if (op->getNumRegions())
      for (Value v : capturedValues(op))
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
      Operation *def = v.getDefiningOp();
      for (Value operand : def->getOperands())
        remat(operand);
      lb.clone(*def, map);
    };
    for (Operation *op : linearOps) {
      for (Value v : op->getOperands())
        remat(v);
      if (op->getNumRegions()) // region ops may capture constants too
        for (Value v : capturedValues(op))
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
