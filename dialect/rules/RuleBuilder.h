//===- RuleBuilder.h - building blocks of transformation rules -*- C++ -*-===//
//
// Small helpers that emit mlax ops, so rules read like the math they encode.
// A null Value stands for a symbolic zero wherever a helper says so.
//
//===----------------------------------------------------------------------===//
#ifndef MLAX_DIALECT_RULES_RULEBUILDER_H
#define MLAX_DIALECT_RULES_RULEBUILDER_H

#include "dialect/MlaxOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::mlax {

class RuleBuilder {
public:
  RuleBuilder(OpBuilder &builder, Location loc) : b(builder), loc(loc) {}

  OpBuilder &builder() { return b; }
  Location getLoc() { return loc; }

  /// A constant of `type` with every element `value`.
  Value constant(RankedTensorType type, double value);
  /// A constant of `like`'s type with every element `value`.
  Value splat(Value like, double value) {
    return constant(cast<RankedTensorType>(like.getType()), value);
  }
  Value zerosLike(Value like) { return splat(like, 0.0); }
  /// A scalar i32 constant (loop counters, start indices).
  Value i32(int64_t value) {
    return constant(RankedTensorType::get({}, b.getI32Type()), double(value));
  }
  Value onesLike(Value like) { return splat(like, 1.0); }
  /// `v` if non-null, else zeros of `like`'s type.
  Value orZeros(Value v, Value like) { return v ? v : zerosLike(like); }

  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value mul(Value x, Value y);
  Value div(Value x, Value y);
  Value neg(Value x);
  Value exp(Value x);
  Value log(Value x);
  Value sin(Value x);
  Value cos(Value x);
  Value sign(Value x);
  Value floor(Value x);
  Value ceil(Value x);
  Value pow(Value x, Value y);
  /// x^n for a constant n (ones for n == 0, x for n == 1).
  Value integerPow(Value x, int64_t n);
  Value select(Value pred, Value onTrue, Value onFalse);
  Value compare(ComparisonDirection dir, Value x, Value y);
  Value convert(Value x, Type elementType);
  /// x * c for a scalar constant c.
  Value scale(Value x, double c) { return mul(x, splat(x, c)); }

  /// Sum of `x` over `dims` (a reduce with an add body).
  Value reduceSum(Value x, ArrayRef<int64_t> dims);
  /// Product of `x` over `dims` (a reduce with a multiply body).
  Value reduceProd(Value x, ArrayRef<int64_t> dims);
  Value transpose(Value x, ArrayRef<int64_t> perm);
  Value reshape(Value x, RankedTensorType type);

  /// Sum of the non-null values (null if all are null).
  Value addTangents(ArrayRef<Value> terms);

  template <typename OpTy, typename... Args> Value create(Args &&...args) {
    return OpTy::create(b, loc, std::forward<Args>(args)...).getResult();
  }

private:
  OpBuilder &b;
  Location loc;
};

/// True for element types that carry tangents (floating point and complex).
bool isDifferentiable(Type type);

/// `t` (a ranked tensor type) with a dimension of size n inserted at `at`.
RankedTensorType withDim(Type t, int64_t n, int64_t at);
/// `t` without its leading dimension (the type of a slice along it).
RankedTensorType dropLeadingDim(Type t);

/// The identity of a windowed reduction (0, -inf / the least integer, +inf
/// / the greatest integer) as a scalar of `element`.
Value windowIdentity(RuleBuilder &r, Type element, WindowReduction kind);

/// Moves dimension `from` of `v` to position `to`.
Value moveDim(RuleBuilder &r, Value v, int64_t from, int64_t to);
/// Inserts a batch dimension of size n at `at` into an unbatched value.
Value broadcastBatch(RuleBuilder &r, Value v, int64_t n, int64_t at);
/// The value with its batch dimension (`dim`, -1 if none) at the front
/// (broadcast if unbatched).
Value toFront(RuleBuilder &r, Value v, int64_t dim, int64_t n);

} // namespace mlir::mlax

#endif // MLAX_DIALECT_RULES_RULEBUILDER_H
