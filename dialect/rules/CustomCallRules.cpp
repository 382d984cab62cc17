//===- CustomCallRules.cpp - rules of custom_jvp_call / custom_vjp_call ---===//
//
// A custom_jvp_call differentiates through its rule function, a
// custom_vjp_call through fwd plus an mlax.custom_lin that bwd transposes
// (TransposeLinear.cpp). Batching keeps the custom call, of batched
// functions, so that a later differentiation still uses the rules.
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/rules/RegionUtils.h"
#include "dialect/rules/RuleBuilder.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
/// Tangents of the differentiable operands, zeros instantiated (custom rules
/// take all of them, as in JAX).
SmallVector<Value> denseTangents(JvpContext &ctx, RuleBuilder &r,
                                 ValueRange operands) {
  SmallVector<Value> out;
  for (Value v : operands)
    if (isDifferentiable(v.getType()))
      out.push_back(r.orZeros(ctx.tangent(v), ctx.primal(v)));
  return out;
}

/// The op cloned with its operands' primal values: the primal results stay
/// a call of the callee.
Operation *clonePrimal(JvpContext &ctx, OpBuilder &b, Operation *op) {
  IRMapping map;
  for (Value v : op->getOperands())
    map.map(v, ctx.primal(v));
  Operation *clone = b.clone(*op, map);
  for (auto [old, nv] : llvm::zip(op->getResults(), clone->getResults()))
    ctx.mapPrimal(old, nv);
  return clone;
}

/// Maps the differentiable results of `op` to `tangents`, in order.
void mapDenseTangents(JvpContext &ctx, Operation *op,
                      ArrayRef<Value> tangents) {
  for (Value result : op->getResults())
    if (isDifferentiable(result.getType()))
      ctx.mapTangent(result, tangents.consume_front());
}
} // namespace

LogicalResult CustomJvpCallOp::jvp(JvpContext &ctx, OpBuilder &b) {
  bool owned;
  FailureOr<func::FuncOp> rule =
      ctx.prepareFunction(*this, getJvpAttr(), owned);
  if (failed(rule))
    return failure();
  RuleBuilder r(b, getLoc());
  clonePrimal(ctx, b, *this);
  SmallVector<Value> args;
  for (Value v : getArgs())
    args.push_back(ctx.primal(v));
  llvm::append_range(args, denseTangents(ctx, r, getArgs()));
  SmallVector<Value> outs = inlineBody(b, *rule, args);
  if (owned)
    rule->erase();
  mapDenseTangents(ctx, *this,
                   ArrayRef<Value>(outs).drop_front(getNumResults()));
  return success();
}

LogicalResult CustomVjpCallOp::jvp(JvpContext &ctx, OpBuilder &b) {
  bool owned;
  FailureOr<func::FuncOp> fwd = ctx.prepareFunction(*this, getFwdAttr(), owned);
  if (failed(fwd))
    return failure();
  clonePrimal(ctx, b, *this);
  SmallVector<Value> args;
  for (Value v : getArgs())
    args.push_back(ctx.primal(v));
  SmallVector<Value> outs = inlineBody(b, *fwd, args);
  if (owned)
    fwd->erase();
  RuleBuilder r(b, getLoc());
  SmallVector<Value> residuals(
      ArrayRef<Value>(outs).drop_front(getNumResults()));
  SmallVector<Type> types;
  for (Value v : getResults())
    if (isDifferentiable(v.getType()))
      types.push_back(v.getType());
  auto lin = CustomLinOp::create(b, getLoc(), types, getBwdAttr(), residuals,
                                 denseTangents(ctx, r, getArgs()));
  SmallVector<Value> linResults(lin.getResults());
  mapDenseTangents(ctx, *this, linResults);
  return success();
}

namespace {
/// Operands with the batch at the front (inDims 0) or unbatched (-1).
void frontOperands(BatchContext &ctx, OpBuilder &b, Operation *op,
                   SmallVectorImpl<Value> &operands,
                   SmallVectorImpl<int64_t> &inDims) {
  RuleBuilder r(b, op->getLoc());
  for (Value v : op->getOperands()) {
    int64_t d = ctx.batchDim(v);
    Value nv = ctx.lookup(v);
    operands.push_back(d >= 0 ? toFront(r, nv, d, ctx.batchSize()) : nv);
    inDims.push_back(d >= 0 ? 0 : -1);
  }
}

FailureOr<func::FuncOp> lookupFunction(Operation *op, FlatSymbolRefAttr sym) {
  auto fn = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(op, sym);
  if (!fn)
    return op->emitOpError("'") << sym.getValue() << "' names no func.func";
  return fn;
}

/// Maps every result of `op` to `newOp`'s, batched at 0.
void mapFrontResults(BatchContext &ctx, Operation *op, Operation *newOp) {
  for (auto [old, nv] : llvm::zip(op->getResults(), newOp->getResults()))
    ctx.map(old, nv, 0);
}
} // namespace

