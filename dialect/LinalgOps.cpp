//===- LinalgOps.cpp - verifiers of the linear algebra and FFT ops --------===//
#include "dialect/MlaxOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
/// Checks that `type` is a stack of square matrices ([..., n, n]).
LogicalResult verifySquare(Operation *op, StringRef what,
                           RankedTensorType type) {
  int64_t rank = type.getRank();
  if (rank < 2)
    return op->emitOpError() << what << " must have rank >= 2, got " << type;
  if (type.getDimSize(rank - 1) != type.getDimSize(rank - 2))
    return op->emitOpError() << what << " must be square in its two trailing "
                             << "dimensions, got " << type;
  return success();
}
} // namespace

LogicalResult CholeskyOp::verify() {
  return verifySquare(*this, "operand",
                      cast<RankedTensorType>(getOperand().getType()));
}

LogicalResult TriangularSolveOp::verify() {
  auto a = cast<RankedTensorType>(getA().getType());
  auto b = cast<RankedTensorType>(getB().getType());
  if (failed(verifySquare(*this, "a", a)))
    return failure();
  if (a.getElementType() != b.getElementType())
    return emitOpError("a and b must have one element type, got ")
           << a << " and " << b;
  if (b.getRank() != a.getRank())
    return emitOpError("a and b must have the same rank, got ")
           << a << " and " << b;
  int64_t rank = a.getRank();
  if (a.getShape().drop_back(2) != b.getShape().drop_back(2))
    return emitOpError("a and b must have the same batch dimensions, got ")
           << a << " and " << b;
  int64_t m = a.getDimSize(rank - 1);
  int64_t bm = b.getDimSize(getLeftSide() ? rank - 2 : rank - 1);
  if (bm != m)
    return emitOpError("b's ") << (getLeftSide() ? "rows" : "columns") << " ("
                               << bm << ") must match a's size " << m;
  if (getResult().getType() != b)
    return emitOpError("result type must equal b's type ") << b;
  return success();
}

