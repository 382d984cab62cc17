//===- Transpose.cpp - transposition of linear functions -------------------===//
#include "passes/Transpose.h"

#include "dialect/MlaxOps.h"
#include "dialect/rules/RuleBuilder.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::mlax;

FailureOr<func::FuncOp>
mlir::mlax::transposeLinearFunction(func::FuncOp linearFn, unsigned numConstant,
                                    StringRef name) {
  MLIRContext *ctx = linearFn.getContext();
  if (!linearFn.getBody().hasOneBlock())
    return linearFn.emitOpError("must have a single block to be transposed");
  Block &src = linearFn.front();
  auto ret = cast<func::ReturnOp>(src.getTerminator());
  FunctionType type = linearFn.getFunctionType();

  DenseSet<Value> linear;
  for (BlockArgument arg : src.getArguments().drop_front(numConstant))
    linear.insert(arg);
  SmallVector<Operation *> forwardOps, linearOps;
  for (Operation &op : src.without_terminator()) {
    if (llvm::any_of(op.getOperands(), [&](Value v) { return linear.contains(v); })) {
      linearOps.push_back(&op);
      for (Value r : op.getResults())
        linear.insert(r);
    } else {
      forwardOps.push_back(&op);
    }
  }

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

  IRMapping forward;
  forward.map(src.getArguments().take_front(numConstant),
              entry->getArguments().take_front(numConstant));
  for (Operation *op : forwardOps)
    b.clone(*op, forward);

  DenseMap<Value, Value> ct;
  auto accumulate = [&](Value v, Value c, Location loc) -> LogicalResult {
    if (!c)
      return success();
    if (c.getType() != v.getType())
      return emitError(loc) << "transpose rule produced a cotangent of type "
                            << c.getType() << " for a value of type "
                            << v.getType();
    Value &slot = ct[v];
    slot = slot ? RuleBuilder(b, loc).add(slot, c) : c;
    return success();
  };
  for (auto [i, v] : llvm::enumerate(ret.getOperands()))
    if (linear.contains(v))
      if (failed(accumulate(v, entry->getArgument(numConstant + i), ret.getLoc())))
        return fail();

  for (Operation *op : llvm::reverse(linearOps)) {
    SmallVector<Value> resultCts;
    bool any = false;
    for (Value r : op->getResults()) {
      Value c = ct.lookup(r);
      resultCts.push_back(c);
      any |= static_cast<bool>(c);
    }
    if (!any)
      continue; // Zero cotangent: nothing to propagate.
    if (isa<WhileOp>(op))
      return op->emitOpError("cannot be transposed: reverse-mode "
                             "differentiation does not work for while loops "
                             "(lax.while_loop, fori_loop with dynamic bounds); "
                             "use jvp, or a custom_vjp"),
             fail();
    if (isa<CaseOp>(op))
      return op->emitOpError("cannot be transposed yet: reverse-mode "
                             "differentiation of cond/switch comes with the "
                             "control-flow issue; use jvp"),
             fail();
    auto rule = dyn_cast<TransposeOpInterface>(op);
    if (!rule)
      return op->emitOpError("has no transpose rule; it is not linear in its "
                             "tangent operands"),
             fail();
    SmallVector<Value> operands;
    for (Value v : op->getOperands())
      operands.push_back(linear.contains(v) ? Value()
                                            : forward.lookupOrDefault(v));
    SmallVector<Value> operandCts;
    if (failed(rule.transpose(b, operands, resultCts, operandCts)))
      return fail();
    if (operandCts.size() != op->getNumOperands())
      return op->emitOpError("transpose rule returned ")
                 << operandCts.size() << " cotangents for "
                 << op->getNumOperands() << " operands",
             fail();
    for (auto [v, c] : llvm::zip(op->getOperands(), operandCts))
      if (c && linear.contains(v))
        if (failed(accumulate(v, c, op->getLoc())))
          return fail();
  }

  SmallVector<Value> outs;
  RuleBuilder r(b, ret.getLoc());
  for (BlockArgument arg : src.getArguments().drop_front(numConstant)) {
    Value c = ct.lookup(arg);
    outs.push_back(c ? c : r.constant(cast<RankedTensorType>(arg.getType()), 0.0));
  }
  func::ReturnOp::create(b, ret.getLoc(), outs);
  return fn;
}
