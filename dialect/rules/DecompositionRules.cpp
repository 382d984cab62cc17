//===- DecompositionRules.cpp - rules of eigh, svd, qr and lu -------------===//
//
// JAX's JVP rules (lax/linalg.py): eigh and svd by perturbation theory for
// distinct eigen/singular values, qr from Townsend's derivation, lu from the
// differentiation of triangular factorizations. Every tangent is a linear
// function of the operand's tangent built from products, solves and masks
// with primal matrices, so linearize and transpose need no rules of their
// own. Batching moves the batch dimension in front.
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/rules/MatrixUtils.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
using Values = ArrayRef<Value>;
using Dims = ArrayRef<int64_t>;
using Results = SmallVectorImpl<Value>;
using ResultDims = SmallVectorImpl<int64_t>;

/// Clones `op` with its operands' batch dimension moved (or broadcast) to
/// the front and a leading dimension of size n on every result.
LogicalResult batchAtFront(Operation *op, OpBuilder &b, Values operands,
                           Dims dims, int64_t n, Results &results,
                           ResultDims &resultDims) {
  RuleBuilder r(b, op->getLoc());
  IRMapping map;
  for (auto [orig, v, d] : llvm::zip(op->getOperands(), operands, dims))
    map.map(orig, toFront(r, v, d, n));
  Operation *clone = b.clone(*op, map);
  for (Value res : clone->getResults()) {
    res.setType(withDim(res.getType(), n, 0));
    results.push_back(res);
    resultDims.push_back(0);
  }
  return success();
}

int64_t dimSize(Value v, int64_t fromBack) {
  auto type = cast<RankedTensorType>(v.getType());
  return type.getDimSize(type.getRank() - fromBack);
}

/// x ([..., k]) broadcast to `like`'s matrix shape along rows (element
/// (i, j) = x[j], `alongRows`) or columns (element (i, j) = x[i]).
Value spread(RuleBuilder &r, Value x, Value like, bool alongRows) {
  auto likeType = cast<RankedTensorType>(like.getType());
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t rank = likeType.getRank();
  SmallVector<int64_t> dims;
  for (int64_t d = 0; d < rank - 2; ++d)
    dims.push_back(d);
  dims.push_back(alongRows ? rank - 1 : rank - 2);
  return BroadcastInDimOp::create(r.builder(), r.getLoc(),
                                  likeType.clone(xType.getElementType()), x,
                                  dims)
      .getResult();
}

/// The diagonal ([..., n]) of square matrices x.
Value diagonal(RuleBuilder &r, Value x) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  return r.reduceSum(keepWhere(r, identityMaskOf(r, x), x), {rank - 1});
}

/// Converts a real tensor to `like`'s (possibly complex) element type.
Value asTypeOf(RuleBuilder &r, Value x, Value like) {
  Type element = getElementTypeOrSelf(like.getType());
  if (getElementTypeOrSelf(x.getType()) == element)
    return x;
  return r.convert(x, element);
}

/// Real part (identity for real tensors).
Value realPart(RuleBuilder &r, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  auto complex = dyn_cast<ComplexType>(type.getElementType());
  if (!complex)
    return x;
  return RealOp::create(r.builder(), r.getLoc(),
                        type.clone(complex.getElementType()), x);
}

Value slice(RuleBuilder &r, Value x, ArrayRef<int64_t> limitTail) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> start(type.getRank(), 0), limit(type.getShape()),
      strides(type.getRank(), 1);
  for (auto [i, l] : llvm::enumerate(limitTail))
    limit[type.getRank() - limitTail.size() + i] = l;
  if (ArrayRef<int64_t>(limit) == type.getShape())
    return x;
  return SliceOp::create(r.builder(), r.getLoc(), x, start, limit, strides)
      .getResult();
}

/// Zero-pads the trailing two dimensions of x at the end by (rows, cols).
Value padEnd(RuleBuilder &r, Value x, int64_t rows, int64_t cols) {
  if (!rows && !cols)
    return x;
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> lo(rank, 0), hi(rank, 0), interior(rank, 0);
  hi[rank - 2] = rows;
  hi[rank - 1] = cols;
  Value zero = r.constant(RankedTensorType::get({}, type.getElementType()), 0);
  return PadOp::create(r.builder(), r.getLoc(), x, zero, lo, hi, interior)
      .getResult();
}
} // namespace

//===----------------------------------------------------------------------===//
// eigh
//===----------------------------------------------------------------------===//

