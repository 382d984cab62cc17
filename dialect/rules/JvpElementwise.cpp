//===- JvpElementwise.cpp - JVP rules of elementwise ops
//-------------------===//
//
// t is the operand's tangent, y the op's (primal) result. Rules follow the
// derivatives JAX uses, including its conventions at non-smooth points
// (max/min split ties evenly; rounding and sign have zero derivatives).
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/rules/RuleBuilder.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
using Tangents = ArrayRef<Value>;
using Results = SmallVectorImpl<Value>;

/// Unary rule helper: out = t * factor(x, y) (factor built lazily).
template <typename Fn>
LogicalResult scaleRule(Operation *op, OpBuilder &b, Tangents t, Results &out,
                        Fn factor) {
  RuleBuilder r(b, op->getLoc());
  out.push_back(r.mul(t[0], factor(r, op->getOperand(0), op->getResult(0))));
  return success();
}

LogicalResult zeroRule(Operation *op, Results &out) {
  out.append(op->getNumResults(), Value());
  return success();
}

LogicalResult notDifferentiableComplex(Operation *op) {
  return op->emitOpError("has no JVP rule for complex operands yet");
}
} // namespace

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

LogicalResult NegOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  out.push_back(RuleBuilder(b, getLoc()).neg(t[0]));
  return success();
}

LogicalResult AbsOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  RuleBuilder r(b, getLoc());
  Value x = getOperand();
  if (isa<ComplexType>(getElementTypeOrSelf(x.getType()))) {
    // JAX: real(t * conj(x) / |x|), with |x| = 0 replaced by 1.
    Value ans = r.create<ComplexOp>(getResult(), r.zerosLike(getResult()));
    Value safe =
        r.select(r.compare(ComparisonDirection::EQ, ans, r.zerosLike(ans)),
                 r.onesLike(ans), ans);
    Value conjX =
        r.create<ComplexOp>(r.create<RealOp>(x), r.neg(r.create<ImagOp>(x)));
    out.push_back(r.create<RealOp>(r.mul(t[0], r.div(conjX, safe))));
    return success();
  }
  // JAX: select(x >= 0, t, -t) (the derivative at 0 is 1).
  out.push_back(r.select(r.compare(ComparisonDirection::GE, x, r.zerosLike(x)),
                         t[0], r.neg(t[0])));
  return success();
}

LogicalResult ExpOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  return scaleRule(*this, b, t, out,
                   [](RuleBuilder &, Value, Value y) { return y; });
}

LogicalResult Expm1Op::jvp(OpBuilder &b, Tangents t, Results &out) {
  return scaleRule(*this, b, t, out, [](RuleBuilder &r, Value, Value y) {
    return r.add(y, r.onesLike(y));
  });
}

LogicalResult LogOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  out.push_back(RuleBuilder(b, getLoc()).div(t[0], getOperand()));
  return success();
}

LogicalResult Log1pOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  RuleBuilder r(b, getLoc());
  out.push_back(r.div(t[0], r.add(getOperand(), r.onesLike(getOperand()))));
  return success();
}

LogicalResult SqrtOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  // t * (0.5 / y), JAX's exact formula (so results round identically).
  RuleBuilder r(b, getLoc());
  Value y = getResult();
  out.push_back(r.mul(t[0], r.div(r.splat(y, 0.5), y)));
  return success();
}

LogicalResult RsqrtOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  // d/dx x^-1/2 = -1/2 * (y / x)
  return scaleRule(*this, b, t, out, [](RuleBuilder &r, Value x, Value y) {
    return r.mul(r.splat(y, -0.5), r.div(y, x));
  });
}

LogicalResult CbrtOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  // d/dx x^1/3 = 1/3 * y^-2
  RuleBuilder r(b, getLoc());
  Value y = getResult();
  Value inv = r.div(r.onesLike(y), r.mul(y, y));
  out.push_back(r.mul(t[0], r.mul(r.splat(y, 1.0 / 3.0), inv)));
  return success();
}

LogicalResult SineOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  return scaleRule(*this, b, t, out,
                   [](RuleBuilder &r, Value x, Value) { return r.cos(x); });
}

LogicalResult SinhOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  return scaleRule(*this, b, t, out, [&](RuleBuilder &r, Value x, Value) {
    return r.create<CoshOp>(x);
  });
}

LogicalResult CoshOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  return scaleRule(*this, b, t, out, [&](RuleBuilder &r, Value x, Value) {
    return r.create<SinhOp>(x);
  });
}

