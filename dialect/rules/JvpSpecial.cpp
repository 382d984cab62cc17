//===- JvpSpecial.cpp - JVP rules of the special functions ----------------===//
//
// erfc, lgamma, digamma, polygamma and zeta, with JAX's derivatives
// (lax/special.py): polygamma is differentiable in x only and zeta in q
// only; a tangent on the other operand is JAX's error.
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/rules/RuleBuilder.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
using Tangents = ArrayRef<Value>;
using Results = SmallVectorImpl<Value>;
} // namespace

LogicalResult ErfcOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  // d/dx erfc(x) = -2/sqrt(pi) exp(-x^2)
  RuleBuilder r(b, getLoc());
  Value x = getOperand();
  out.push_back(r.mul(r.splat(x, -1.1283791670955126),
                      r.mul(t[0], r.exp(r.neg(r.mul(x, x))))));
  return success();
}

LogicalResult LgammaOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  RuleBuilder r(b, getLoc());
  out.push_back(r.mul(t[0], r.create<DigammaOp>(getOperand())));
  return success();
}

LogicalResult DigammaOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  RuleBuilder r(b, getLoc());
  Value x = getOperand();
  out.push_back(r.mul(t[0], r.create<PolygammaOp>(r.onesLike(x), x)));
  return success();
}

LogicalResult PolygammaOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  if (t[0])
    return emitOpError(
        "is not differentiable with respect to n (its first operand)");
  RuleBuilder r(b, getLoc());
  Value n = getLhs(), x = getRhs();
  out.push_back(r.mul(t[1], r.create<PolygammaOp>(r.add(n, r.onesLike(n)), x)));
  return success();
}

LogicalResult ZetaOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  if (t[0])
    return emitOpError(
        "is not differentiable with respect to x (its first operand)");
  // d/dq zeta(x, q) = -x zeta(x + 1, q)
  RuleBuilder r(b, getLoc());
  Value x = getLhs(), q = getRhs();
  Value dq = r.neg(r.mul(x, r.create<ZetaOp>(r.add(x, r.onesLike(x)), q)));
  out.push_back(r.mul(t[1], dq));
  return success();
}
