//===- Transpose.cpp - transposition of linear functions ------------------===//
#include "passes/Transpose.h"

#include "dialect/MlaxOps.h"
#include "dialect/rules/RegionUtils.h"
#include "dialect/rules/RuleBuilder.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
/// The transposed function under construction: forward values of the
/// non-linear ops and the cotangents accumulated so far. Region ops get it
/// as their TransposeContext.
struct Transposer : TransposeContext {
  DenseSet<Value> linearSet;
  IRMapping forwardMap;
  DenseMap<Value, Value> ct;
  OpBuilder &b;
  func::FuncOp source;
  std::string name;

  Transposer(OpBuilder &b, func::FuncOp source, StringRef name)
      : b(b), source(source), name(name.str()) {}

  bool isLinear(Value src) override { return linearSet.contains(src); }
  Value forward(Value src) override { return forwardMap.lookupOrDefault(src); }
  LogicalResult accumulate(Value v, Value c, Location loc) override {
    if (!c)
      return success();
    if (c.getType() != v.getType())
      return emitError(loc)
             << "transpose rule produced a cotangent of type " << c.getType()
             << " for a value of type " << v.getType();
    Value &slot = ct[v];
    slot = slot ? RuleBuilder(b, loc).add(slot, c) : c;
    return success();
  }
  FailureOr<func::FuncOp> transposeFunction(func::FuncOp linearFn,
                                            unsigned numConstant,
                                            StringRef fnName) override {
    return transposeLinearFunction(linearFn, numConstant, fnName);
  }
  Operation *anchor() override { return source; }
  StringRef baseName() override { return name; }

  LogicalResult transposeOp(Operation *op);
};

LogicalResult Transposer::transposeOp(Operation *op) {
  SmallVector<Value> resultCts;
  bool any = false;
  for (Value r : op->getResults()) {
    Value c = ct.lookup(r);
    resultCts.push_back(c);
    any |= static_cast<bool>(c);
  }
  if (!any)
    return success(); // Zero cotangent: nothing to propagate.
  if (auto rule = dyn_cast<ControlFlowTransposeOpInterface>(op))
    return rule.transpose(*this, b, resultCts);
  auto rule = dyn_cast<TransposeOpInterface>(op);
  if (!rule)
    return op->emitOpError("has no transpose rule; it is not linear in its "
                           "tangent operands");
  SmallVector<Value> operands;
  for (Value v : op->getOperands())
    operands.push_back(isLinear(v) ? Value() : forward(v));
  SmallVector<Value> operandCts;
  if (failed(rule.transpose(b, operands, resultCts, operandCts)))
    return failure();
  if (operandCts.size() != op->getNumOperands())
    return op->emitOpError("transpose rule returned ")
           << operandCts.size() << " cotangents for " << op->getNumOperands()
           << " operands";
  for (auto [v, c] : llvm::zip(op->getOperands(), operandCts))
    if (c && isLinear(v))
      if (failed(accumulate(v, c, op->getLoc())))
        return failure();
  return success();
}
/// A custom_jvp_call / custom_vjp_call (or a call) applied to linear values
/// computes its primal function: the custom rules matter to differentiation,
/// not to transposition (a custom_jvp rule's tangent may call another
/// custom function, e.g. a solve, on tangents). Inlines such calls, to a
/// fixpoint, so that their bodies' ops are transposed one by one.
LogicalResult inlineLinearCalls(func::FuncOp fn, unsigned numConstant) {
  for (int round = 0; round < 64; ++round) {
    DenseSet<Value> linear;
    for (BlockArgument arg : fn.front().getArguments().drop_front(numConstant))
      linear.insert(arg);
    Operation *found = nullptr;
    for (Operation &op : fn.front().without_terminator()) {
      if (!usesAny(op, [&](Value v) { return linear.contains(v); }))
        continue;
      if (isa<CustomJvpCallOp, CustomVjpCallOp, func::CallOp>(op)) {
        found = &op;
        break;
      }
      for (Value r : op.getResults())
        linear.insert(r);
    }
    if (!found)
      return success();
    auto sym = found->getAttrOfType<FlatSymbolRefAttr>("callee");
    auto callee =
        sym ? SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(found, sym)
            : func::FuncOp();
    if (!callee || callee.isExternal() || !callee.getBody().hasOneBlock())
      return found->emitOpError(
          "is applied to linear values but its callee cannot be inlined");
    OpBuilder b(found);
    SmallVector<Value> outs = inlineBody(b, callee, found->getOperands());
    found->replaceAllUsesWith(outs);
    found->erase();
  }
  return fn.emitOpError("custom call nesting is too deep or recursive");
}
} // namespace

FailureOr<func::FuncOp>
mlir::mlax::transposeLinearFunction(func::FuncOp linearFn, unsigned numConstant,
                                    StringRef name) {
  MLIRContext *ctx = linearFn.getContext();
  if (!linearFn.getBody().hasOneBlock())
    return linearFn.emitOpError("must have a single block to be transposed");
  if (failed(inlineLinearCalls(linearFn, numConstant)))
    return failure();
  Block &src = linearFn.front();
  auto ret = cast<func::ReturnOp>(src.getTerminator());
  FunctionType type = linearFn.getFunctionType();

  SmallVector<Type> inputs(type.getInputs().take_front(numConstant));
  llvm::append_range(inputs, type.getResults());
  OpBuilder b(ctx);
  b.setInsertionPointAfter(linearFn);
  auto fn = func::FuncOp::create(
      b, linearFn.getLoc(), name,
      FunctionType::get(ctx, inputs, type.getInputs().drop_front(numConstant)));
  fn.setPrivate();
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  auto fail = [&]() -> FailureOr<func::FuncOp> {
    fn.erase();
    return failure();
  };

  Transposer t(b, linearFn, name);
  for (BlockArgument arg : src.getArguments().drop_front(numConstant))
    t.linearSet.insert(arg);
  SmallVector<Operation *> linearOps;
  t.forwardMap.map(src.getArguments().take_front(numConstant),
                   entry->getArguments().take_front(numConstant));
  // Ops that only depend on the constants are recomputed forward.
  for (Operation &op : src.without_terminator()) {
    if (usesAny(op, [&](Value v) { return t.isLinear(v); })) {
      linearOps.push_back(&op);
      for (Value r : op.getResults())
        t.linearSet.insert(r);
    } else {
      b.clone(op, t.forwardMap);
    }
  }

  for (auto [i, v] : llvm::enumerate(ret.getOperands()))
    if (t.isLinear(v))
      if (failed(t.accumulate(v, entry->getArgument(numConstant + i),
                              ret.getLoc())))
        return fail();
  for (Operation *op : llvm::reverse(linearOps))
    if (failed(t.transposeOp(op)))
      return fail();

  SmallVector<Value> outs;
  RuleBuilder r(b, ret.getLoc());
  for (BlockArgument arg : src.getArguments().drop_front(numConstant)) {
    Value c = t.ct.lookup(arg);
    outs.push_back(c ? c
                     : r.constant(cast<RankedTensorType>(arg.getType()), 0.0));
  }
  func::ReturnOp::create(b, ret.getLoc(), outs);
  return fn;
}
