//===- Vjp.cpp - reverse mode: JVP, linearize, transpose
//-------------------===//
#include "passes/Vjp.h"

#include "mlir/Transforms/Inliner.h"
#include "mlir/Transforms/InliningUtils.h"
#include "passes/Jvp.h"
#include "passes/Linearize.h"
#include "passes/Transpose.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
/// Inlines every call in `fn`, to a fixpoint (transposed custom_lin ops
/// call their bwd functions, which may call others).
LogicalResult inlineCallsIn(func::FuncOp fn) {
  InlinerInterface interface(fn.getContext());
  InlinerConfig config;
  for (int round = 0; round < 64; ++round) {
    SmallVector<func::CallOp> calls;
    fn.walk([&](func::CallOp call) { calls.push_back(call); });
    if (calls.empty())
      return success();
    for (func::CallOp call : calls) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr());
      if (!callee || callee.isExternal() ||
          failed(inlineCall(interface, config.getCloneCallback(), call, callee,
                            &callee.getBody(), true)))
        return call.emitOpError("could not be inlined");
      call.erase();
    }
  }
  return fn.emitOpError("call nesting is too deep or recursive");
}
} // namespace

FailureOr<func::FuncOp> mlir::mlax::buildVjpFunction(
    func::FuncOp fn, ArrayRef<int64_t> active, StringRef name,
    llvm::function_ref<FailureOr<func::FuncOp>(func::FuncOp)> prepare) {
  FunctionType type = fn.getFunctionType();
  unsigned numPrimals = type.getNumInputs(), numResults = type.getNumResults();
  FailureOr<func::FuncOp> jvpFn =
      buildJvpFunction(fn, active, (name + "__jvp").str(), prepare);
  if (failed(jvpFn))
    return failure();
  FailureOr<LinearizedFunctions> lin =
      linearize(*jvpFn, numPrimals, numResults, (name + "_").str());
  jvpFn->erase();
  if (failed(lin))
    return failure();
  FailureOr<func::FuncOp> transposed = transposeLinearFunction(
      lin->linear, lin->numResiduals, (name + "__transposed").str());
  lin->linear.erase();
  if (failed(transposed)) {
    lin->primal.erase();
    return failure();
  }

  MLIRContext *ctx = fn.getContext();
  SmallVector<Type> inputs(type.getInputs());
  llvm::append_range(
      inputs,
      transposed->getFunctionType().getInputs().drop_front(lin->numResiduals));
  SmallVector<Type> results(type.getResults());
  llvm::append_range(results, transposed->getFunctionType().getResults());
  OpBuilder b(ctx);
  b.setInsertionPointAfter(fn);
  auto vjpFn = func::FuncOp::create(b, fn.getLoc(), name,
                                    FunctionType::get(ctx, inputs, results));
  vjpFn.setPrivate();
  Block *entry = vjpFn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  auto primalCall =
      func::CallOp::create(b, fn.getLoc(), lin->primal,
                           entry->getArguments().take_front(numPrimals));
  SmallVector<Value> transposedArgs(
      primalCall.getResults().drop_front(numResults));
  llvm::append_range(transposedArgs,
                     entry->getArguments().drop_front(numPrimals));
  auto transposedCall =
      func::CallOp::create(b, fn.getLoc(), *transposed, transposedArgs);
  SmallVector<Value> outs(primalCall.getResults().take_front(numResults));
  llvm::append_range(outs, transposedCall.getResults());
  func::ReturnOp::create(b, fn.getLoc(), outs);
  LogicalResult inlined = inlineCallsIn(vjpFn);
  lin->primal.erase();
  transposed->erase();
  if (failed(inlined)) {
    vjpFn.erase();
    return failure();
  }
  return vjpFn;
}
