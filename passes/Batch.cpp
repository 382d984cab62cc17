//===- Batch.cpp - the batching transformation
//-----------------------------===//
#include "passes/Batch.h"

#include "dialect/MlaxOps.h"
#include "dialect/rules/RuleBuilder.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
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

namespace {
/// Batches blocks: one batch dimension per value of the source, tracked in
/// `dims`; `map` sends source values to batched ones. Region ops whose
/// regions see batched values (mlax.while) are batched recursively.
struct Batcher {
  int64_t n;
  IRMapping map;
  DenseMap<Value, int64_t> dims;
  BatchFunctionFn batchFunction = nullptr;

  int64_t dimOf(Value v) const {
    auto it = dims.find(v);
    return it == dims.end() ? int64_t(-1) : it->second;
  }

  /// `v` (a batched-function value with batch dim `d`) with the batch at 0,
  /// broadcast if unbatched.
  Value toFront(OpBuilder &b, Location loc, Value v, int64_t d) {
    RuleBuilder r(b, loc);
    auto t = cast<RankedTensorType>(v.getType());
    if (d < 0) {
      SmallVector<int64_t> bdims;
      for (int64_t k = 0; k < t.getRank(); ++k)
        bdims.push_back(k + 1);
      return BroadcastInDimOp::create(b, loc, withDim(t, n, 0), v, bdims)
          .getResult();
    }
    if (d == 0)
      return v;
    SmallVector<int64_t> perm{d};
    for (int64_t k = 0; k < t.getRank(); ++k)
      if (k != d)
        perm.push_back(k);
    return r.transpose(v, perm);
  }