LogicalResult FftOp::verify() {
  auto in = cast<RankedTensorType>(getOperand().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  ArrayRef<int64_t> lengths = getFftLength();
  int64_t k = lengths.size();
  if (k < 1 || k > 3)
    return emitOpError("fft_length must have 1 to 3 entries, got ") << k;
  if (in.getRank() < k)
    return emitOpError("operand rank ")
           << in.getRank() << " is less than the number of FFT dimensions "
           << k;
  if (out.getRank() != in.getRank())
    return emitOpError("result rank must equal the operand's");
  if (in.getShape().drop_back(k) != out.getShape().drop_back(k))
    return emitOpError("the leading (non-FFT) dimensions of operand and "
                       "result must agree");
  auto inC = dyn_cast<ComplexType>(in.getElementType());
  auto outC = dyn_cast<ComplexType>(out.getElementType());
  FftType kind = getFftType();
  bool complexIn = kind != FftType::RFFT, complexOut = kind != FftType::IRFFT;
  if (bool(inC) != complexIn || bool(outC) != complexOut)
    return emitOpError("operand and result element types ")
           << in.getElementType() << " -> " << out.getElementType()
           << " do not match fft_type " << stringifyFftType(kind);
  Type inReal = inC ? inC.getElementType() : in.getElementType();
  Type outReal = outC ? outC.getElementType() : out.getElementType();
  if (inReal != outReal)
    return emitOpError("operand and result must have the same precision");
  ArrayRef<int64_t> inTail = in.getShape().take_back(k);
  ArrayRef<int64_t> outTail = out.getShape().take_back(k);
  auto half = [&](ArrayRef<int64_t> full, ArrayRef<int64_t> halved) {
    return full.drop_back() == halved.drop_back() &&
           halved.back() == full.back() / 2 + 1;
  };
  bool ok = true;
  switch (kind) {
  case FftType::FFT:
  case FftType::IFFT:
    ok = inTail == lengths && outTail == lengths;
    break;
  case FftType::RFFT:
    ok = inTail == lengths && half(lengths, outTail);
    break;
  case FftType::IRFFT:
    ok = outTail == lengths && half(lengths, inTail);
    break;
  }
  if (!ok)
    return emitOpError("shapes ")
           << in << " -> " << out << " do not match fft_length [" << lengths
           << "] for " << stringifyFftType(kind);
  return success();
}

namespace {
/// `type`'s batch dimensions (all but the two trailing ones) followed by
/// `tail`.
SmallVector<int64_t> batchShape(RankedTensorType type, ArrayRef<int64_t> tail) {
  SmallVector<int64_t> shape(type.getShape().drop_back(2));
  llvm::append_range(shape, tail);
  return shape;
}

Type realElement(Type element) {
  if (auto c = dyn_cast<ComplexType>(element))
    return c.getElementType();
  return element;
}

LogicalResult expectType(Operation *op, StringRef what, Type got,
                         ArrayRef<int64_t> shape, Type element) {
  auto type = RankedTensorType::get(shape, element);
  if (got != type)
    return op->emitOpError()
           << what << " must have type " << type << ", got " << got;
  return success();
}

LogicalResult verifyMatrices(Operation *op, RankedTensorType type) {
  if (type.getRank() < 2)
    return op->emitOpError("operand must have rank >= 2, got ") << type;
  return success();
}
} // namespace

LogicalResult EighOp::verify() {
  auto a = cast<RankedTensorType>(getOperand().getType());
  if (failed(verifySquare(*this, "operand", a)))
    return failure();
  int64_t n = a.getShape().back();
  if (failed(expectType(*this, "vectors", getVectors().getType(), a.getShape(),
                        a.getElementType())))
    return failure();
  return expectType(*this, "values", getValues().getType(), batchShape(a, {n}),
                    realElement(a.getElementType()));
}

LogicalResult SvdOp::verify() {
  auto a = cast<RankedTensorType>(getOperand().getType());
  if (failed(verifyMatrices(*this, a)))
    return failure();
  int64_t m = a.getDimSize(a.getRank() - 2), n = a.getShape().back();
  int64_t k = std::min(m, n);
  size_t expected = getComputeUv() ? 3 : 1;
  if (getResults().size() != expected)
    return emitOpError("expected ")
           << expected << " results, got " << getResults().size();
  if (failed(expectType(*this, "s", getResults()[0].getType(),
                        batchShape(a, {k}), realElement(a.getElementType()))))
    return failure();
  if (!getComputeUv())
    return success();
  bool full = getFullMatrices();
  if (failed(expectType(*this, "u", getResults()[1].getType(),
                        batchShape(a, {m, full ? m : k}), a.getElementType())))
    return failure();
  return expectType(*this, "vh", getResults()[2].getType(),
                    batchShape(a, {full ? n : k, n}), a.getElementType());
}

LogicalResult QrOp::verify() {
  auto a = cast<RankedTensorType>(getOperand().getType());
  if (failed(verifyMatrices(*this, a)))
    return failure();
  int64_t m = a.getDimSize(a.getRank() - 2), n = a.getShape().back();
  int64_t k = getFullMatrices() ? m : std::min(m, n);
  if (failed(expectType(*this, "q", getQ().getType(), batchShape(a, {m, k}),
                        a.getElementType())))
    return failure();
  return expectType(*this, "r", getR().getType(), batchShape(a, {k, n}),
                    a.getElementType());
}

LogicalResult LuOp::verify() {
  auto a = cast<RankedTensorType>(getOperand().getType());
  if (failed(verifyMatrices(*this, a)))
    return failure();
  int64_t m = a.getDimSize(a.getRank() - 2), n = a.getShape().back();
  Type i32 = IntegerType::get(getContext(), 32);
  if (failed(expectType(*this, "lu", getLu().getType(), a.getShape(),
                        a.getElementType())) ||
      failed(expectType(*this, "pivots", getPivots().getType(),
                        batchShape(a, {std::min(m, n)}), i32)))
    return failure();
  return expectType(*this, "permutation", getPermutation().getType(),
                    batchShape(a, {m}), i32);
}

LogicalResult GeqrfOp::verify() {
  auto a = cast<RankedTensorType>(getOperand().getType());
  if (failed(verifyMatrices(*this, a)))
    return failure();
  int64_t m = a.getDimSize(a.getRank() - 2), n = a.getShape().back();
  if (failed(expectType(*this, "factors", getFactors().getType(), a.getShape(),
                        a.getElementType())))
    return failure();
  return expectType(*this, "taus", getTaus().getType(),
                    batchShape(a, {std::min(m, n)}), a.getElementType());
}

LogicalResult HouseholderProductOp::verify() {
  auto a = cast<RankedTensorType>(getA().getType());
  if (failed(verifyMatrices(*this, a)))
    return failure();
  int64_t m = a.getDimSize(a.getRank() - 2), n = a.getShape().back();
  auto taus = cast<RankedTensorType>(getTaus().getType());
  if (m < n)
    return emitOpError("a must have at least as many rows as columns, got ")
           << a;
  if (taus.getElementType() != a.getElementType() ||
      taus.getRank() != a.getRank() - 1 ||
      taus.getShape().drop_back() != a.getShape().drop_back(2) ||
      taus.getShape().back() > n)
    return emitOpError("taus must be [..., k] with k <= ")
           << n << " and a's batch dimensions and element type, got " << taus;
  return expectType(*this, "result", getResult().getType(), a.getShape(),
                    a.getElementType());
}

LogicalResult EigOp::verify() {
  auto a = cast<RankedTensorType>(getOperand().getType());
  if (failed(verifySquare(*this, "operand", a)))
    return failure();
  size_t expected = 1 + size_t(getComputeLeftEigenvectors()) +
                    size_t(getComputeRightEigenvectors());
  if (getResults().size() != expected)
    return emitOpError("expected ")
           << expected << " results, got " << getResults().size();
  Type element = a.getElementType();
  if (!isa<ComplexType>(element))
    element = ComplexType::get(element);
  int64_t n = a.getShape().back();
  if (failed(expectType(*this, "eigenvalues", getResults()[0].getType(),
                        batchShape(a, {n}), element)))
    return failure();
  for (Value v : getResults().drop_front())
    if (failed(expectType(*this, "eigenvectors", v.getType(), a.getShape(),
                          element)))
      return failure();
  return success();
}

LogicalResult SchurOp::verify() {
  auto a = cast<RankedTensorType>(getOperand().getType());
  if (failed(verifySquare(*this, "operand", a)))
    return failure();
  size_t expected = getComputeSchurVectors() ? 2 : 1;
  if (getResults().size() != expected)
    return emitOpError("expected ")
           << expected << " results, got " << getResults().size();
  for (Value v : getResults())
    if (v.getType() != a)
      return emitOpError("results must have the operand's type ") << a;
  return success();
}
