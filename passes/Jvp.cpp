//===- Jvp.cpp - forward-mode differentiation ------------------------------===//
#include "passes/Jvp.h"

#include "dialect/MlaxOps.h"
#include "dialect/rules/RuleBuilder.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace mlir::mlax;

FailureOr<func::FuncOp> mlir::mlax::buildJvpFunction(func::FuncOp fn,
                                                     ArrayRef<int64_t> active,
                                                     StringRef name) {
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
      b, fn.getLoc(), name, FunctionType::get(fn->getContext(), inputs, results));
  jvpFn.setPrivate();
  Block *entry = jvpFn.addEntryBlock();
  b.setInsertionPointToStart(entry);

  Block &src = fn.front();
  IRMapping primal;
  DenseMap<Value, Value> tangent;
  for (auto [i, arg] : llvm::enumerate(src.getArguments()))
    primal.map(arg, entry->getArgument(i));
  for (auto [k, a] : llvm::enumerate(active))
    tangent[src.getArgument(a)] = entry->getArgument(src.getNumArguments() + k);

  auto fail = [&]() -> FailureOr<func::FuncOp> {
    jvpFn.erase();
    return failure();
  };

  for (Operation &op : src.without_terminator()) {
    Operation *clone = b.clone(op, primal);
    SmallVector<Value> operandTangents;
    bool anyTangent = false;
    for (Value v : op.getOperands()) {
      Value t = tangent.lookup(v);
      operandTangents.push_back(t);
      anyTangent |= static_cast<bool>(t);
    }
    // Values that regions capture from above must not carry tangents: no
    // rule sees them (control flow gets its rules with its own issue).
    SetVector<Value> captured;
    getUsedValuesDefinedAbove(op.getRegions(), captured);
    for (Value v : captured)
      if (tangent.lookup(v))
        return clone->emitOpError(
                   "uses a differentiated value inside its regions; JVP "
                   "through region captures is not supported yet"),
               fail();
    if (!anyTangent)
      continue; // Symbolic zeros: nothing depends on an active input.
    auto rule = dyn_cast<JvpOpInterface>(clone);
    if (!rule)
      return clone->emitOpError("has no JVP rule"), fail();
    SmallVector<Value> resultTangents;
    if (failed(rule.jvp(b, operandTangents, resultTangents)))
      return fail();
    if (resultTangents.size() != op.getNumResults())
      return clone->emitOpError("JVP rule returned ")
                 << resultTangents.size() << " tangents for "
                 << op.getNumResults() << " results",
             fail();
    for (auto [result, t] : llvm::zip(op.getResults(), resultTangents)) {
      if (!t || !isDifferentiable(result.getType()))
        continue;
      if (t.getType() != result.getType())
        return clone->emitOpError("JVP rule produced a tangent of type ")
                   << t.getType() << " for a result of type "
                   << result.getType(),
               fail();
      tangent[result] = t;
    }
  }

  auto ret = cast<func::ReturnOp>(src.getTerminator());
  SmallVector<Value> outs;
  for (Value v : ret.getOperands())
    outs.push_back(primal.lookupOrDefault(v));
  RuleBuilder r(b, ret.getLoc());
  for (Value v : ret.getOperands())
    if (isDifferentiable(v.getType()))
      outs.push_back(r.orZeros(tangent.lookup(v), primal.lookupOrDefault(v)));
  func::ReturnOp::create(b, ret.getLoc(), outs);
  return jvpFn;
}
