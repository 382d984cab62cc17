//===- Transpose.cpp - transposition of linear functions
//-------------------===//
#include "passes/Transpose.h"
#include "passes/RegionOutline.h"

#include "dialect/MlaxOps.h"
#include "dialect/rules/RuleBuilder.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

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
  auto usesLinear = [&](Operation &op) {
    if (llvm::any_of(op.getOperands(),
                     [&](Value v) { return linear.contains(v); }))
      return true;
    SetVector<Value> captured;
    getUsedValuesDefinedAbove(op.getRegions(), captured);
    return llvm::any_of(captured, [&](Value v) { return linear.contains(v); });
  };
  for (Operation &op : src.without_terminator()) {
    if (usesLinear(op)) {
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
      return emitError(loc)
             << "transpose rule produced a cotangent of type " << c.getType()
             << " for a value of type " << v.getType();
    Value &slot = ct[v];
    slot = slot ? RuleBuilder(b, loc).add(slot, c) : c;
    return success();
  };
  for (auto [i, v] : llvm::enumerate(ret.getOperands()))
    if (linear.contains(v))
      if (failed(
              accumulate(v, entry->getArgument(numConstant + i), ret.getLoc())))
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
    if (auto whileOp = dyn_cast<WhileOp>(op)) {
      std::optional<uint64_t> tc = whileOp.getTripCount();
      // (Carries after the counter are linear; a constant initial value,
      // e.g. instantiated zeros, just gets no cotangent.)
      bool counted =
          tc && op->getNumOperands() > 0 && !linear.contains(op->getOperand(0));
      if (!counted)
        return op->emitOpError(
                   "cannot be transposed: reverse-mode "
                   "differentiation does not work for while loops "
                   "(lax.while_loop, fori_loop with dynamic bounds); "
                   "use jvp, or a custom_vjp"),
               fail();
      // A linear loop counted 0..N-1 (from Linearize): run the transposed
      // body for k = N-1..0, carrying the cotangents of the carries and
      // accumulating those of the linear values the body uses.
      Location loc = op->getLoc();
      int64_t N = *tc;
      Block &body = whileOp.getBody().front();
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(whileOp.getBody(), captured);
      SmallVector<Value> constCaps, linCaps;
      for (Value v : captured)
        (linear.contains(v) ? linCaps : constCaps).push_back(v);
      unsigned nc = op->getNumOperands() - 1;
      SmallVector<Value> inputs{body.getArgument(0)};
      llvm::append_range(inputs, constCaps);
      llvm::append_range(inputs, body.getArguments().drop_front(1));
      llvm::append_range(inputs, linCaps);
      SmallVector<unsigned> order;
      for (unsigned i = 1; i <= nc; ++i)
        order.push_back(i);
      func::FuncOp bodyFn = outlineRegion(whileOp.getBody(), inputs, order,
                                          linearFn, (name + "_loop").str());
      FailureOr<func::FuncOp> t = transposeLinearFunction(
          bodyFn, 1 + constCaps.size(),
          freshSymbol(linearFn, (name + "_loop_t").str()));
      bodyFn.erase();
      if (failed(t))
        return fail();
      RuleBuilder r(b, loc);
      SmallVector<Value> init{r.i32(N - 1)};
      SmallVector<Type> types{init[0].getType()};
      for (unsigned i = 1; i <= nc; ++i) {
        Value c = resultCts[i];
        auto ty = cast<RankedTensorType>(op->getResult(i).getType());
        init.push_back(c ? c : r.constant(ty, 0.0));
        types.push_back(ty);
      }
      for (Value v : linCaps) {
        auto ty = cast<RankedTensorType>(v.getType());
        init.push_back(r.constant(ty, 0.0));
        types.push_back(ty);
      }
      auto tw = WhileOp::create(b, loc, types, init);
      tw.setTripCountAttr(whileOp.getTripCountAttr());
      SmallVector<Location> locs(types.size(), loc);
      {
        OpBuilder::InsertionGuard guard(b);
        Block *blk = b.createBlock(&tw.getCond(), {}, types, locs);
        Value ge = RuleBuilder(b, loc).compare(ComparisonDirection::GE,
                                               blk->getArgument(0),
                                               RuleBuilder(b, loc).i32(0));
        ReturnOp::create(b, loc, ValueRange{ge});
      }
      {
        OpBuilder::InsertionGuard guard(b);
        Block *blk = b.createBlock(&tw.getBody(), {}, types, locs);
        RuleBuilder br(b, loc);
        SmallVector<Value> args{blk->getArgument(0)};
        for (Value v : constCaps)
          args.push_back(forward.lookupOrDefault(v));
        llvm::append_range(args, blk->getArguments().slice(1, nc));
        IRMapping map;
        map.map(t->front().getArguments(), args);
        for (Operation &o : t->front().without_terminator())
          b.clone(o, map);
        SmallVector<Value> outs;
        for (Value v : t->front().getTerminator()->getOperands())
          outs.push_back(map.lookupOrDefault(v));
        SmallVector<Value> yields{
            br.sub(blk->getArgument(0), RuleBuilder(b, loc).i32(1))};
        llvm::append_range(yields, ArrayRef<Value>(outs).take_front(nc));
        for (auto [j, c] :
             llvm::enumerate(ArrayRef<Value>(outs).drop_front(nc)))
          yields.push_back(br.add(blk->getArgument(1 + nc + j), c));
        ReturnOp::create(b, loc, yields);
      }
      t->erase();
      for (unsigned i = 1; i <= nc; ++i)
        if (linear.contains(op->getOperand(i)))
          if (failed(accumulate(op->getOperand(i), tw.getResult(i), loc)))
            return fail();
      for (auto [j, v] : llvm::enumerate(linCaps))
        if (failed(accumulate(v, tw.getResult(1 + nc + j), loc)))
          return fail();
      continue;
    }
    if (auto caseOp = dyn_cast<CaseOp>(op)) {
      // Each branch is a linear function of the values it captures: its
      // transpose becomes the same branch of a case on the same index.
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(caseOp->getRegions(), captured);
      SmallVector<Value> constCaps, linCaps, inputs;
      for (Value v : captured)
        (linear.contains(v) ? linCaps : constCaps).push_back(v);
      llvm::append_range(inputs, constCaps);
      llvm::append_range(inputs, linCaps);
      SmallVector<unsigned> order;
      for (unsigned i = 0; i < caseOp.getNumResults(); ++i)
        order.push_back(i);
      SmallVector<Value> args;
      for (Value v : constCaps)
        args.push_back(forward.lookupOrDefault(v));
      RuleBuilder r(b, op->getLoc());
      for (auto [res, c] : llvm::zip(caseOp.getResults(), resultCts))
        args.push_back(
            c ? c : r.constant(cast<RankedTensorType>(res.getType()), 0.0));
      SmallVector<Type> ctTypes;
      for (Value v : linCaps)
        ctTypes.push_back(v.getType());
      auto newCase = CaseOp::create(b, op->getLoc(), ctTypes,
                                    forward.lookupOrDefault(caseOp.getIndex()),
                                    caseOp.getNumRegions());
      for (auto [i, region] : llvm::enumerate(caseOp.getBranches())) {
        func::FuncOp branch = outlineRegion(region, inputs, order, linearFn,
                                            (name + "_branch").str());
        FailureOr<func::FuncOp> t = transposeLinearFunction(
            branch, constCaps.size(),
            freshSymbol(linearFn, (name + "_branch_t").str()));
        branch.erase();
        if (failed(t))
          return newCase.erase(), fail();
        inlineFunctionInto(*t, args, newCase.getBranches()[i], b);
        t->erase();
      }
      for (auto [v, c] : llvm::zip(linCaps, newCase.getResults()))
        if (failed(accumulate(v, c, op->getLoc())))
          return fail();
      continue;
    }
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
    outs.push_back(c ? c
                     : r.constant(cast<RankedTensorType>(arg.getType()), 0.0));
  }
  func::ReturnOp::create(b, ret.getLoc(), outs);
  return fn;
}
