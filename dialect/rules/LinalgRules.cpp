//===- LinalgRules.cpp - rules of cholesky, triangular_solve and fft ------===//
//
// JAX's rules (lax/linalg.py, lax/fft.py): cholesky's JVP from Murray
// (arXiv:1602.07527), triangular_solve linear in b with its JVP in a
// ordered by cost, fft linear with the masks RFFT/IRFFT need for their
// Hermitian redundancy. Batching moves the batch dimension in front of the
// matrix (or FFT) dimensions.
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/rules/MatrixUtils.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
using Values = ArrayRef<Value>;
using Dims = ArrayRef<int64_t>;
using Results = SmallVectorImpl<Value>;
using ResultDims = SmallVectorImpl<int64_t>;

bool isTransposed(Transpose t) { return t != Transpose::NO_TRANSPOSE; }
bool isConjugated(Transpose t) { return t == Transpose::ADJOINT; }
} // namespace

//===----------------------------------------------------------------------===//
// cholesky
//===----------------------------------------------------------------------===//

LogicalResult CholeskyOp::jvp(OpBuilder &b, Values t, Results &out) {
  // L_dot = L phi(L^-1 dA L^-H), phi: lower triangle, diagonal halved.
  RuleBuilder r(b, getLoc());
  Value l = getResult();
  Value tmp = triangularSolve(r, l, t[0], /*leftSide=*/false, /*lower=*/true,
                              false, /*transposeA=*/true, /*conjugateA=*/true);
  Value inner = triangularSolve(r, l, tmp, /*leftSide=*/true, /*lower=*/true,
                                false, false, false);
  Value strict = triangleMask(r, inner, /*lower=*/true, -1);
  Value diag = r.create<AndOp>(triangleMask(r, inner, true, 0),
                               triangleMask(r, inner, false, 0));
  Value phi = r.select(strict, inner,
                       r.select(diag, r.scale(inner, 0.5), r.zerosLike(inner)));
  out.push_back(batchMatmul(r, l, phi));
  return success();
}

LogicalResult CholeskyOp::batch(OpBuilder &b, Values operands, Dims dims,
                                int64_t n, Results &results,
                                ResultDims &resultDims) {
  RuleBuilder r(b, getLoc());
  Value x = toFront(r, operands[0], dims[0], n);
  results.push_back(r.create<CholeskyOp>(x));
  resultDims.push_back(0);
  return success();
}

//===----------------------------------------------------------------------===//
// triangular_solve
//===----------------------------------------------------------------------===//

LogicalResult TriangularSolveOp::jvp(OpBuilder &b, Values t, Results &out) {
  RuleBuilder r(b, getLoc());
  Value a = getA(), x = getResult();
  bool trans = isTransposed(getTransposeA());
  bool conj = isConjugated(getTransposeA());
  auto aInverse = [&](Value rhs) {
    return triangularSolve(r, a, rhs, getLeftSide(), getLower(),
                           getUnitDiagonal(), trans, conj);
  };
  Value fromB = t[1] ? aInverse(t[1]) : Value();
  Value fromA;
  if (t[0]) {
    // -op(dA) restricted to the triangle the solve reads.
    int64_t k = getUnitDiagonal() ? 1 : 0;
    Value g = keepWhere(
        r, triangleMask(r, t[0], getLower(), getLower() ? -k : k), t[0]);
    g = r.neg(g);
    if (trans)
      g = matrixTranspose(r, g);
    if (conj)
      g = conjugate(r, g);
    auto bType = cast<RankedTensorType>(getB().getType());
    int64_t m = bType.getDimSize(bType.getRank() - 2);
    int64_t n = bType.getDimSize(bType.getRank() - 1);
    // Both orders cost about the same; take the cheaper one (JAX's choice).
    if (getLeftSide())
      fromA = m > n ? aInverse(batchMatmul(r, g, x))
                    : batchMatmul(r, aInverse(g), x);
    else
      fromA = m < n ? aInverse(batchMatmul(r, x, g))
                    : batchMatmul(r, x, aInverse(g));
  }
  out.push_back(r.addTangents({fromA, fromB}));
  return success();
}

LogicalResult TriangularSolveOp::transpose(OpBuilder &b, Values operands,
                                           Values ct, Results &out) {
  if (!operands[0])
    return emitOpError("is not linear in its tangent operands (the matrix "
                       "depends on tangents); it cannot be transposed");
  // op(a)^-1 transposes to op(a)^-T: flip transposition, keep conjugation.
  RuleBuilder r(b, getLoc());
  bool trans = isTransposed(getTransposeA());
  bool conj = isConjugated(getTransposeA());
  out.push_back(Value());
  out.push_back(triangularSolve(r, operands[0], ct[0], getLeftSide(),
                                getLower(), getUnitDiagonal(), !trans, conj));
  return success();
}