LogicalResult EighOp::jvp(OpBuilder &b, Values t, Results &out) {
  RuleBuilder r(b, getLoc());
  Value v = getVectors();
  Value w = asTypeOf(r, getValues(), v);
  // F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it.
  Value eye = identityLike(r, v);
  Value gaps = r.add(eye, r.sub(spread(r, w, v, /*alongRows=*/true),
                                spread(r, w, v, /*alongRows=*/false)));
  Value f = r.sub(r.div(r.onesLike(gaps), gaps), eye);
  Value vhDaV = batchMatmul(r, batchMatmul(r, adjoint(r, v), t[0]), v);
  out.push_back(batchMatmul(r, v, r.mul(f, vhDaV)));
  out.push_back(diagonal(r, realPart(r, vhDaV)));
  return success();
}

LogicalResult EighOp::batch(OpBuilder &b, Values operands, Dims dims, int64_t n,
                            Results &results, ResultDims &resultDims) {
  return batchAtFront(*this, b, operands, dims, n, results, resultDims);
}

//===----------------------------------------------------------------------===//
// svd
//===----------------------------------------------------------------------===//

LogicalResult SvdOp::jvp(OpBuilder &b, Values t, Results &out) {
  RuleBuilder r(b, getLoc());
  Value a = getOperand(), da = t[0];
  int64_t m = dimSize(a, 2), n = dimSize(a, 1);
  if (getComputeUv() && getFullMatrices() && m != n)
    return emitOpError("has no JVP for full_matrices of non-square matrices "
                       "(JAX's limitation too); use full_matrices=false");
  Value s, u, vt;
  if (getComputeUv()) {
    s = getResults()[0];
    u = getResults()[1];
    vt = getResults()[2];
  } else {
    int64_t k = std::min(m, n);
    auto type = cast<RankedTensorType>(a.getType());
    SmallVector<int64_t> batch(type.getShape().drop_back(2));
    auto matrix = [&](int64_t rows, int64_t cols) {
      SmallVector<int64_t> shape(batch);
      shape.append({rows, cols});
      return type.clone(shape);
    };
    // The reduced decomposition with U and V^H.
    OperationState state(getLoc(), getOperationName());
    state.addOperands(a);
    state.addAttribute(getFullMatricesAttrName(), b.getBoolAttr(false));
    state.addAttribute(getComputeUvAttrName(), b.getBoolAttr(true));
    state.addTypes({getResults()[0].getType(), matrix(m, k), matrix(k, n)});
    Operation *full = b.create(state);
    s = full->getResult(0);
    u = full->getResult(1);
    vt = full->getResult(2);
  }
  Value ut = adjoint(r, u), v = adjoint(r, vt);
  Value dS = batchMatmul(r, batchMatmul(r, ut, da), v);
  Value ds = diagonal(r, realPart(r, dS));
  out.push_back(ds);
  if (!getComputeUv())
    return success();
  // With k = min(m, n): sRow[i, j] = s[j], sCol[i, j] = s[i] ([k, k]).
  Value sRow = spread(r, s, dS, /*alongRows=*/true);
  Value sCol = spread(r, s, dS, /*alongRows=*/false);
  Value eye = identityLike(r, sRow);
  Value diffs = r.mul(r.add(sRow, sCol), r.sub(sRow, sCol));
  Value fReal = r.sub(r.div(r.onesLike(diffs), r.add(diffs, eye)), eye);
  Value f = asTypeOf(r, fReal, dS);
  Value dSS = r.mul(asTypeOf(r, sRow, dS), dS);
  Value sdS = r.mul(asTypeOf(r, sCol, dS), dS);
  Value sZero = r.select(r.compare(ComparisonDirection::EQ, s, r.zerosLike(s)),
                         r.onesLike(s), r.zerosLike(s));
  Value sInv = r.sub(r.div(r.onesLike(s), r.add(s, sZero)), sZero);
  Value sInvMat = keepWhere(r, identityMaskOf(r, sRow),
                            spread(r, sInv, sRow, /*alongRows=*/true));
  Value dUdVDiag =
      r.mul(r.scale(r.sub(dS, adjoint(r, dS)), 0.5), asTypeOf(r, sInvMat, dS));
  Value dU =
      batchMatmul(r, u, r.add(r.mul(f, r.add(dSS, adjoint(r, dSS))), dUdVDiag));
  Value dV = batchMatmul(r, v, r.mul(f, r.add(sdS, adjoint(r, sdS))));
  if (m > n) {
    Value daV = batchMatmul(r, da, v);
    Value resid = r.sub(daV, batchMatmul(r, u, batchMatmul(r, ut, daV)));
    dU = r.add(dU, r.div(resid, asTypeOf(r, spread(r, s, resid, true), dS)));
  }
  if (n > m) {
    Value dahU = batchMatmul(r, adjoint(r, da), u);
    Value resid = r.sub(dahU, batchMatmul(r, v, batchMatmul(r, vt, dahU)));
    dV = r.add(dV, r.div(resid, asTypeOf(r, spread(r, s, resid, true), dS)));
  }
  out.push_back(dU);
  out.push_back(adjoint(r, dV));
  return success();
}

