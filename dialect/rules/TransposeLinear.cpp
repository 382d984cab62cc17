//===- TransposeLinear.cpp - transpose rules of linear ops
//-----------------===//
//
// `operands[i]` is the value of a constant (non-linear) operand in the
// transposed function, null for a linear operand; `ct` are the cotangents
// of the results. Rules follow JAX's (ad.py / lax.py transpose rules).
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/rules/RuleBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
using Operands = ArrayRef<Value>;
using Cts = ArrayRef<Value>;
using Results = SmallVectorImpl<Value>;

bool isLinear(Operands operands, unsigned i) { return !operands[i]; }

LogicalResult notLinear(Operation *op, StringRef why) {
  return op->emitOpError("is not linear in its tangent operands (")
         << why << "); it cannot be transposed";
}

/// A zero-filled tensor of `type`.
Value zerosOf(RuleBuilder &r, Type type) {
  return r.constant(cast<RankedTensorType>(type), 0.0);
}

SmallVector<int64_t> invertPermutation(ArrayRef<int64_t> perm) {
  SmallVector<int64_t> inv(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inv[p] = i;
  return inv;
}
} // namespace

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

LogicalResult AddOp::transpose(OpBuilder &, Operands operands, Cts ct,
                               Results &out) {
  out.push_back(isLinear(operands, 0) ? ct[0] : Value());
  out.push_back(isLinear(operands, 1) ? ct[0] : Value());
  return success();
}

LogicalResult SubtractOp::transpose(OpBuilder &b, Operands operands, Cts ct,
                                    Results &out) {
  RuleBuilder r(b, getLoc());
  out.push_back(isLinear(operands, 0) ? ct[0] : Value());
  out.push_back(isLinear(operands, 1) ? r.neg(ct[0]) : Value());
  return success();
}

LogicalResult NegOp::transpose(OpBuilder &b, Operands, Cts ct, Results &out) {
  out.push_back(RuleBuilder(b, getLoc()).neg(ct[0]));
  return success();
}

LogicalResult MulOp::transpose(OpBuilder &b, Operands operands, Cts ct,
                               Results &out) {
  if (isLinear(operands, 0) && isLinear(operands, 1))
    return notLinear(*this, "both factors depend on tangents");
  RuleBuilder r(b, getLoc());
  out.push_back(isLinear(operands, 0) ? r.mul(ct[0], operands[1]) : Value());
  out.push_back(isLinear(operands, 1) ? r.mul(operands[0], ct[0]) : Value());
  return success();
}

LogicalResult DivOp::transpose(OpBuilder &b, Operands operands, Cts ct,
                               Results &out) {
  if (isLinear(operands, 1))
    return notLinear(*this, "the divisor depends on tangents");
  out.push_back(RuleBuilder(b, getLoc()).div(ct[0], operands[1]));
  out.push_back(Value());
  return success();
}

LogicalResult ConvertOp::transpose(OpBuilder &b, Operands, Cts ct,
                                   Results &out) {
  out.push_back(
      RuleBuilder(b, getLoc())
          .convert(ct[0], getElementTypeOrSelf(getOperand().getType())));
  return success();
}

