//===- Jvp.cpp - forward-mode differentiation -----------------------------===//
#include "passes/Jvp.h"

#include "dialect/MlaxOps.h"
#include "dialect/rules/RegionUtils.h"
#include "dialect/rules/RuleBuilder.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
/// Walks blocks in order: clones each op for its primal values and emits its
/// tangent computation with the op's rule. Region and call ops get this
/// walker as their JvpContext (regions see enclosing values, so a region is
/// walked with the same maps).
struct JvpEmitter : JvpContext {
  IRMapping primalMap;
  DenseMap<Value, Value> tangentMap;
  PrepareFn prepare;

  Value primal(Value src) override { return primalMap.lookupOrDefault(src); }
  Value tangent(Value src) override { return tangentMap.lookup(src); }
  void mapPrimal(Value src, Value v) override { primalMap.map(src, v); }
  void mapTangent(Value src, Value t) override {
    if (t)
      tangentMap[src] = t;
    else
      tangentMap.erase(src);
  }
  LogicalResult emitBlock(Block &block, OpBuilder &b) override;
  std::unique_ptr<JvpContext> fork() override {
    return std::make_unique<JvpEmitter>(*this);
  }
  FailureOr<func::FuncOp> prepareFunction(Operation *user,
                                          FlatSymbolRefAttr sym,
                                          bool &owned) override {
    auto fn = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(user, sym);
    if (!fn || fn.isExternal())
      return user->emitOpError("'")
             << sym.getValue() << "' does not name a func.func with a body";
    owned = static_cast<bool>(prepare);
    if (!prepare)
      return fn;
    return prepare(fn);
  }

  LogicalResult emitOp(Operation &op, OpBuilder &b);
};

LogicalResult JvpEmitter::emitBlock(Block &block, OpBuilder &b) {
  for (Operation &op : block.without_terminator())
    if (failed(emitOp(op, b)))
      return failure();
  return success();
}

LogicalResult JvpEmitter::emitOp(Operation &op, OpBuilder &b) {
  bool anyTangent = usesAny(op, [&](Value v) { return (bool)tangent(v); });
  if (!anyTangent) {
    b.clone(op, primalMap); // Symbolic zeros: nothing depends on a tangent.
    return success();
  }
  if (auto rule = dyn_cast<ControlFlowJvpOpInterface>(op))
    return rule.jvp(*this, b);
  if (op.getNumRegions() && llvm::any_of(capturedValues(&op), [&](Value v) {
        return (bool)tangent(v);
      }))
    return op.emitOpError("uses a differentiated value inside its regions; "
                          "JVP of this region op is not supported");
  Operation *clone = b.clone(op, primalMap);
  auto rule = dyn_cast<JvpOpInterface>(clone);
  if (!rule)
    return clone->emitOpError("has no JVP rule");
  SmallVector<Value> operandTangents;
  for (Value v : op.getOperands())
    operandTangents.push_back(tangent(v));
  SmallVector<Value> resultTangents;
  if (failed(rule.jvp(b, operandTangents, resultTangents)))
    return failure();
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
    tangentMap[result] = t;
  }
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
    emitter.mapPrimal(arg, entry->getArgument(i));
  for (auto [k, a] : llvm::enumerate(active))
    emitter.mapTangent(src.getArgument(a),
                       entry->getArgument(src.getNumArguments() + k));
  if (failed(emitter.emitBlock(src, b))) {
    jvpFn.erase();
    return failure();
  }

  auto ret = cast<func::ReturnOp>(src.getTerminator());
  SmallVector<Value> outs;
  for (Value v : ret.getOperands())
    outs.push_back(emitter.primal(v));
  RuleBuilder r(b, ret.getLoc());
  for (Value v : ret.getOperands())
    if (isDifferentiable(v.getType()))
      outs.push_back(r.orZeros(emitter.tangent(v), emitter.primal(v)));
  func::ReturnOp::create(b, ret.getLoc(), outs);
  return jvpFn;
}