  LogicalResult batchOps(Block &src, OpBuilder &b);
  LogicalResult batchWhile(WhileOp op, OpBuilder &b);
  LogicalResult batchCase(CaseOp op, OpBuilder &b);
  LogicalResult batchCustomCall(Operation *op, OpBuilder &b);
  /// Batches `block` (a region's block) into `dst` whose arguments have the
  /// batch at 0 where `batched`; returns the terminator operands (mapped)
  /// and their dims. Does not create a terminator.
  LogicalResult batchRegionBlock(Block &block, Block *dst,
                                 ArrayRef<bool> batched,
                                 SmallVectorImpl<Value> &results,
                                 SmallVectorImpl<int64_t> &resultDims);
};

LogicalResult Batcher::batchRegionBlock(Block &block, Block *dst,
                                        ArrayRef<bool> batched,
                                        SmallVectorImpl<Value> &results,
                                        SmallVectorImpl<int64_t> &resultDims) {
  for (auto [arg, dstArg, bt] :
       llvm::zip(block.getArguments(), dst->getArguments(), batched)) {
    map.map(arg, dstArg);
    if (bt)
      dims[arg] = 0;
    else
      dims.erase(arg);
  }
  // `dst` may be a detached scratch block: take the context from `block`.
  OpBuilder b(block.getParentOp()->getContext());
  b.setInsertionPointToEnd(dst);
  if (failed(batchOps(block, b)))
    return failure();
  for (Value v : block.getTerminator()->getOperands()) {
    results.push_back(map.lookupOrDefault(v));
    resultDims.push_back(dimOf(v));
  }
  return success();
}

LogicalResult Batcher::batchWhile(WhileOp op, OpBuilder &b) {
  Location loc = op.getLoc();
  size_t numCarried = op.getOperand().size();
  SmallVector<bool> batched;
  for (Value v : op.getOperand())
    batched.push_back(dimOf(v) >= 0);
  auto types = [&](ArrayRef<bool> bt) {
    SmallVector<Type> ts;
    for (auto [v, x] : llvm::zip(op.getOperand(), bt))
      ts.push_back(x ? Type(withDim(v.getType(), n, 0)) : v.getType());
    return ts;
  };
  auto trial = [&](Region &region, ArrayRef<bool> bt,
                   SmallVectorImpl<int64_t> &outDims) -> LogicalResult {
    auto tmp = std::make_unique<Block>();
    for (Type t : types(bt))
      tmp->addArgument(t, loc);
    Batcher sub = *this;
    SmallVector<Value> results;
    LogicalResult res =
        sub.batchRegionBlock(region.front(), tmp.get(), bt, results, outDims);
    for (Operation &o : llvm::reverse(tmp->getOperations()))
      o.dropAllUses();
    tmp->dropAllReferences();
    while (!tmp->empty())
      tmp->back().erase();
    return res;
  };
  // Carried values the body makes batched become batched (to a fixpoint);
  // a batched predicate makes every carried value batched.
  for (size_t round = 0; round <= numCarried + 1; ++round) {
    SmallVector<int64_t> bodyDims, condDims;
    if (failed(trial(op.getBody(), batched, bodyDims)) ||
        failed(trial(op.getCond(), batched, condDims)))
      return failure();
    bool changed = false;
    for (size_t i = 0; i < numCarried; ++i)
      if (!batched[i] && (bodyDims[i] >= 0 || condDims[0] >= 0)) {
        batched[i] = true;
        changed = true;
      }
    if (!changed)
      break;
  }
  SmallVector<int64_t> condDims;
  if (failed(trial(op.getCond(), batched, condDims)))
    return failure();
  bool predBatched = condDims[0] >= 0;

  SmallVector<Value> operands;
  for (auto [v, bt] : llvm::zip(op.getOperand(), batched)) {
    Value nv = map.lookupOrDefault(v);
    operands.push_back(bt ? toFront(b, loc, nv, dimOf(v)) : nv);
  }
  SmallVector<Type> carriedTypes = types(batched);
  auto newOp = WhileOp::create(b, loc, carriedTypes, operands);
  newOp.setTripCountAttr(op.getTripCountAttr());
  RuleBuilder r(b, loc);

  // cond: the (batched) predicate, reduced with `or` over the batch.
  {
    Block *blk = b.createBlock(&newOp.getCond(), {}, carriedTypes,
                               SmallVector<Location>(numCarried, loc));
    SmallVector<Value> res;
    SmallVector<int64_t> resDims;
    if (failed(
            batchRegionBlock(op.getCond().front(), blk, batched, res, resDims)))
      return failure();
    OpBuilder cb = OpBuilder::atBlockEnd(blk);
    Value pred = res[0];
    if (predBatched) {
      RuleBuilder cr(cb, loc);
      Value init = ConstantOp::create(
                       cb, loc, RankedTensorType::get({}, cb.getI1Type()),
                       DenseElementsAttr::get(
                           RankedTensorType::get({}, cb.getI1Type()), false))
                       .getResult();
      auto reduce =
          ReduceOp::create(cb, loc, TypeRange{init.getType()}, ValueRange{pred},
                           ValueRange{init}, ArrayRef<int64_t>{resDims[0]});
      Block *body = cb.createBlock(
          &reduce.getBody(), {}, {init.getType(), init.getType()}, {loc, loc});
      OpBuilder rb = OpBuilder::atBlockEnd(body);
      Value o =
          OrOp::create(rb, loc, body->getArgument(0), body->getArgument(1))
              .getResult();
      ReturnOp::create(rb, loc, ValueRange{o});
      cb.setInsertionPointAfter(reduce);
      pred = reduce.getResult(0);
    }
    ReturnOp::create(cb, loc, ValueRange{pred});
  }
  // body: new values; with a batched predicate, elements whose predicate
  // is false keep their values (select).
  {
    Block *blk = b.createBlock(&newOp.getBody(), {}, carriedTypes,
                               SmallVector<Location>(numCarried, loc));
    Value pred;
    int64_t predDim = -1;
    if (predBatched) {
      SmallVector<Value> res;
      SmallVector<int64_t> resDims;
      if (failed(batchRegionBlock(op.getCond().front(), blk, batched, res,
                                  resDims)))
        return failure();
      pred = res[0];
      predDim = resDims[0];
    }
    SmallVector<Value> res;
    SmallVector<int64_t> resDims;
    if (failed(
            batchRegionBlock(op.getBody().front(), blk, batched, res, resDims)))
      return failure();
    OpBuilder bb = OpBuilder::atBlockEnd(blk);
    SmallVector<Value> outs;
    for (size_t i = 0; i < numCarried; ++i) {
      Value v = batched[i] ? toFront(bb, loc, res[i], resDims[i]) : res[i];
      if (predBatched) {
        RuleBuilder br(bb, loc);
        auto vt = cast<RankedTensorType>(v.getType());
        Value p0 = toFront(bb, loc, pred, predDim);
        Value pFull =
            BroadcastInDimOp::create(bb, loc, vt.clone(bb.getI1Type()), p0,
                                     ArrayRef<int64_t>{0})
                .getResult();
        v = br.select(pFull, v, blk->getArgument(i));
      }
      outs.push_back(v);
    }
    ReturnOp::create(bb, loc, outs);
  }
  b.setInsertionPointAfter(newOp);
  for (auto [old, nv, bt] :
       llvm::zip(op.getResults(), newOp.getResults(), batched)) {
    map.map(old, nv);
    if (bt)
      dims[old] = 0;
  }
  return success();
}

/// case: an unbatched index keeps the op, with every result batched at 0;
/// a batched index evaluates every branch and selects per element (an
/// out-of-range index takes the last branch, as mlax.case does).
LogicalResult Batcher::batchCase(CaseOp op, OpBuilder &b) {
  Location loc = op.getLoc();
  int64_t idxDim = dimOf(op.getIndex());
  size_t numBranches = op.getBranches().size();
  auto branchResults = [&](Region &region, OpBuilder &bb,
                           SmallVectorImpl<Value> &outs) -> LogicalResult {
    Block &src = region.front();
    if (failed(batchOps(src, bb)))
      return failure();
    for (Value v : src.getTerminator()->getOperands())
      outs.push_back(toFront(bb, loc, map.lookupOrDefault(v), dimOf(v)));
    return success();
  };
  if (idxDim < 0) {
    SmallVector<Type> types;
    for (Type t : op.getResultTypes())
      types.push_back(withDim(t, n, 0));
    auto newOp = CaseOp::create(
        b, loc, types, map.lookupOrDefault(op.getIndex()), numBranches);
    for (auto [k, region] : llvm::enumerate(op.getBranches())) {
      Block *blk = b.createBlock(&newOp.getBranches()[k]);
      OpBuilder bb = OpBuilder::atBlockEnd(blk);
      SmallVector<Value> outs;
      if (failed(branchResults(region, bb, outs)))
        return failure();
      ReturnOp::create(bb, loc, outs);
    }
    b.setInsertionPointAfter(newOp);
    for (auto [old, nv] : llvm::zip(op.getResults(), newOp.getResults())) {
      map.map(old, nv);
      dims[old] = 0;
    }
    return success();
  }
  SmallVector<SmallVector<Value>> values(numBranches);
  for (auto [k, region] : llvm::enumerate(op.getBranches()))
    if (failed(branchResults(region, b, values[k])))
      return failure();
  RuleBuilder r(b, loc);
  Value idx = toFront(b, loc, map.lookupOrDefault(op.getIndex()), idxDim);
  for (auto [i, old] : llvm::enumerate(op.getResults())) {
    Value result = values[numBranches - 1][i];
    auto type = cast<RankedTensorType>(result.getType());
    Value idxFull = BroadcastInDimOp::create(b, loc, type.clone(b.getI32Type()),
                                             idx, ArrayRef<int64_t>{0})
                        .getResult();
    for (int64_t k = numBranches - 2; k >= 0; --k) {
      Value kk =
          r.constant(cast<RankedTensorType>(idxFull.getType()), double(k));
      result = r.select(r.compare(ComparisonDirection::EQ, idxFull, kk),
                        values[k][i], result);
    }
    map.map(old, result);
    dims[old] = 0;
  }
  return success();
}

/// custom_jvp_call: batch the function and its rule (batch dims at the
/// front, every result batched) and keep the custom call, so that a later
/// differentiation still uses the rule. custom_vjp_call: a call of the
/// batched primal function.
LogicalResult Batcher::batchCustomCall(Operation *op, OpBuilder &b) {
  Location loc = op->getLoc();
  if (!batchFunction)
    return op->emitOpError("cannot be batched here (no function batcher)");
  auto lookup = [&](StringRef attr) {
    return SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
        op, op->getAttrOfType<FlatSymbolRefAttr>(attr));
  };
  SmallVector<Value> operands;
  SmallVector<int64_t> inDims;
  for (Value v : op->getOperands()) {
    int64_t d = dimOf(v);
    Value nv = map.lookupOrDefault(v);
    operands.push_back(d >= 0 ? toFront(b, loc, nv, d) : nv);
    inDims.push_back(d >= 0 ? 0 : -1);
  }
  SmallVector<int64_t> outDims(op->getNumResults(), 0);
  func::FuncOp callee = lookup("callee");
  if (!callee)
    return op->emitOpError("names no func.func");
  FailureOr<func::FuncOp> fb = batchFunction(callee, inDims, outDims);
  if (failed(fb))
    return failure();
  Operation *newOp;
  if (auto cj = dyn_cast<CustomJvpCallOp>(op)) {
    func::FuncOp rule = lookup("jvp");
    if (!rule)
      return op->emitOpError("names no JVP rule function");
    SmallVector<int64_t> ruleIn(inDims);
    for (auto [v, d] : llvm::zip(op->getOperands(), inDims))
      if (isDifferentiable(v.getType()))
        ruleIn.push_back(d);
    SmallVector<int64_t> ruleOut(rule.getFunctionType().getNumResults(), 0);
    FailureOr<func::FuncOp> rb = batchFunction(rule, ruleIn, ruleOut);
    if (failed(rb))
      return failure();
    newOp =
        CustomJvpCallOp::create(b, loc, fb->getFunctionType().getResults(),
                                fb->getSymName(), rb->getSymName(), operands);
  } else {
    // custom_vjp_call: fwd batched like the function (all of its results,
    // residuals included, batched at 0); bwd takes every residual and
    // cotangent batched at 0 and sums its cotangents of shared (unbatched)
    // operands over the batch (JAX's batch_custom_vjp_bwd).
    func::FuncOp fwd = lookup("fwd"), bwd = lookup("bwd");
    if (!fwd || !bwd)
      return op->emitOpError("names no fwd/bwd function");
    SmallVector<int64_t> fwdOut(fwd.getFunctionType().getNumResults(), 0);
    FailureOr<func::FuncOp> fwdB = batchFunction(fwd, inDims, fwdOut);
    if (failed(fwdB))
      return failure();
    SmallVector<int64_t> bwdIn(bwd.getFunctionType().getNumInputs(), 0);
    SmallVector<int64_t> bwdOut;
    for (auto [v, d] : llvm::zip(op->getOperands(), inDims))
      if (isDifferentiable(v.getType()))
        bwdOut.push_back(d >= 0 ? 0 : kSumOverBatch);
    if (bwdOut.size() != bwd.getFunctionType().getNumResults())
      return op->emitOpError("bwd function returns ")
             << bwd.getFunctionType().getNumResults()
             << " cotangents, expected one per differentiable operand ("
             << bwdOut.size() << ")";
    FailureOr<func::FuncOp> bwdB = batchFunction(bwd, bwdIn, bwdOut);
    if (failed(bwdB))
      return failure();
    newOp = CustomVjpCallOp::create(b, loc, fb->getFunctionType().getResults(),
                                    fb->getSymName(), fwdB->getSymName(),
                                    bwdB->getSymName(), operands);
  }
  for (auto [old, nv] : llvm::zip(op->getResults(), newOp->getResults())) {
    map.map(old, nv);
    dims[old] = 0;
  }
  return success();
}