LogicalResult SelectOp::transpose(OpBuilder &b, Operands operands, Cts ct,
                                  Results &out) {
  if (isLinear(operands, 0))
    return notLinear(*this, "the predicate depends on tangents");
  RuleBuilder r(b, getLoc());
  Value pred = operands[0];
  if (cast<RankedTensorType>(pred.getType()).getRank() == 0 &&
      cast<RankedTensorType>(ct[0].getType()).getRank() != 0)
    pred = BroadcastInDimOp::create(
               b, getLoc(),
               cast<RankedTensorType>(ct[0].getType()).clone(b.getI1Type()),
               pred, ArrayRef<int64_t>{})
               .getResult();
  Value zeros = r.zerosLike(ct[0]);
  out.push_back(Value());
  out.push_back(isLinear(operands, 1) ? r.select(pred, ct[0], zeros) : Value());
  out.push_back(isLinear(operands, 2) ? r.select(pred, zeros, ct[0]) : Value());
  return success();
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

LogicalResult BroadcastInDimOp::transpose(OpBuilder &b, Operands, Cts ct,
                                          Results &out) {
  // Sum over the dimensions the broadcast created or expanded, then restore
  // the operand's dimension order and its size-1 dimensions.
  RuleBuilder r(b, getLoc());
  auto inType = cast<RankedTensorType>(getOperand().getType());
  auto outType = cast<RankedTensorType>(getType());
  ArrayRef<int64_t> dims = getBroadcastDimensions();
  SmallVector<int64_t> summed;
  for (int64_t d = 0; d < outType.getRank(); ++d) {
    auto it = llvm::find(dims, d);
    if (it == dims.end())
      summed.push_back(d);
    else if (inType.getDimSize(it - dims.begin()) == 1 &&
             outType.getDimSize(d) != 1)
      summed.push_back(d);
  }
  Value reduced = r.reduceSum(ct[0], summed);
  // Remaining result dims, ascending; operand dims that map to them.
  SmallVector<int64_t> remaining;
  for (int64_t d = 0; d < outType.getRank(); ++d)
    if (!llvm::is_contained(summed, d))
      remaining.push_back(d);
  SmallVector<int64_t> perm;
  for (auto [i, d] : llvm::enumerate(dims))
    if (!llvm::is_contained(summed, d))
      perm.push_back(llvm::find(remaining, d) - remaining.begin());
  Value moved = r.transpose(reduced, perm);
  out.push_back(r.reshape(moved, inType));
  return success();
}

LogicalResult ReshapeOp::transpose(OpBuilder &b, Operands, Cts ct,
                                   Results &out) {
  out.push_back(
      RuleBuilder(b, getLoc())
          .reshape(ct[0], cast<RankedTensorType>(getOperand().getType())));
  return success();
}

LogicalResult TransposeOp::transpose(OpBuilder &b, Operands, Cts ct,
                                     Results &out) {
  out.push_back(RuleBuilder(b, getLoc())
                    .transpose(ct[0], invertPermutation(getPermutation())));
  return success();
}

LogicalResult ReverseOp::transpose(OpBuilder &b, Operands, Cts ct,
                                   Results &out) {
  out.push_back(
      ReverseOp::create(b, getLoc(), ct[0], getDimensions()).getResult());
  return success();
}

LogicalResult ConjOp::transpose(OpBuilder &b, Operands, Cts ct, Results &out) {
  out.push_back(RuleBuilder(b, getLoc()).create<ConjOp>(ct[0]));
  return success();
}

/// Rounding is its own transpose (JAX's deflinear of reduce_precision).
LogicalResult ReducePrecisionOp::transpose(OpBuilder &b, Operands, Cts ct,
                                           Results &out) {
  out.push_back(ReducePrecisionOp::create(b, getLoc(), ct[0],
                                          getExponentBitsAttr(),
                                          getMantissaBitsAttr())
                    .getResult());
  return success();
}

/// The transpose of a prefix sum is the suffix sum.
LogicalResult CumsumOp::transpose(OpBuilder &b, Operands, Cts ct,
                                  Results &out) {
  out.push_back(CumsumOp::create(b, getLoc(), ct[0], getAxis(), !getReverse())
                    .getResult());
  return success();
}

LogicalResult SliceOp::transpose(OpBuilder &b, Operands, Cts ct, Results &out) {
  // Scatter back by padding: low = start, interior = stride - 1.
  RuleBuilder r(b, getLoc());
  auto inType = cast<RankedTensorType>(getOperand().getType());
  auto outType = cast<RankedTensorType>(getType());
  if (outType.getNumElements() == 0) {
    out.push_back(zerosOf(r, inType));
    return success();
  }
  SmallVector<int64_t> lo, hi, interior;
  for (int64_t d = 0; d < inType.getRank(); ++d) {
    int64_t start = getStartIndices()[d], stride = getStrides()[d];
    int64_t n = outType.getDimSize(d);
    lo.push_back(start);
    interior.push_back(stride - 1);
    hi.push_back(inType.getDimSize(d) - (start + (n - 1) * stride + 1));
  }
  Value zero =
      r.constant(RankedTensorType::get({}, inType.getElementType()), 0.0);
  out.push_back(
      PadOp::create(b, getLoc(), ct[0], zero, lo, hi, interior).getResult());
  return success();
}

LogicalResult PadOp::transpose(OpBuilder &b, Operands operands, Cts ct,
                               Results &out) {
  RuleBuilder r(b, getLoc());
  auto ctType = cast<RankedTensorType>(ct[0].getType());
  Value tOperand;
  if (isLinear(operands, 0) || isLinear(operands, 1)) {
    // Undo edge padding (negative padding crops), then skip interior
    // padding with a strided slice.
    SmallVector<int64_t> lo, hi, zeros(ctType.getRank(), 0), ones;
    for (int64_t d = 0; d < ctType.getRank(); ++d) {
      lo.push_back(-getEdgePaddingLow()[d]);
      hi.push_back(-getEdgePaddingHigh()[d]);
      ones.push_back(getInteriorPadding()[d] + 1);
    }
    Value zero =
        r.constant(RankedTensorType::get({}, ctType.getElementType()), 0.0);
    Value unpadded =
        PadOp::create(b, getLoc(), ct[0], zero, lo, hi, zeros).getResult();
    auto unpaddedType = cast<RankedTensorType>(unpadded.getType());
    tOperand = SliceOp::create(b, getLoc(), unpadded, zeros,
                               unpaddedType.getShape(), ones)
                   .getResult();
  }
  out.push_back(isLinear(operands, 0) ? tOperand : Value());
  if (isLinear(operands, 1)) {
    SmallVector<int64_t> all =
        llvm::to_vector(llvm::seq<int64_t>(0, ctType.getRank()));
    out.push_back(r.sub(r.reduceSum(ct[0], all), r.reduceSum(tOperand, all)));
  } else {
    out.push_back(Value());
  }
  return success();
}

LogicalResult ConcatenateOp::transpose(OpBuilder &b, Operands operands, Cts ct,
                                       Results &out) {
  auto ctType = cast<RankedTensorType>(ct[0].getType());
  int64_t dim = getDimension();
  int64_t offset = 0;
  for (auto [i, input] : llvm::enumerate(getInputs())) {
    auto type = cast<RankedTensorType>(input.getType());
    int64_t size = type.getDimSize(dim);
    if (isLinear(operands, i)) {
      SmallVector<int64_t> start(ctType.getRank(), 0), limit(ctType.getShape()),
          strides(ctType.getRank(), 1);
      start[dim] = offset;
      limit[dim] = offset + size;
      out.push_back(SliceOp::create(b, getLoc(), ct[0], start, limit, strides)
                        .getResult());
    } else {
      out.push_back(Value());
    }
    offset += size;
  }
  return success();
}

LogicalResult DynamicSliceOp::transpose(OpBuilder &b, Operands operands, Cts ct,
                                        Results &out) {
  RuleBuilder r(b, getLoc());
  for (unsigned i = 1; i < operands.size(); ++i)
    if (isLinear(operands, i))
      return notLinear(*this, "an index depends on tangents");
  Value zeros = zerosOf(r, getOperand().getType());
  out.push_back(DynamicUpdateSliceOp::create(b, getLoc(), zeros, ct[0],
                                             operands.drop_front())
                    .getResult());
  out.append(operands.size() - 1, Value());
  return success();
}

LogicalResult DynamicUpdateSliceOp::transpose(OpBuilder &b, Operands operands,
                                              Cts ct, Results &out) {
  RuleBuilder r(b, getLoc());
  for (unsigned i = 2; i < operands.size(); ++i)
    if (isLinear(operands, i))
      return notLinear(*this, "an index depends on tangents");
  ValueRange indices = ValueRange(operands).drop_front(2);
  auto updateType = cast<RankedTensorType>(getUpdate().getType());
  out.push_back(isLinear(operands, 0)
                    ? DynamicUpdateSliceOp::create(
                          b, getLoc(), ct[0], zerosOf(r, updateType), indices)
                          .getResult()
                    : Value());
  out.push_back(isLinear(operands, 1)
                    ? DynamicSliceOp::create(b, getLoc(), ct[0], indices,
                                             updateType.getShape())
                          .getResult()
                    : Value());
  out.append(operands.size() - 2, Value());
  return success();
}

//===----------------------------------------------------------------------===//
// dot_general and reduce
//===----------------------------------------------------------------------===//

namespace {
SmallVector<int64_t> remainingDims(int64_t rank, ArrayRef<int64_t> a,
                                   ArrayRef<int64_t> b) {
  SmallVector<int64_t> out;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(a, d) && !llvm::is_contained(b, d))
      out.push_back(d);
  return out;
}

SmallVector<int64_t> range(int64_t start, int64_t n) {
  return llvm::to_vector(llvm::seq<int64_t>(start, start + n));
}

SmallVector<int64_t> argsort(ArrayRef<int64_t> v) {
  SmallVector<int64_t> idx = llvm::to_vector(llvm::seq<int64_t>(0, v.size()));
  llvm::stable_sort(idx, [&](int64_t a, int64_t b) { return v[a] < v[b]; });
  return idx;
}

/// Cotangent of x in dot_general(x, y) (JAX's _dot_general_transpose_lhs);
/// `swapAns` when x was the rhs (its free dims come last in the result);
/// the product has `precision` (the cotangent in x's place).
Value transposeDotLhs(RuleBuilder &r, Value g, RankedTensorType xType, Value y,
                      ArrayRef<int64_t> xContract, ArrayRef<int64_t> yContract,
                      ArrayRef<int64_t> xBatch, ArrayRef<int64_t> yBatch,
                      bool swapAns, ArrayAttr precision) {
  auto yType = cast<RankedTensorType>(y.getType());
  SmallVector<int64_t> xKept =
      remainingDims(xType.getRank(), xContract, xBatch);
  SmallVector<int64_t> yKept =
      remainingDims(yType.getRank(), yContract, yBatch);
  int64_t nb = xBatch.size();
  SmallVector<int64_t> ansBatch = range(0, nb);
  SmallVector<int64_t> ansY = swapAns ? range(nb, yKept.size())
                                      : range(nb + xKept.size(), yKept.size());
  // g . y contracting g's y-part with y's kept dims, batching as before.
  Value dot = DotGeneralOp::create(r.builder(), r.getLoc(), g, y, ansBatch,
                                   yBatch, ansY, yKept, precision)
                  .getResult();
  SmallVector<int64_t> sortedByY;
  for (int64_t i : argsort(yContract))
    sortedByY.push_back(xContract[i]);
  SmallVector<int64_t> order(xBatch);
  llvm::append_range(order, xKept);
  llvm::append_range(order, sortedByY);
  return r.transpose(dot, argsort(order));
}
} // namespace

