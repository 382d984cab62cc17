//===- MatrixUtils.cpp - helpers for rules on stacks of matrices ----------===//
#include "dialect/rules/MatrixUtils.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::mlax;

Value mlir::mlax::conjugate(RuleBuilder &r, Value x) {
  if (!isa<ComplexType>(getElementTypeOrSelf(x.getType())))
    return x;
  return r.create<ConjOp>(x);
}

Value mlir::mlax::matrixTranspose(RuleBuilder &r, Value x) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<int64_t> perm;
  for (int64_t d = 0; d < rank; ++d)
    perm.push_back(d);
  std::swap(perm[rank - 1], perm[rank - 2]);
  return r.transpose(x, perm);
}

Value mlir::mlax::batchMatmul(RuleBuilder &r, Value x, Value y) {
  auto xt = cast<RankedTensorType>(x.getType());
  auto yt = cast<RankedTensorType>(y.getType());
  int64_t rank = xt.getRank();
  SmallVector<int64_t> batch, shape(xt.getShape().drop_back());
  for (int64_t d = 0; d < rank - 2; ++d)
    batch.push_back(d);
  shape.push_back(yt.getShape().back());
  OpBuilder &b = r.builder();
  ArrayAttr highest = b.getStrArrayAttr({"HIGHEST", "HIGHEST"});
  return DotGeneralOp::create(b, r.getLoc(), xt.clone(shape), x, y, batch,
                              batch, ArrayRef<int64_t>{rank - 1},
                              ArrayRef<int64_t>{rank - 2}, highest)
      .getResult();
}

Value mlir::mlax::broadcastTrailing(RuleBuilder &r, Value x,
                                    RankedTensorType type) {
  auto xt = cast<RankedTensorType>(x.getType());
  if (xt.getShape() == type.getShape())
    return x;
  SmallVector<int64_t> dims;
  for (int64_t d = 0; d < xt.getRank(); ++d)
    dims.push_back(type.getRank() - xt.getRank() + d);
  return BroadcastInDimOp::create(r.builder(), r.getLoc(),
                                  type.clone(xt.getElementType()), x, dims)
      .getResult();
}

Value mlir::mlax::triangleMask(RuleBuilder &r, Value like, bool lower,
                               int64_t k) {
  auto type = cast<RankedTensorType>(like.getType());
  int64_t rank = type.getRank();
  auto square = RankedTensorType::get(
      {type.getDimSize(rank - 2), type.getDimSize(rank - 1)},
      r.builder().getI32Type()); // JAX's index type for masks
  OpBuilder &b = r.builder();
  Value rows = IotaOp::create(b, r.getLoc(), square, 0);
  Value cols = IotaOp::create(b, r.getLoc(), square, 1);
  // j - i <= k  <=>  j <= i + k
  Value shifted = k ? r.add(rows, r.splat(rows, double(k))) : rows;
  Value mask = r.compare(
      lower ? ComparisonDirection::LE : ComparisonDirection::GE, cols, shifted);
  return broadcastTrailing(r, mask, type.clone(b.getI1Type()));
}

Value mlir::mlax::keepWhere(RuleBuilder &r, Value mask, Value x) {
  return r.select(mask, x, r.zerosLike(x));
}

Value mlir::mlax::identityMaskOf(RuleBuilder &r, Value like) {
  return r.create<AndOp>(triangleMask(r, like, true, 0),
                         triangleMask(r, like, false, 0));
}

Value mlir::mlax::identityLike(RuleBuilder &r, Value like) {
  return r.select(identityMaskOf(r, like), r.onesLike(like), r.zerosLike(like));
}

Value mlir::mlax::triangularSolve(RuleBuilder &r, Value a, Value b,
                                  bool leftSide, bool lower, bool unitDiagonal,
                                  bool transposeA, bool conjugateA) {
  if (conjugateA && !transposeA)
    a = conjugate(r, a);
  Transpose kind = !transposeA  ? Transpose::NO_TRANSPOSE
                   : conjugateA ? Transpose::ADJOINT
                                : Transpose::TRANSPOSE;
  return TriangularSolveOp::create(r.builder(), r.getLoc(), b.getType(), a, b,
                                   leftSide, lower, unitDiagonal, kind)
      .getResult();
}
