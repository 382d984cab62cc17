//===- RegionUtils.cpp - helpers of the region-op rules -------------------===//
#include "dialect/rules/RegionUtils.h"
#include "dialect/rules/RuleBuilder.h"

#include "dialect/MlaxOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace mlir::mlax;

SmallVector<Value> mlir::mlax::cloneBlockBody(OpBuilder &b, Block &src,
                                              ValueRange args, IRMapping map) {
  map.map(src.getArguments(), args);
  for (Operation &op : src.without_terminator())
    b.clone(op, map);
  SmallVector<Value> results;
  for (Value v : src.getTerminator()->getOperands())
    results.push_back(map.lookupOrDefault(v));
  return results;
}

SetVector<Value> mlir::mlax::capturedValues(Operation *op) {
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(op->getRegions(), captured);
  return captured;
}

SetVector<Value> mlir::mlax::capturedValues(Region &region) {
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(region, captured);
  return captured;
}

bool mlir::mlax::usesAny(Operation &op, llvm::function_ref<bool(Value)> pred) {
  if (llvm::any_of(op.getOperands(), pred))
    return true;
  if (op.getNumRegions() == 0)
    return false;
  return llvm::any_of(capturedValues(&op), pred);
}

void mlir::mlax::partitionValues(ArrayRef<Value> values,
                                 llvm::function_ref<bool(Value)> pred,
                                 SmallVectorImpl<Value> &yes,
                                 SmallVectorImpl<Value> &no) {
  for (Value v : values)
    (pred(v) ? yes : no).push_back(v);
}

LogicalResult mlir::mlax::trialWalk(
    MLIRContext *ctx, TypeRange argTypes, Location loc,
    llvm::function_ref<LogicalResult(Block *, OpBuilder &)> walk) {
  auto block = std::make_unique<Block>();
  for (Type t : argTypes)
    block->addArgument(t, loc);
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(block.get());
  LogicalResult result = walk(block.get(), b);
  for (Operation &o : llvm::reverse(block->getOperations()))
    o.dropAllUses();
  block->dropAllReferences();
  while (!block->empty())
    block->back().erase();
  return result;
}

std::string mlir::mlax::freshSymbol(Operation *anchor, StringRef base) {
  Operation *table = SymbolTable::getNearestSymbolTable(
      anchor->getParentOp() ? anchor->getParentOp() : anchor);
  for (int i = 0;; ++i) {
    std::string name = i ? (base + "_" + Twine(i)).str() : base.str();
    if (!SymbolTable::lookupSymbolIn(table, name))
      return name;
  }
}

func::FuncOp mlir::mlax::outlineRegion(Region &region, ArrayRef<Value> inputs,
                                       ArrayRef<unsigned> resultOrder,
                                       Operation *anchor, StringRef name) {
  MLIRContext *ctx = anchor->getContext();
  Block &src = region.front();
  Operation *term = src.getTerminator();
  SmallVector<Type> inTypes, outTypes;
  for (Value v : inputs)
    inTypes.push_back(v.getType());
  for (unsigned i : resultOrder)
    outTypes.push_back(term->getOperand(i).getType());
  OpBuilder b(anchor);
  auto fn = func::FuncOp::create(b, anchor->getLoc(), freshSymbol(anchor, name),
                                 FunctionType::get(ctx, inTypes, outTypes));
  fn.setPrivate();
  Block *entry = fn.addEntryBlock();
  IRMapping map;
  for (auto [v, arg] : llvm::zip(inputs, entry->getArguments()))
    map.map(v, arg);
  OpBuilder fb = OpBuilder::atBlockBegin(entry);
  for (Operation &op : src.without_terminator())
    fb.clone(op, map);
  SmallVector<Value> outs;
  for (unsigned i : resultOrder)
    outs.push_back(map.lookupOrDefault(term->getOperand(i)));
  func::ReturnOp::create(fb, term->getLoc(), outs);
  return fn;
}

void mlir::mlax::inlineFunctionInto(func::FuncOp fn, ValueRange args,
                                    Region &dst, OpBuilder &b) {
  OpBuilder::InsertionGuard guard(b);
  b.createBlock(&dst);
  SmallVector<Value> outs = inlineBody(b, fn, args);
  ReturnOp::create(b, fn.front().getTerminator()->getLoc(), outs);
}

SmallVector<Value> mlir::mlax::jvpRegionResults(JvpContext &ctx, OpBuilder &b,
                                                Location loc,
                                                ValueRange results,
                                                ArrayRef<bool> active) {
  RuleBuilder r(b, loc);
  SmallVector<Value> outs;
  for (Value v : results)
    outs.push_back(ctx.primal(v));
  for (auto [v, a] : llvm::zip(results, active))
    if (a)
      outs.push_back(r.orZeros(ctx.tangent(v), ctx.primal(v)));
  return outs;
}

RegionTransposeSetup::RegionTransposeSetup(TransposeContext &ctx, OpBuilder &b,
                                           Operation *op,
                                           ArrayRef<Value> resultCts) {
  partitionValues(
      capturedValues(op).getArrayRef(),
      [&](Value v) { return ctx.isLinear(v); }, linCaps, constCaps);
  for (Value v : constCaps)
    args.push_back(ctx.forward(v));
  RuleBuilder r(b, op->getLoc());
  for (auto [res, c] : llvm::zip(op->getResults(), resultCts))
    args.push_back(c ? c : r.zerosLike(res));
}

FailureOr<func::FuncOp> RegionTransposeSetup::transpose(TransposeContext &ctx,
                                                        Operation *op,
                                                        Region &region,
                                                        StringRef suffix) {
  SmallVector<Value> inputs(constCaps);
  llvm::append_range(inputs, linCaps);
  SmallVector<unsigned> order;
  for (unsigned i = 0; i < op->getNumResults(); ++i)
    order.push_back(i);
  func::FuncOp fn = outlineRegion(region, inputs, order, ctx.anchor(),
                                  (ctx.baseName() + suffix).str());
  FailureOr<func::FuncOp> t = ctx.transposeFunction(
      fn, constCaps.size(),
      freshSymbol(ctx.anchor(), (ctx.baseName() + suffix + "_t").str()));
  fn.erase();
  return t;
}