LogicalResult SvdOp::batch(OpBuilder &b, Values operands, Dims dims, int64_t n,
                           Results &results, ResultDims &resultDims) {
  return batchAtFront(*this, b, operands, dims, n, results, resultDims);
}

//===----------------------------------------------------------------------===//
// qr
//===----------------------------------------------------------------------===//

LogicalResult QrOp::jvp(OpBuilder &b, Values t, Results &out) {
  RuleBuilder r(b, getLoc());
  Value a = getOperand(), dx = t[0];
  int64_t m = dimSize(a, 2), n = dimSize(a, 1);
  if (m < n || (getFullMatrices() && m != n))
    return emitOpError("has no JVP for matrices with more columns than rows "
                       "or full_matrices of non-square matrices (JAX's "
                       "limitation too)");
  Value q = getQ(), rr = getR();
  Value dxRinv = triangularSolve(r, rr, dx, /*leftSide=*/false,
                                 /*lower=*/false, false, false, false);
  Value qtDxRinv = batchMatmul(r, adjoint(r, q), dxRinv);
  Value low = keepWhere(r, triangleMask(r, qtDxRinv, true, -1), qtDxRinv);
  Value dO = r.sub(low, adjoint(r, low));
  if (isa<ComplexType>(getElementTypeOrSelf(a.getType()))) {
    // The diagonal's imaginary part (needed for complex inputs).
    Value imag = r.sub(qtDxRinv, asTypeOf(r, realPart(r, qtDxRinv), qtDxRinv));
    dO = r.add(dO, keepWhere(r, identityMaskOf(r, imag), imag));
  }
  out.push_back(r.add(batchMatmul(r, q, r.sub(dO, qtDxRinv)), dxRinv));
  out.push_back(batchMatmul(r, r.sub(qtDxRinv, dO), rr));
  return success();
}

LogicalResult QrOp::batch(OpBuilder &b, Values operands, Dims dims, int64_t n,
                          Results &results, ResultDims &resultDims) {
  return batchAtFront(*this, b, operands, dims, n, results, resultDims);
}

//===----------------------------------------------------------------------===//
// lu
//===----------------------------------------------------------------------===//

