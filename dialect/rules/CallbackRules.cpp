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

namespace {
/// Element `i` of a batched value (batch dimension `dim`), unbatched.
Value batchElement(RuleBuilder &r, Value v, int64_t dim, int64_t i) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> start(type.getRank(), 0), limit(type.getShape()),
      strides(type.getRank(), 1);
  start[dim] = i;
  limit[dim] = i + 1;
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = 1;
  Value slice =
      SliceOp::create(r.builder(), r.getLoc(),
                      RankedTensorType::get(shape, type.getElementType()), v,
                      start, limit, strides);
  shape.erase(shape.begin() + dim);
  return r.reshape(slice, RankedTensorType::get(shape, type.getElementType()));
}
} // namespace

LogicalResult PythonCallbackOp::batch(BatchContext &ctx, OpBuilder &b) {
  RuleBuilder r(b, getLoc());
  int64_t n = ctx.batchSize();
  StringRef method = getVmapMethod().value_or("");
  if (getNumResults() == 0 || method == "sequential" ||
      method == "sequential_unrolled") {
    // One call per batch element; results stacked at the front.
    SmallVector<SmallVector<Value>> perResult(getNumResults());
    for (int64_t i = 0; i < n; ++i) {
      IRMapping map;
      for (Value v : getArgs()) {
        int64_t d = ctx.batchDim(v);
        Value nv = ctx.lookup(v);
        map.map(v, d >= 0 ? batchElement(r, nv, d, i) : nv);
      }
      Operation *call = b.clone(**this, map);
      for (auto [k, res] : llvm::enumerate(call->getResults()))
        perResult[k].push_back(
            r.reshape(res, withDim(res.getType(), 1, /*at=*/0)));
    }
    for (auto [k, res] : llvm::enumerate(getResults())) {
      Value stacked = ConcatenateOp::create(
          b, getLoc(), withDim(res.getType(), n, 0), perResult[k], 0);
      ctx.map(res, stacked, 0);
    }
    return success();
  }
  if (method != "expand_dims" && method != "broadcast_all" &&
      method != "legacy_vectorized")
    return emitOpError(
               "vmap is only supported for the pure_callback primitive when "
               "vmap_method is one of 'sequential', 'sequential_unrolled', "
               "'expand_dims', 'broadcast_all', or 'legacy_vectorized'. Got "
               "vmap_method=")
           << (method.empty() ? StringRef("None") : method) << ".";
  // One call on whole batches: batched operands with the batch in front,
  // the others with a size-1 (expand_dims) or size-n (broadcast_all) one.
  int64_t other = method == "broadcast_all" ? n : 1;
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