/// The batched function and rule (batch dims at the front, every result
/// batched), in a custom_jvp_call again.
LogicalResult CustomJvpCallOp::batch(BatchContext &ctx, OpBuilder &b) {
  SmallVector<Value> operands;
  SmallVector<int64_t> inDims;
  frontOperands(ctx, b, *this, operands, inDims);
  FailureOr<func::FuncOp> callee = lookupFunction(*this, getCalleeAttr());
  FailureOr<func::FuncOp> rule = lookupFunction(*this, getJvpAttr());
  if (failed(callee) || failed(rule))
    return failure();
  SmallVector<int64_t> outDims(getNumResults(), 0);
  FailureOr<func::FuncOp> fb =
      ctx.batchFunction(*this, *callee, inDims, outDims);
  if (failed(fb))
    return failure();
  SmallVector<int64_t> ruleIn(inDims);
  for (auto [v, d] : llvm::zip(getArgs(), inDims))
    if (isDifferentiable(v.getType()))
      ruleIn.push_back(d);
  SmallVector<int64_t> ruleOut(rule->getFunctionType().getNumResults(), 0);
  FailureOr<func::FuncOp> rb = ctx.batchFunction(*this, *rule, ruleIn, ruleOut);
  if (failed(rb))
    return failure();
  auto newOp =
      CustomJvpCallOp::create(b, getLoc(), fb->getFunctionType().getResults(),
                              fb->getSymName(), rb->getSymName(), operands);
  mapFrontResults(ctx, *this, newOp);
  return success();
}

/// fwd is batched like the function (all of its results, residuals
/// included, batched at 0); bwd takes every residual and cotangent batched
/// at 0 and sums its cotangents of shared (unbatched) operands over the
/// batch (JAX's batch_custom_vjp_bwd).
LogicalResult CustomVjpCallOp::batch(BatchContext &ctx, OpBuilder &b) {
  SmallVector<Value> operands;
  SmallVector<int64_t> inDims;
  frontOperands(ctx, b, *this, operands, inDims);
  FailureOr<func::FuncOp> callee = lookupFunction(*this, getCalleeAttr());
  FailureOr<func::FuncOp> fwd = lookupFunction(*this, getFwdAttr());
  FailureOr<func::FuncOp> bwd = lookupFunction(*this, getBwdAttr());
  if (failed(callee) || failed(fwd) || failed(bwd))
    return failure();
  SmallVector<int64_t> outDims(getNumResults(), 0);
  FailureOr<func::FuncOp> fb =
      ctx.batchFunction(*this, *callee, inDims, outDims);
  if (failed(fb))
    return failure();
  SmallVector<int64_t> fwdOut(fwd->getFunctionType().getNumResults(), 0);
  FailureOr<func::FuncOp> fwdB = ctx.batchFunction(*this, *fwd, inDims, fwdOut);
  if (failed(fwdB))
    return failure();
  SmallVector<int64_t> bwdIn(bwd->getFunctionType().getNumInputs(), 0);
  SmallVector<int64_t> bwdOut;
  for (auto [v, d] : llvm::zip(getArgs(), inDims))
    if (isDifferentiable(v.getType()))
      bwdOut.push_back(d >= 0 ? 0 : kSumOverBatch);
  if (bwdOut.size() != bwd->getFunctionType().getNumResults())
    return emitOpError("bwd function returns ")
           << bwd->getFunctionType().getNumResults()
           << " cotangents, expected one per differentiable operand ("
           << bwdOut.size() << ")";
  FailureOr<func::FuncOp> bwdB = ctx.batchFunction(*this, *bwd, bwdIn, bwdOut);
  if (failed(bwdB))
    return failure();
  auto newOp = CustomVjpCallOp::create(
      b, getLoc(), fb->getFunctionType().getResults(), fb->getSymName(),
      fwdB->getSymName(), bwdB->getSymName(), operands);
  mapFrontResults(ctx, *this, newOp);
  return success();
}