LogicalResult DotGeneralOp::transpose(OpBuilder &b, Operands operands, Cts ct,
                                      Results &out) {
  if (isLinear(operands, 0) && isLinear(operands, 1))
    return notLinear(*this, "both operands depend on tangents");
  RuleBuilder r(b, getLoc());
  auto lhsType = cast<RankedTensorType>(getLhs().getType());
  auto rhsType = cast<RankedTensorType>(getRhs().getType());
  // JAX's rule keeps the operands' precisions (swapped for rhs's
  // cotangent, which takes the lhs place).
  ArrayAttr precision = getPrecisionConfigAttr();
  ArrayAttr swapped =
      precision ? ArrayAttr::get(getContext(), {precision[1], precision[0]})
                : ArrayAttr();
  if (isLinear(operands, 0))
    out.push_back(transposeDotLhs(
        r, ct[0], lhsType, operands[1], getLhsContractingDimensions(),
        getRhsContractingDimensions(), getLhsBatchingDimensions(),
        getRhsBatchingDimensions(), false, precision));
  else
    out.push_back(Value());
  if (isLinear(operands, 1))
    out.push_back(transposeDotLhs(
        r, ct[0], rhsType, operands[0], getRhsContractingDimensions(),
        getLhsContractingDimensions(), getRhsBatchingDimensions(),
        getLhsBatchingDimensions(), true, swapped));
  else
    out.push_back(Value());
  return success();
}