namespace {
/// x[..., perm[..., i], :]: the rows of each matrix of x permuted.
Value permuteRows(RuleBuilder &r, Value x, Value perm) {
  auto type = cast<RankedTensorType>(x.getType());
  auto permType = cast<RankedTensorType>(perm.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> idxShape(permType.getShape());
  idxShape.push_back(1);
  Value idx = r.reshape(perm, permType.clone(idxShape));
  SmallVector<int64_t> batch, sizes(rank - 2, 1);
  for (int64_t d = 0; d < rank - 2; ++d)
    batch.push_back(d);
  sizes.append({1, type.getShape().back()});
  return GatherOp::create(r.builder(), r.getLoc(), type, x, idx,
                          /*offset_dims=*/ArrayRef<int64_t>{rank - 1},
                          /*collapsed_slice_dims=*/ArrayRef<int64_t>{rank - 2},
                          /*operand_batching_dims=*/batch,
                          /*start_indices_batching_dims=*/batch,
                          /*start_index_map=*/ArrayRef<int64_t>{rank - 2},
                          /*index_vector_dim=*/rank - 1, sizes)
      .getResult();
}
} // namespace

LogicalResult LuOp::jvp(OpBuilder &b, Values t, Results &out) {
  RuleBuilder r(b, getLoc());
  Value lu = getLu();
  int64_t m = dimSize(lu, 2), n = dimSize(lu, 1), k = std::min(m, n);
  Value x = permuteRows(r, t[0], getPermutation());
  // L: the unit-lower [m, m] factor; U: the upper [n, n] one, completed by
  // the identity below row k.
  Value lPart = slice(r, lu, {m, k});
  Value l = padEnd(r, keepWhere(r, triangleMask(r, lPart, true, -1), lPart), 0,
                   m - k);
  l = r.add(l, identityLike(r, l));
  Value uPart = slice(r, lu, {k, n});
  Value u = padEnd(r, keepWhere(r, triangleMask(r, uPart, false, 0), uPart),
                   n - k, 0);
  if (n > k) {
    // Ones on the diagonal below row k: I_n minus I_k padded to [n, n].
    Value eyeK = identityLike(r, slice(r, u, {k, k}));
    u = r.add(u, r.sub(identityLike(r, u), padEnd(r, eyeK, n - k, n - k)));
  }
  Value la = triangularSolve(r, l, x, /*leftSide=*/true, /*lower=*/true,
                             /*unitDiagonal=*/true, false, false);
  Value lau = triangularSolve(r, u, la, /*leftSide=*/false, /*lower=*/false,
                              false, false, false);
  Value lDot =
      batchMatmul(r, l, keepWhere(r, triangleMask(r, lau, true, -1), lau));
  Value uDot =
      batchMatmul(r, keepWhere(r, triangleMask(r, lau, false, 0), lau), u);
  out.push_back(r.add(lDot, uDot));
  out.push_back(Value());
  out.push_back(Value());
  return success();
}

LogicalResult LuOp::batch(OpBuilder &b, Values operands, Dims dims, int64_t n,
                          Results &results, ResultDims &resultDims) {
  return batchAtFront(*this, b, operands, dims, n, results, resultDims);
}

//===----------------------------------------------------------------------===//
// eig
//===----------------------------------------------------------------------===//

namespace {
/// a^-1 x for square a, through a's LU factorization.
Value luSolve(RuleBuilder &r, Value a, Value x) {
  auto type = cast<RankedTensorType>(a.getType());
  SmallVector<int64_t> vec(type.getShape().drop_back());
  auto i32 = RankedTensorType::get(vec, r.builder().getI32Type());
  auto lu = LuOp::create(r.builder(), r.getLoc(), type, i32, i32, a);
  Value px = permuteRows(r, x, lu.getPermutation());
  Value y =
      triangularSolve(r, lu.getLu(), px, /*leftSide=*/true,
                      /*lower=*/true, /*unitDiagonal=*/true, false, false);
  return triangularSolve(r, lu.getLu(), y, /*leftSide=*/true, /*lower=*/false,
                         false, false, false);
}
} // namespace

LogicalResult EigOp::jvp(OpBuilder &b, Values t, Results &out) {
  if (getComputeLeftEigenvectors() || getComputeRightEigenvectors())
    return emitOpError("has no JVP for eigenvectors (as JAX by default: they "
                       "are only defined under assumptions on the input); "
                       "differentiate the eigenvalues alone");
  RuleBuilder r(b, getLoc());
  Type wType = getResults()[0].getType();
  auto vType = cast<RankedTensorType>(getOperand().getType())
                   .clone(getElementTypeOrSelf(wType));
  OperationState state(getLoc(), getOperationName());
  state.addOperands(getOperand());
  state.addAttribute(getComputeLeftEigenvectorsAttrName(),
                     b.getBoolAttr(false));
  state.addAttribute(getComputeRightEigenvectorsAttrName(),
                     b.getBoolAttr(true));
  state.addTypes({wType, vType});
  Value vr = b.create(state)->getResult(1);
  // dw = diag(V^-1 dA V)
  Value da = asTypeOf(r, t[0], vr);
  out.push_back(diagonal(r, batchMatmul(r, luSolve(r, vr, da), vr)));
  return success();
}

LogicalResult EigOp::batch(OpBuilder &b, Values operands, Dims dims, int64_t n,
                           Results &results, ResultDims &resultDims) {
  return batchAtFront(*this, b, operands, dims, n, results, resultDims);
}

//===----------------------------------------------------------------------===//
// schur, geqrf, householder_product (no derivatives, as in JAX)
//===----------------------------------------------------------------------===//

LogicalResult SchurOp::batch(OpBuilder &b, Values operands, Dims dims,
                             int64_t n, Results &results,
                             ResultDims &resultDims) {
  return batchAtFront(*this, b, operands, dims, n, results, resultDims);
}

LogicalResult GeqrfOp::batch(OpBuilder &b, Values operands, Dims dims,
                             int64_t n, Results &results,
                             ResultDims &resultDims) {
  return batchAtFront(*this, b, operands, dims, n, results, resultDims);
}

LogicalResult HouseholderProductOp::batch(OpBuilder &b, Values operands,
                                          Dims dims, int64_t n,
                                          Results &results,
                                          ResultDims &resultDims) {
  return batchAtFront(*this, b, operands, dims, n, results, resultDims);
}
