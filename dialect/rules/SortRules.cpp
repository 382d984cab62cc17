//===- SortRules.cpp - rules of mlax.sort and mlax.top_k
//-------------------===//
//
// JAX's rules for sort_p: the JVP sorts the primal operands together with an
// iota along the sorted dimension and gathers each tangent with the
// resulting permutation (a gather is linear, so reverse mode transposes it
// into a scatter-add); batching moves the batch dimension to the front and
// sorts one dimension further in.
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/rules/RuleBuilder.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
/// x gathered along `dim` at `perm` (x's shape but for `dim`): out[..., i, ...]
/// = x[..., perm[..., i, ...], ...], with every other dimension a batching
/// dimension of the gather (jnp.take_along_axis's form).
Value takeAlongDim(RuleBuilder &r, Value x, Value perm, int64_t dim) {
  auto type = cast<RankedTensorType>(x.getType());
  auto permType = cast<RankedTensorType>(perm.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> idxShape(permType.getShape());
  idxShape.push_back(1);
  Value idx = r.reshape(
      perm, RankedTensorType::get(idxShape, permType.getElementType()));
  SmallVector<int64_t> batch;
  for (int64_t d = 0; d < rank; ++d)
    if (d != dim)
      batch.push_back(d);
  SmallVector<int64_t> ones(rank, 1);
  auto outType = type.clone(permType.getShape());
  return GatherOp::create(r.builder(), r.getLoc(), outType, x, idx,
                          /*offset_dims=*/ArrayRef<int64_t>{},
                          /*collapsed_slice_dims=*/ArrayRef<int64_t>{dim},
                          /*operand_batching_dims=*/batch,
                          /*start_indices_batching_dims=*/batch,
                          /*start_index_map=*/ArrayRef<int64_t>{dim},
                          /*index_vector_dim=*/rank, ones);
}
} // namespace

LogicalResult SortOp::jvp(JvpContext &ctx, OpBuilder &b) {
  RuleBuilder r(b, getLoc());
  auto shapeType = cast<RankedTensorType>(getInputs()[0].getType());
  // An index type wide enough for the sorted dimension (JAX uses the
  // narrowest unsigned; i32 or i64 keeps the gather's indices signed).
  Type indexType = shapeType.getDimSize(getDimension()) < (int64_t(1) << 31)
                       ? b.getI32Type()
                       : b.getI64Type();
  SmallVector<Value> operands;
  for (Value v : getInputs())
    operands.push_back(ctx.primal(v));
  operands.push_back(
      IotaOp::create(b, getLoc(), shapeType.clone(indexType), getDimension()));
  SmallVector<Type> types;
  for (Value v : operands)
    types.push_back(v.getType());
  auto sorted = SortOp::create(b, getLoc(), types, operands, getDimension(),
                               getNumKeys(), getStable());
  Value perm = sorted.getResults().back();
  for (auto [i, res] : llvm::enumerate(getResults())) {
    ctx.mapPrimal(res, sorted.getResult(i));
    Value t = ctx.tangent(getInputs()[i]);
    ctx.mapTangent(res, t ? takeAlongDim(r, t, perm, getDimension()) : Value());
  }
  return success();
}

LogicalResult SortOp::batch(OpBuilder &b, ArrayRef<Value> operands,
                            ArrayRef<int64_t> dims, int64_t n,
                            SmallVectorImpl<Value> &results,
                            SmallVectorImpl<int64_t> &resultDims) {
  RuleBuilder r(b, getLoc());
  SmallVector<Value> front;
  SmallVector<Type> types;
  for (auto [v, d] : llvm::zip(operands, dims)) {
    front.push_back(toFront(r, v, d, n));
    types.push_back(front.back().getType());
  }
  auto sorted = SortOp::create(b, getLoc(), types, front, getDimension() + 1,
                               getNumKeys(), getStable());
  for (Value v : sorted.getResults()) {
    results.push_back(v);
    resultDims.push_back(0);
  }
  return success();
}

LogicalResult TopKOp::jvp(OpBuilder &b, ArrayRef<Value> t,
                          SmallVectorImpl<Value> &out) {
  RuleBuilder r(b, getLoc());
  int64_t last = cast<RankedTensorType>(getOperand().getType()).getRank() - 1;
  out.push_back(takeAlongDim(r, t[0], getIndices(), last));
  out.push_back(Value());
  return success();
}

LogicalResult TopKOp::batch(OpBuilder &b, ArrayRef<Value> operands,
                            ArrayRef<int64_t> dims, int64_t n,
                            SmallVectorImpl<Value> &results,
                            SmallVectorImpl<int64_t> &resultDims) {
  RuleBuilder r(b, getLoc());
  Value x = toFront(r, operands[0], dims[0], n);
  auto op = TopKOp::create(b, getLoc(), withDim(getValues().getType(), n, 0),
                           withDim(getIndices().getType(), n, 0), x, getK());
  results.append({op.getValues(), op.getIndices()});
  resultDims.append({0, 0});
  return success();
}
