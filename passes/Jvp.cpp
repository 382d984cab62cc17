//===- Jvp.cpp - forward-mode differentiation ------------------------------===//
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
    return op->emitOpError("'") << sym.getValue()
                                << "' does not name a func.func with a body";
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
    resultTangents.push_back(isDifferentiable(result.getType()) ? t.consume_front()
                                                                : Value());
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
  SmallVector<Value> residuals(ArrayRef<Value>(outs).drop_front(clone.getNumResults()));
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
    resultTangents.push_back(isDifferentiable(result.getType()) ? t.consume_front()
                                                                : Value());
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
    SmallVector<Value> resultTangents;
    if (auto custom = dyn_cast<CustomJvpCallOp>(clone)) {
      if (failed(customJvp(b, custom, operandTangents, prepare, resultTangents)))
        return fail();
    } else if (auto custom = dyn_cast<CustomVjpCallOp>(clone)) {
      if (failed(customVjp(b, custom, operandTangents, prepare, resultTangents)))
        return fail();
    } else {
      auto rule = dyn_cast<JvpOpInterface>(clone);
      if (!rule)
        return clone->emitOpError("has no JVP rule"), fail();
      if (failed(rule.jvp(b, operandTangents, resultTangents)))
        return fail();
    }
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
