//===- ComplexRules.cpp - rules of real, imag and complex -----------------===//
//
// All three are linear. Transposes follow JAX's convention for complex
// cotangents: real^T(c) = complex(c, 0), imag^T(c) = complex(0, -c),
// complex^T(c) = (real(c), -imag(c)).
//
//===----------------------------------------------------------------------===//
#include "dialect/rules/RuleBuilder.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
Value complexOf(RuleBuilder &r, Value re, Value im) {
  return r.create<ComplexOp>(re, im);
}

/// Batching of an op that maps each element independently and whose
/// operands must share their batch dimension.
LogicalResult samePositionBatch(Operation *op, OpBuilder &b,
                                ArrayRef<Value> operands,
                                ArrayRef<int64_t> dims, int64_t n,
                                SmallVectorImpl<Value> &results,
                                SmallVectorImpl<int64_t> &resultDims) {
  RuleBuilder r(b, op->getLoc());
  SmallVector<Value> args(operands);
  int64_t dim = dims[0];
  if (llvm::any_of(dims, [&](int64_t d) { return d != dims[0]; })) {
    for (auto [i, v] : llvm::enumerate(operands))
      args[i] = toFront(r, v, dims[i], n);
    dim = 0;
  }
  OperationState state(op->getLoc(), op->getName());
  state.addOperands(args);
  state.addAttributes(op->getAttrs());
  auto t = cast<RankedTensorType>(args[0].getType());
  auto oldResult = cast<RankedTensorType>(op->getResult(0).getType());
  state.addTypes(t.clone(oldResult.getElementType()));
  results.push_back(b.create(state)->getResult(0));
  resultDims.push_back(dim);
  return success();
}
} // namespace

LogicalResult RealOp::jvp(OpBuilder &b, ArrayRef<Value> t,
                          SmallVectorImpl<Value> &out) {
  out.push_back(RuleBuilder(b, getLoc()).create<RealOp>(t[0]));
  return success();
}

LogicalResult ImagOp::jvp(OpBuilder &b, ArrayRef<Value> t,
                          SmallVectorImpl<Value> &out) {
  out.push_back(RuleBuilder(b, getLoc()).create<ImagOp>(t[0]));
  return success();
}

LogicalResult ComplexOp::jvp(OpBuilder &b, ArrayRef<Value> t,
                             SmallVectorImpl<Value> &out) {
  RuleBuilder r(b, getLoc());
  out.push_back(
      complexOf(r, r.orZeros(t[0], getLhs()), r.orZeros(t[1], getRhs())));
  return success();
}

LogicalResult RealOp::transpose(OpBuilder &b, ArrayRef<Value>,
                                ArrayRef<Value> ct,
                                SmallVectorImpl<Value> &out) {
  RuleBuilder r(b, getLoc());
  out.push_back(complexOf(r, ct[0], r.zerosLike(ct[0])));
  return success();
}

LogicalResult ImagOp::transpose(OpBuilder &b, ArrayRef<Value>,
                                ArrayRef<Value> ct,
                                SmallVectorImpl<Value> &out) {
  RuleBuilder r(b, getLoc());
  out.push_back(complexOf(r, r.zerosLike(ct[0]), r.neg(ct[0])));
  return success();
}

LogicalResult ComplexOp::transpose(OpBuilder &b, ArrayRef<Value> operands,
                                   ArrayRef<Value> ct,
                                   SmallVectorImpl<Value> &out) {
  RuleBuilder r(b, getLoc());
  out.push_back(!operands[0] ? r.create<RealOp>(ct[0]) : Value());
  out.push_back(!operands[1] ? r.neg(r.create<ImagOp>(ct[0])) : Value());
  return success();
}

LogicalResult RealOp::batch(OpBuilder &b, ArrayRef<Value> operands,
                            ArrayRef<int64_t> dims, int64_t n,
                            SmallVectorImpl<Value> &results,
                            SmallVectorImpl<int64_t> &resultDims) {
  return samePositionBatch(*this, b, operands, dims, n, results, resultDims);
}

LogicalResult ImagOp::batch(OpBuilder &b, ArrayRef<Value> operands,
                            ArrayRef<int64_t> dims, int64_t n,
                            SmallVectorImpl<Value> &results,
                            SmallVectorImpl<int64_t> &resultDims) {
  return samePositionBatch(*this, b, operands, dims, n, results, resultDims);
}

LogicalResult ComplexOp::batch(OpBuilder &b, ArrayRef<Value> operands,
                               ArrayRef<int64_t> dims, int64_t n,
                               SmallVectorImpl<Value> &results,
                               SmallVectorImpl<int64_t> &resultDims) {
  return samePositionBatch(*this, b, operands, dims, n, results, resultDims);
}
