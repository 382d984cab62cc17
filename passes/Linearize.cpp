//===- Linearize.cpp - partial evaluation of JVP functions -----------------===//
#include "passes/Linearize.h"

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
} // namespace

FailureOr<LinearizedFunctions>
mlir::mlax::linearize(func::FuncOp jvpFn, unsigned numPrimals,
                      unsigned numResults, StringRef baseName) {
  MLIRContext *ctx = jvpFn.getContext();
  Block &src = jvpFn.front();
  auto ret = cast<func::ReturnOp>(src.getTerminator());

  // Tangent dependence, forward.
  DenseSet<Value> linear;
  for (BlockArgument arg : src.getArguments().drop_front(numPrimals))
    linear.insert(arg);
  SmallVector<Operation *> primalOps, linearOps;
  for (Operation &op : src.without_terminator()) {
    bool dependent = llvm::any_of(op.getOperands(),
                                  [&](Value v) { return linear.contains(v); });
    SetVector<Value> captured;
    getUsedValuesDefinedAbove(op.getRegions(), captured);
    dependent |= llvm::any_of(captured, [&](Value v) { return linear.contains(v); });
    if (dependent && isa<WhileOp>(op))
      return op.emitOpError(
          "cannot be linearized: reverse-mode differentiation does not work "
          "for while loops (lax.while_loop, fori_loop with dynamic bounds); "
          "use jvp (forward mode), or a custom_vjp");
    if (dependent && isa<CaseOp>(op))
      return op.emitOpError(
          "cannot be linearized yet: reverse-mode differentiation of "
          "cond/switch comes with the control-flow issue; use jvp");
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
      FunctionType::get(ctx, linearInputs, type.getResults().drop_front(numResults)));
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