LogicalResult CosineOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  return scaleRule(*this, b, t, out, [](RuleBuilder &r, Value x, Value) {
    return r.neg(r.sin(x));
  });
}

LogicalResult TanOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  return scaleRule(*this, b, t, out, [](RuleBuilder &r, Value, Value y) {
    return r.add(r.onesLike(y), r.mul(y, y));
  });
}

LogicalResult TanhOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  // (t + t * y) * (1 - y): JAX's formula, same rounding.
  RuleBuilder r(b, getLoc());
  Value y = getResult();
  out.push_back(r.mul(r.add(t[0], r.mul(t[0], y)), r.sub(r.onesLike(y), y)));
  return success();
}

LogicalResult IntegerPowOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  // t * (y * x^(y-1)), JAX's rule; zero for y == 0.
  RuleBuilder r(b, getLoc());
  int64_t y = getExponent();
  if (y == 0) {
    out.push_back(Value());
    return success();
  }
  Value x = getOperand();
  out.push_back(
      r.mul(t[0], r.mul(r.splat(x, double(y)), r.integerPow(x, y - 1))));
  return success();
}

LogicalResult LogisticOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  return scaleRule(*this, b, t, out, [](RuleBuilder &r, Value, Value y) {
    return r.mul(y, r.sub(r.onesLike(y), y));
  });
}

LogicalResult ErfOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  // d/dx erf(x) = 2/sqrt(pi) exp(-x^2): c * (t * exp(-x^2))
  RuleBuilder r(b, getLoc());
  Value x = getOperand();
  out.push_back(r.mul(r.splat(x, 1.1283791670955126),
                      r.mul(t[0], r.exp(r.neg(r.mul(x, x))))));
  return success();
}

LogicalResult ErfInvOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  // d/dx erfinv(x) = sqrt(pi)/2 exp(y^2)
  return scaleRule(*this, b, t, out, [](RuleBuilder &r, Value, Value y) {
    return r.scale(r.exp(r.mul(y, y)), 0.88622692545275801);
  });
}

//===----------------------------------------------------------------------===//
// Binary
//===----------------------------------------------------------------------===//

LogicalResult AddOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  out.push_back(RuleBuilder(b, getLoc()).addTangents({t[0], t[1]}));
  return success();
}

LogicalResult SubtractOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  RuleBuilder r(b, getLoc());
  out.push_back(t[1] ? (t[0] ? r.sub(t[0], t[1]) : r.neg(t[1])) : t[0]);
  return success();
}

LogicalResult MulOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  RuleBuilder r(b, getLoc());
  out.push_back(r.addTangents({t[0] ? r.mul(t[0], getRhs()) : Value(),
                               t[1] ? r.mul(getLhs(), t[1]) : Value()}));
  return success();
}

LogicalResult DivOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  // d(x/y) = dx / y + (-dy * x) * y^-2 (JAX's formula).
  RuleBuilder r(b, getLoc());
  Value x = getLhs(), y = getRhs();
  Value rhsTerm;
  if (t[1])
    rhsTerm = r.mul(r.mul(r.neg(t[1]), x), r.integerPow(y, -2));
  out.push_back(r.addTangents({t[0] ? r.div(t[0], y) : Value(), rhsTerm}));
  return success();
}

LogicalResult RemOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  // rem(x, y) = x - y * trunc(x / y): d/dx = 1, d/dy = -trunc(x / y).
  RuleBuilder r(b, getLoc());
  Value rhsTerm;
  if (t[1]) {
    Value q = r.div(getLhs(), getRhs());
    Value trunc =
        r.select(r.compare(ComparisonDirection::LT, q, r.zerosLike(q)),
                 r.ceil(q), r.floor(q));
    rhsTerm = r.neg(r.mul(t[1], trunc));
  }
  out.push_back(r.addTangents({t[0], rhsTerm}));
  return success();
}

LogicalResult PowOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  // d/dx x^y = y x^(y-1) (NaN at x = y = 0, as in JAX for float y);
  // d/dy x^y = log(x) x^y, with log(0) taken as 0 (JAX's convention).
  RuleBuilder r(b, getLoc());
  Value x = getLhs(), y = getRhs(), z = getResult();
  Value lhsTerm, rhsTerm;
  if (t[0]) {
    Value jac = r.mul(y, r.pow(x, r.sub(y, r.onesLike(y))));
    lhsTerm = r.mul(t[0], jac);
  }
  if (t[1]) {
    Value safeX = x;
    if (!isa<ComplexType>(getElementTypeOrSelf(x.getType())))
      safeX = r.select(r.compare(ComparisonDirection::EQ, x, r.zerosLike(x)),
                       r.onesLike(x), x);
    rhsTerm = r.mul(t[1], r.mul(r.log(safeX), z));
  }
  out.push_back(r.addTangents({lhsTerm, rhsTerm}));
  return success();
}