LogicalResult TriangularSolveOp::batch(OpBuilder &b, Values operands, Dims dims,
                                       int64_t n, Results &results,
                                       ResultDims &resultDims) {
  RuleBuilder r(b, getLoc());
  Value a = operands[0], rhs = operands[1];
  auto solve = [&](Value a, Value rhs) {
    return TriangularSolveOp::create(b, getLoc(), rhs.getType(), a, rhs,
                                     getLeftSide(), getLower(),
                                     getUnitDiagonal(), getTransposeA())
        .getResult();
  };
  if (dims[0] < 0) {
    // One matrix: fold the batch into b's free dimension (columns of a left
    // solve, rows of a right one) and solve once. `at` is the batch
    // dimension's position next to (after) the free one.
    auto type = cast<RankedTensorType>(rhs.getType());
    int64_t rank = type.getRank();
    int64_t at = getLeftSide() ? rank - 1 : rank - 2;
    Value moved = moveDim(r, rhs, dims[1], at);
    auto movedType = cast<RankedTensorType>(moved.getType());
    SmallVector<int64_t> flat(movedType.getShape());
    flat[at - 1] *= flat[at];
    flat.erase(flat.begin() + at);
    Value folded = r.reshape(moved, movedType.clone(flat));
    results.push_back(r.reshape(solve(a, folded), movedType));
    resultDims.push_back(at);
    return success();
  }
  results.push_back(
      solve(toFront(r, a, dims[0], n), toFront(r, rhs, dims[1], n)));
  resultDims.push_back(0);
  return success();
}

//===----------------------------------------------------------------------===//
// fft
//===----------------------------------------------------------------------===//

namespace {
/// The weights of the RFFT half spectrum along `like`'s last dimension (of
/// size m, for an FFT of length n): 1 for the DC term (and the Nyquist term
/// when n is even), 2 for the terms that stand for a conjugate pair.
Value hermitianWeights(RuleBuilder &r, Value like, int64_t n) {
  auto type = cast<RankedTensorType>(like.getType());
  int64_t m = type.getShape().back();
  OpBuilder &b = r.builder();
  auto idxType = RankedTensorType::get({m}, b.getI64Type());
  Value i = IotaOp::create(b, r.getLoc(), idxType, 0);
  Value single = r.compare(ComparisonDirection::EQ, i, r.splat(i, 0.0));
  if (n % 2 == 0)
    single = r.create<OrOp>(
        single, r.compare(ComparisonDirection::EQ, i, r.splat(i, m - 1.0)));
  auto vecType = RankedTensorType::get({m}, type.getElementType());
  Value one = r.constant(vecType, 1.0), two = r.constant(vecType, 2.0);
  return broadcastTrailing(r, r.select(single, one, two), type);
}
} // namespace

LogicalResult FftOp::transpose(OpBuilder &b, Values, Values ct, Results &out) {
  RuleBuilder r(b, getLoc());
  ArrayRef<int64_t> lengths = getFftLength();
  int64_t points = 1;
  for (int64_t n : lengths)
    points *= n;
  Type inType = getOperand().getType();
  auto fft = [&](Type type, Value x, FftType kind) {
    return FftOp::create(b, getLoc(), type, x, kind, lengths).getResult();
  };
  switch (getFftType()) {
  case FftType::FFT:
  case FftType::IFFT:
    // The DFT matrix is symmetric.
    out.push_back(fft(inType, ct[0], getFftType()));
    break;
  case FftType::RFFT: {
    Value w =
        r.div(conjugate(r, ct[0]), hermitianWeights(r, ct[0], lengths.back()));
    out.push_back(
        r.scale(fft(inType, w, FftType::IRFFT), static_cast<double>(points)));
    break;
  }
  case FftType::IRFFT: {
    Value x = fft(inType, ct[0], FftType::RFFT);
    Value w = r.mul(hermitianWeights(r, x, lengths.back()), x);
    out.push_back(conjugate(r, r.scale(w, 1.0 / points)));
    break;
  }
  }
  return success();
}

LogicalResult FftOp::batch(OpBuilder &b, Values operands, Dims dims, int64_t n,
                           Results &results, ResultDims &resultDims) {
  RuleBuilder r(b, getLoc());
  Value x = toFront(r, operands[0], dims[0], n);
  Type type = withDim(getType(), n, 0);
  results.push_back(
      FftOp::create(b, getLoc(), type, x, getFftType(), getFftLength()));
  resultDims.push_back(0);
  return success();
}
