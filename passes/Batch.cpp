//===- Batch.cpp - the batching transformation -----------------------------===//
#include "passes/Batch.h"

#include "dialect/MlaxOps.h"
#include "dialect/rules/RuleBuilder.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
RankedTensorType withDim(Type t, int64_t n, int64_t at) {
  auto type = cast<RankedTensorType>(t);
  SmallVector<int64_t> shape(type.getShape());
  shape.insert(shape.begin() + at, n);
  return type.clone(shape);
}
} // namespace

FailureOr<func::FuncOp>
mlir::mlax::buildBatchedFunction(func::FuncOp fn, ArrayRef<int64_t> inDims,
                                 ArrayRef<int64_t> outDims, int64_t batchSize,
                                 StringRef name) {
  MLIRContext *ctx = fn.getContext();
  if (!fn.getBody().hasOneBlock())
    return fn.emitOpError("must have a single block to be batched");
  FunctionType type = fn.getFunctionType();
  if (inDims.size() != type.getNumInputs() || outDims.size() != type.getNumResults())
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
  IRMapping map;
  DenseMap<Value, int64_t> batchDim;
  for (auto [i, arg] : llvm::enumerate(src.getArguments())) {
    map.map(arg, entry->getArgument(i));
    if (inDims[i] >= 0)
      batchDim[arg] = inDims[i];
  }
  auto dimOf = [&](Value v) {
    auto it = batchDim.find(v);
    return it == batchDim.end() ? int64_t(-1) : it->second;
  };

  for (Operation &op : src.without_terminator()) {
    SmallVector<Value> operands;
    SmallVector<int64_t> dims;
    bool any = false;
    for (Value v : op.getOperands()) {
      operands.push_back(map.lookupOrDefault(v));
      dims.push_back(dimOf(v));
      any |= dims.back() >= 0;
    }
    SetVector<Value> captured;
    getUsedValuesDefinedAbove(op.getRegions(), captured);
    for (Value v : captured)
      if (dimOf(v) >= 0)
        return op.emitOpError("uses a batched value inside its regions; "
                              "batching region captures is not supported yet"),
               fail();
    if (!any) {
      b.clone(op, map);
      continue;
    }
    auto rule = dyn_cast<BatchOpInterface>(&op);
    if (!rule)
      return op.emitOpError("has no batching rule"), fail();
    SmallVector<Value> newResults;
    SmallVector<int64_t> newDims;
    if (failed(rule.batch(b, operands, dims, batchSize, newResults, newDims)))
      return fail();
    if (newResults.size() != op.getNumResults() || newDims.size() != newResults.size())
      return op.emitOpError("batching rule returned the wrong number of results"),
             fail();
    for (auto [old, nv, d] : llvm::zip(op.getResults(), newResults, newDims)) {
      Type expected = d < 0 ? old.getType() : withDim(old.getType(), batchSize, d);
      if (nv.getType() != expected)
        return op.emitOpError("batching rule produced ")
                   << nv.getType() << ", expected " << expected,
               fail();
      map.map(old, nv);
      if (d >= 0)
        batchDim[old] = d;
    }
  }

  auto ret = cast<func::ReturnOp>(src.getTerminator());
  RuleBuilder r(b, ret.getLoc());
  SmallVector<Value> outs;
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Value nv = map.lookupOrDefault(v);
    int64_t d = dimOf(v), want = outDims[i];
    if (want < 0) {
      if (d >= 0)
        return ret.emitOpError("result ")
                   << i << " depends on the batch, but its out dimension is "
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
                                              withDim(t, batchSize, want), nv, bdims)
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