namespace {
/// JAX's balanced tie-break for max/min: weight 1 where `x` alone attains
/// the result `z`, 1/2 where both operands do, 0 elsewhere.
Value balancedWeight(RuleBuilder &r, Value x, Value z, Value other) {
  Value xWins = r.compare(ComparisonDirection::EQ, x, z);
  Value tie = r.compare(ComparisonDirection::EQ, other, z);
  Value w = r.select(tie, r.splat(x, 0.5), r.onesLike(x));
  return r.select(xWins, w, r.zerosLike(x));
}

LogicalResult minMaxRule(Operation *op, OpBuilder &b, Tangents t,
                         Results &out) {
  RuleBuilder r(b, op->getLoc());
  Value x = op->getOperand(0), y = op->getOperand(1), z = op->getResult(0);
  out.push_back(r.addTangents(
      {t[0] ? r.mul(t[0], balancedWeight(r, x, z, y)) : Value(),
       t[1] ? r.mul(t[1], balancedWeight(r, y, z, x)) : Value()}));
  return success();
}
} // namespace

LogicalResult MaxOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  if (isa<ComplexType>(getElementTypeOrSelf(getType())))
    return notDifferentiableComplex(*this);
  return minMaxRule(*this, b, t, out);
}

LogicalResult MinOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  if (isa<ComplexType>(getElementTypeOrSelf(getType())))
    return notDifferentiableComplex(*this);
  return minMaxRule(*this, b, t, out);
}

LogicalResult Atan2Op::jvp(OpBuilder &b, Tangents t, Results &out) {
  // atan2(x, y): d/dx = y / (x^2 + y^2), d/dy = -x / (x^2 + y^2).
  RuleBuilder r(b, getLoc());
  Value x = getLhs(), y = getRhs();
  Value denom = r.add(r.mul(x, x), r.mul(y, y));
  out.push_back(
      r.addTangents({t[0] ? r.mul(t[0], r.div(y, denom)) : Value(),
                     t[1] ? r.div(r.mul(t[1], r.neg(x)), denom) : Value()}));
  return success();
}

//===----------------------------------------------------------------------===//
// Comparison, selection, clamping
//===----------------------------------------------------------------------===//

LogicalResult SelectOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  RuleBuilder r(b, getLoc());
  if (!t[1] && !t[2])
    return zeroRule(*this, out);
  out.push_back(r.select(getPred(), r.orZeros(t[1], getOnTrue()),
                         r.orZeros(t[2], getOnFalse())));
  return success();
}

LogicalResult ClampOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  // JAX's masks (ties give zero): min counts where min > x and min < max,
  // x where min < x < max, max where max < x.
  RuleBuilder r(b, getLoc());
  Value x = getOperand();
  auto full = [&](Value v) -> Value {
    if (cast<RankedTensorType>(v.getType()).getRank() == 0 &&
        cast<RankedTensorType>(x.getType()).getRank() != 0)
      return BroadcastInDimOp::create(b, getLoc(), x.getType(), v,
                                      ArrayRef<int64_t>{})
          .getResult();
    return v;
  };
  Value lo = full(getMin()), hi = full(getMax());
  Value zeros = r.zerosLike(x);
  auto masked = [&](Value tangent, Value a, Value c) -> Value {
    if (!tangent)
      return Value();
    Value mask = AndOp::create(b, getLoc(), a, c).getResult();
    return r.select(mask, full(tangent), zeros);
  };
  Value tMin = masked(t[0], r.compare(ComparisonDirection::GT, lo, x),
                      r.compare(ComparisonDirection::LT, lo, hi));
  Value tX = masked(t[1], r.compare(ComparisonDirection::GT, x, lo),
                    r.compare(ComparisonDirection::LT, x, hi));
  Value tMax = t[2] ? r.select(r.compare(ComparisonDirection::LT, hi, x),
                               full(t[2]), zeros)
                    : Value();
  out.push_back(r.addTangents({tMin, tX, tMax}));
  return success();
}