LogicalResult ReduceOp::transpose(OpBuilder &b, Operands operands, Cts ct,
                                  Results &out) {
  // Only sums are linear: broadcast the cotangent back over the reduced
  // dimensions (and sum it for a linear init value).
  Block &body = getBody().front();
  bool isSum = getInputs().size() == 1 && body.getOperations().size() == 2 &&
               isa<AddOp>(body.front());
  if (!isSum)
    return notLinear(*this, "only sum reductions are linear");
  RuleBuilder r(b, getLoc());
  auto inType = cast<RankedTensorType>(getInputs()[0].getType());
  SmallVector<int64_t> kept;
  for (int64_t d = 0; d < inType.getRank(); ++d)
    if (!llvm::is_contained(getDimensions(), d))
      kept.push_back(d);
  out.push_back(isLinear(operands, 0)
                    ? BroadcastInDimOp::create(b, getLoc(), inType, ct[0], kept)
                          .getResult()
                    : Value());
  if (isLinear(operands, 1)) {
    auto ctType = cast<RankedTensorType>(ct[0].getType());
    out.push_back(r.reduceSum(ct[0], range(0, ctType.getRank())));
  } else {
    out.push_back(Value());
  }
  return success();
}

//===----------------------------------------------------------------------===//
// custom_lin: its transpose is the custom_vjp's bwd
//===----------------------------------------------------------------------===//

LogicalResult CustomLinOp::transpose(OpBuilder &b, Operands operands, Cts ct,
                                     Results &out) {
  size_t numResiduals = getResiduals().size();
  for (size_t i = 0; i < numResiduals; ++i)
    if (isLinear(operands, i))
      return notLinear(*this, "a residual depends on tangents");
  RuleBuilder r(b, getLoc());
  SmallVector<Value> args(operands.take_front(numResiduals));
  for (auto [c, result] : llvm::zip(ct, getResults()))
    args.push_back(c ? c : r.zerosLike(result));
  SmallVector<Type> types(getTangents().getTypes());
  auto call = func::CallOp::create(b, getLoc(), getBwdAttr(), types, args);
  out.append(numResiduals, Value());
  llvm::append_range(out, call.getResults());
  return success();
}
