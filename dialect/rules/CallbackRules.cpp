//===- CallbackRules.cpp - rules of python_callback -----------------------===//
//
// Host callbacks are opaque: a debug callback (no results) is a side effect
// on primal values that every transformation keeps; a pure callback with
// results has no JVP, and its batching is chosen by `vmap_method` (JAX's
// pure_callback semantics).
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/rules/RuleBuilder.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::mlax;

LogicalResult PythonCallbackOp::jvp(JvpContext &ctx, OpBuilder &b) {
  if (getNumResults() != 0) {
    for (Value v : getArgs())
      if (ctx.tangent(v))
        return emitOpError("Pure callbacks do not support JVP. Please use "
                           "`custom_jvp` to use callbacks while taking "
                           "gradients.");
  }
  IRMapping map;
  for (Value v : getArgs())
    map.map(v, ctx.primal(v));
  Operation *clone = b.clone(**this, map);
  for (auto [old, nv] : llvm::zip(getResults(), clone->getResults())) {
    ctx.mapPrimal(old, nv);
    ctx.mapTangent(old, Value());
  }
  return success();
}

LogicalResult PythonCallbackOp::batch(BatchContext &ctx, OpBuilder &b) {
  RuleBuilder r(b, getLoc());
  int64_t n = ctx.batchSize();
  StringRef method = getVmapMethod().value_or("");
  bool perElement = getNumResults() == 0 || method == "sequential" ||
                    method == "sequential_unrolled";
  if (!perElement && method != "expand_dims" && method != "broadcast_all" &&
      method != "legacy_vectorized")
    return emitOpError(
               "vmap is only supported for the pure_callback primitive when "
               "vmap_method is one of 'sequential', 'sequential_unrolled', "
               "'expand_dims', 'broadcast_all', or 'legacy_vectorized'. Got "
               "vmap_method=")
           << (method.empty() ? StringRef("None") : method) << ".";
  // One call on whole batches, the batch in front of every operand. A
  // per-element callback (debug callbacks, "sequential") gets every operand
  // broadcast, and the host side calls the Python function once per
  // element of the leading dimensions, in order; "expand_dims" gives the
  // unbatched operands a size-1 dimension instead, "broadcast_all" the
  // batch size, and the Python function sees the batches.
  int64_t other = (perElement || method == "broadcast_all") ? n : 1;
  SmallVector<Value> operands;
  for (Value v : getArgs()) {
    int64_t d = ctx.batchDim(v);
    Value nv = ctx.lookup(v);
    operands.push_back(d >= 0 ? toFront(r, nv, d, n)
                              : broadcastBatch(r, nv, other, 0));
  }
  SmallVector<Type> types;
  for (Value res : getResults())
    types.push_back(withDim(res.getType(), n, 0));
  auto call = PythonCallbackOp::create(b, getLoc(), types, operands, getIndex(),
                                       getCallTarget(), getVmapMethodAttr());
  call->setDiscardableAttrs((*this)->getDiscardableAttrDictionary());
  for (auto [old, nv] : llvm::zip(getResults(), call.getResults()))
    ctx.map(old, nv, 0);
  return success();
}