LogicalResult Batcher::batchOps(Block &src, OpBuilder &b) {
  for (Operation &op : src.without_terminator()) {
    SmallVector<Value> operands;
    SmallVector<int64_t> opDims;
    bool any = false;
    for (Value v : op.getOperands()) {
      operands.push_back(map.lookupOrDefault(v));
      opDims.push_back(dimOf(v));
      any |= opDims.back() >= 0;
    }
    SetVector<Value> captured;
    getUsedValuesDefinedAbove(op.getRegions(), captured);
    bool capturedBatched =
        llvm::any_of(captured, [&](Value v) { return dimOf(v) >= 0; });
    if (auto w = dyn_cast<WhileOp>(&op)) {
      if (any || capturedBatched) {
        if (failed(batchWhile(w, b)))
          return failure();
        continue;
      }
    } else if (auto c = dyn_cast<CaseOp>(&op)) {
      if (any || capturedBatched) {
        if (failed(batchCase(c, b)))
          return failure();
        continue;
      }
    } else if (isa<CustomJvpCallOp, CustomVjpCallOp>(&op)) {
      if (any) {
        if (failed(batchCustomCall(&op, b)))
          return failure();
        continue;
      }
    } else if (capturedBatched) {
      return op.emitOpError("uses a batched value inside its regions; "
                            "batching this region op is not supported yet");
    }
    if (!any) {
      b.clone(op, map);
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
      map.map(old, nv);
      if (d >= 0)
        dims[old] = d;
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
  Batcher batcher{batchSize, {}, {}, batchFunction};
  for (auto [i, arg] : llvm::enumerate(src.getArguments())) {
    batcher.map.map(arg, entry->getArgument(i));
    if (inDims[i] >= 0)
      batcher.dims[arg] = inDims[i];
  }
  if (failed(batcher.batchOps(src, b)))
    return fail();

  auto ret = cast<func::ReturnOp>(src.getTerminator());
  RuleBuilder r(b, ret.getLoc());
  SmallVector<Value> outs;
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Value nv = batcher.map.lookupOrDefault(v);
    int64_t d = batcher.dimOf(v), want = outDims[i];
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
