//===- Batch.cpp - the batching transformation ----------------------------===//
#include "passes/Batch.h"

#include "dialect/MlaxOps.h"
#include "dialect/rules/RegionUtils.h"
#include "dialect/rules/RuleBuilder.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
/// Batches blocks: one batch dimension per value of the source, tracked in
/// `dims`; `map` sends source values to batched ones. Region and call ops
/// get this batcher as their BatchContext.
struct Batcher : BatchContext {
  int64_t n;
  IRMapping valueMap;
  DenseMap<Value, int64_t> dims;
  BatchFunctionFn batchFn = nullptr;

  Batcher(int64_t n, BatchFunctionFn batchFn) : n(n), batchFn(batchFn) {}

  int64_t batchSize() override { return n; }
  Value lookup(Value src) override { return valueMap.lookupOrDefault(src); }
  int64_t batchDim(Value v) override {
    auto it = dims.find(v);
    return it == dims.end() ? int64_t(-1) : it->second;
  }
  void map(Value src, Value v, int64_t dim) override {
    valueMap.map(src, v);
    if (dim >= 0)
      dims[src] = dim;
    else
      dims.erase(src);
  }
  LogicalResult emitBlock(Block &block, OpBuilder &b) override {
    return batchOps(block, b);
  }
  std::unique_ptr<BatchContext> fork() override {
    return std::make_unique<Batcher>(*this);
  }
  FailureOr<func::FuncOp> batchFunction(Operation *user, func::FuncOp fn,
                                        ArrayRef<int64_t> inDims,
                                        ArrayRef<int64_t> outDims) override {
    if (!batchFn)
      return user->emitOpError("cannot be batched here (no function batcher)");
    return batchFn(fn, inDims, outDims);
  }

  LogicalResult batchOps(Block &src, OpBuilder &b);
};

LogicalResult Batcher::batchOps(Block &src, OpBuilder &b) {
  for (Operation &op : src.without_terminator()) {
    SmallVector<Value> operands;
    SmallVector<int64_t> opDims;
    bool any = false;
    for (Value v : op.getOperands()) {
      operands.push_back(lookup(v));
      opDims.push_back(batchDim(v));
      any |= opDims.back() >= 0;
    }
    bool capturedBatched =
        op.getNumRegions() && llvm::any_of(capturedValues(&op), [&](Value v) {
          return batchDim(v) >= 0;
        });
    if (auto rule = dyn_cast<ControlFlowBatchOpInterface>(op);
        rule && (any || capturedBatched)) {
      if (failed(rule.batch(*this, b)))
        return failure();
      continue;
    }
    if (capturedBatched)
      return op.emitOpError("uses a batched value inside its regions; "
                            "batching this region op is not supported yet");
    if (!any) {
      b.clone(op, valueMap);
      continue;
    }
    auto rule = dyn_cast<BatchOpInterface>(&op);
    if (!rule)
      return op.emitOpError("has no batching rule");
    SmallVector<Value> newResults;
    SmallVector<int64_t> newDims;
    if (failed(rule.batch(b, operands, opDims, n, newResults, newDims)))
      return failure();
    if (newResults.size() != op.getNumResults() ||
        newDims.size() != newResults.size())
      return op.emitOpError(
          "batching rule returned the wrong number of results");
    for (auto [old, nv, d] : llvm::zip(op.getResults(), newResults, newDims)) {
      Type expected =
          d < 0 ? old.getType() : Type(withDim(old.getType(), n, d));
      if (nv.getType() != expected)
        return op.emitOpError("batching rule produced ")
               << nv.getType() << ", expected " << expected;
      map(old, nv, d);
    }
  }
  return success();
}
} // namespace

FailureOr<func::FuncOp> mlir::mlax::buildBatchedFunction(
    func::FuncOp fn, ArrayRef<int64_t> inDims, ArrayRef<int64_t> outDims,
    int64_t batchSize, StringRef name, BatchFunctionFn batchFunction) {
  MLIRContext *ctx = fn.getContext();
  if (!fn.getBody().hasOneBlock())
    return fn.emitOpError("must have a single block to be batched");
  FunctionType type = fn.getFunctionType();
  if (inDims.size() != type.getNumInputs() ||
      outDims.size() != type.getNumResults())
    return fn.emitOpError("needs one batch dimension per argument and result");
  SmallVector<Type> inputs, results;
  for (auto [t, d] : llvm::zip(type.getInputs(), inDims))
    inputs.push_back(d < 0 ? t : withDim(t, batchSize, d));
  for (auto [t, d] : llvm::zip(type.getResults(), outDims))
    results.push_back(d < 0 ? t : withDim(t, batchSize, d));

  OpBuilder b(ctx);
  b.setInsertionPointAfter(fn);
  auto batched = func::FuncOp::create(b, fn.getLoc(), name,
                                      FunctionType::get(ctx, inputs, results));
  batched.setPrivate();
  Block *entry = batched.addEntryBlock();
  b.setInsertionPointToStart(entry);
  auto fail = [&]() -> FailureOr<func::FuncOp> {
    batched.erase();
    return failure();
  };

  Block &src = fn.front();
  Batcher batcher(batchSize, batchFunction);
  for (auto [i, arg] : llvm::enumerate(src.getArguments()))
    batcher.map(arg, entry->getArgument(i), inDims[i]);
  if (failed(batcher.batchOps(src, b)))
    return fail();

  auto ret = cast<func::ReturnOp>(src.getTerminator());
  RuleBuilder r(b, ret.getLoc());
  SmallVector<Value> outs;
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Value nv = batcher.lookup(v);
    int64_t d = batcher.batchDim(v), want = outDims[i];
    if (want == kSumOverBatch) {
      outs.push_back(d >= 0 ? r.reduceSum(nv, {d}) : nv);
      continue;
    }
    if (want < 0) {
      if (d >= 0)
        return ret.emitOpError("result ")
                   << i
                   << " depends on the batch, but its out dimension is "
                      "none (-1)",
               fail();
      outs.push_back(nv);
      continue;
    }
    if (d < 0) {
      auto t = cast<RankedTensorType>(nv.getType());
      SmallVector<int64_t> bdims;
      for (int64_t k = 0; k < t.getRank(); ++k)
        bdims.push_back(k < want ? k : k + 1);
      outs.push_back(BroadcastInDimOp::create(b, ret.getLoc(),
                                              withDim(t, batchSize, want), nv,
                                              bdims)
                         .getResult());
      continue;
    }
    int64_t rank = cast<RankedTensorType>(nv.getType()).getRank();
    SmallVector<int64_t> perm;
    for (int64_t k = 0; k < rank; ++k)
      if (k != d)
        perm.push_back(k);
    perm.insert(perm.begin() + want, d);
    outs.push_back(r.transpose(nv, perm));
  }
  func::ReturnOp::create(b, ret.getLoc(), outs);
  return batched;
}
