//===- JvpStructural.cpp - JVP rules of structural and linear ops
//----------===//
//
// Ops that are linear in their array operands apply themselves to the
// tangents (zeros instantiated only where an op mixes a zero and a non-zero
// tangent). Integer results, constants and iota have zero tangents.
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"
#include "dialect/rules/RuleBuilder.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
using Tangents = ArrayRef<Value>;
using Results = SmallVectorImpl<Value>;

/// Re-creates `op` with `operands` (same attributes and result types).
/// Operands are set positionally: a value used twice (dot(x, x)) may be
/// replaced at one position only, which a value mapping cannot express.
Value cloneWith(OpBuilder &b, Operation *op, ValueRange operands) {
  Operation *copy = b.clone(*op);
  copy->setOperands(operands);
  return copy->getResult(0);
}

/// Applies the (linear) op to the tangents; the operands listed in
/// `primalOperands` (e.g. indices) keep their primal values.
LogicalResult linearRule(Operation *op, OpBuilder &b, Tangents t, Results &out,
                         ArrayRef<unsigned> primalOperands = {}) {
  RuleBuilder r(b, op->getLoc());
  SmallVector<Value> operands;
  for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
    if (llvm::is_contained(primalOperands, i))
      operands.push_back(operand);
    else
      operands.push_back(r.orZeros(t[i], operand));
  }
  out.push_back(cloneWith(b, op, operands));
  return success();
}
} // namespace

LogicalResult mlir::mlax::defaultJvp(Operation *op, OpBuilder &b, Tangents t,
                                     Results &out) {
  if (op->hasTrait<ZeroDerivative>()) {
    out.append(op->getNumResults(), Value());
    return success();
  }
  if (op->hasTrait<LinearInOperands>()) {
    // Operands of non-differentiable types (indices) keep their values.
    SmallVector<unsigned> primal;
    for (auto [i, operand] : llvm::enumerate(op->getOperands()))
      if (!isDifferentiable(operand.getType()))
        primal.push_back(i);
    return linearRule(op, b, t, out, primal);
  }
  return op->emitOpError("has no JVP rule");
}

LogicalResult ConvertOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  // Tangents flow between differentiable types only: float-to-int and
  // int-to-float conversions have zero derivatives (as in JAX).
  if (!isDifferentiable(getOperand().getType()) ||
      !isDifferentiable(getType())) {
    out.push_back(Value());
    return success();
  }
  if (isa<ComplexType>(getElementTypeOrSelf(getOperand().getType())) &&
      !isa<ComplexType>(getElementTypeOrSelf(getType())))
    return emitOpError("has no JVP rule from complex to real");
  return linearRule(*this, b, t, out);
}

LogicalResult DotGeneralOp::jvp(OpBuilder &b, Tangents t, Results &out) {
  // Bilinear: d(l . r) = dl . r + l . dr.
  RuleBuilder r(b, getLoc());
  out.push_back(
      r.addTangents({t[0] ? cloneWith(b, *this, {t[0], getRhs()}) : Value(),
                     t[1] ? cloneWith(b, *this, {getLhs(), t[1]}) : Value()}));
  return success();
}
