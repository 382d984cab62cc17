//===- RuleBuilder.cpp - building blocks of transformation rules ----------===//
#include "dialect/rules/RuleBuilder.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::mlax;

bool mlir::mlax::isDifferentiable(Type type) {
  Type element = getElementTypeOrSelf(type);
  return isa<FloatType, ComplexType>(element);
}

Value RuleBuilder::constant(RankedTensorType type, double value) {
  Type element = type.getElementType();
  Attribute scalar;
  if (auto f = dyn_cast<FloatType>(element)) {
    scalar = FloatAttr::get(f, value);
  } else if (auto c = dyn_cast<ComplexType>(element)) {
    const llvm::fltSemantics &sem =
        cast<FloatType>(c.getElementType()).getFloatSemantics();
    bool lost;
    APFloat re(value), im(0.0);
    re.convert(sem, APFloat::rmNearestTiesToEven, &lost);
    im.convert(sem, APFloat::rmNearestTiesToEven, &lost);
    std::complex<APFloat> v(re, im);
    return ConstantOp::create(b, loc, type,
                              DenseElementsAttr::get(type, ArrayRef(v)))
        .getResult();
  } else {
    scalar = IntegerAttr::get(element, static_cast<int64_t>(value));
  }
  return ConstantOp::create(b, loc, type, SplatElementsAttr::get(type, scalar))
      .getResult();
}

Value RuleBuilder::add(Value x, Value y) { return create<AddOp>(x, y); }
Value RuleBuilder::sub(Value x, Value y) { return create<SubtractOp>(x, y); }
Value RuleBuilder::mul(Value x, Value y) { return create<MulOp>(x, y); }
Value RuleBuilder::div(Value x, Value y) { return create<DivOp>(x, y); }
Value RuleBuilder::neg(Value x) { return create<NegOp>(x); }
Value RuleBuilder::exp(Value x) { return create<ExpOp>(x); }
Value RuleBuilder::log(Value x) { return create<LogOp>(x); }
Value RuleBuilder::sin(Value x) { return create<SineOp>(x); }
Value RuleBuilder::cos(Value x) { return create<CosineOp>(x); }
Value RuleBuilder::sign(Value x) { return create<SignOp>(x); }
Value RuleBuilder::floor(Value x) { return create<FloorOp>(x); }
Value RuleBuilder::ceil(Value x) { return create<CeilOp>(x); }
Value RuleBuilder::pow(Value x, Value y) { return create<PowOp>(x, y); }
Value RuleBuilder::integerPow(Value x, int64_t n) {
  if (n == 0)
    return onesLike(x);
  if (n == 1)
    return x;
  return create<IntegerPowOp>(x, b.getI64IntegerAttr(n));
}

Value RuleBuilder::select(Value pred, Value onTrue, Value onFalse) {
  return create<SelectOp>(pred, onTrue, onFalse);
}

Value RuleBuilder::compare(ComparisonDirection dir, Value x, Value y) {
  Type element = getElementTypeOrSelf(x.getType());
  ComparisonType type = isa<FloatType, ComplexType>(element)
                            ? ComparisonType::FLOAT
                        : element.isUnsignedInteger() || element.isInteger(1)
                            ? ComparisonType::UNSIGNED
                            : ComparisonType::SIGNED;
  return CompareOp::create(b, loc, x, y, dir,
                           ComparisonTypeAttr::get(b.getContext(), type))
      .getResult();
}

Value RuleBuilder::convert(Value x, Type elementType) {
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getElementType() == elementType)
    return x;
  return ConvertOp::create(b, loc, type.clone(elementType), x).getResult();
}

Value RuleBuilder::addTangents(ArrayRef<Value> terms) {
  Value sum;
  for (Value t : terms) {
    if (!t)
      continue;
    sum = sum ? add(sum, t) : t;
  }
  return sum;
}

namespace {
Value buildMonoidReduce(RuleBuilder &r, Value x, ArrayRef<int64_t> dims,
                        bool mul) {
  OpBuilder &b = r.builder();
  Location loc = r.getLoc();
  auto type = cast<RankedTensorType>(x.getType());
  auto scalar = RankedTensorType::get({}, type.getElementType());
  Value init = r.constant(scalar, mul ? 1.0 : 0.0);
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (!llvm::is_contained(dims, d))
      shape.push_back(type.getDimSize(d));
  auto op = ReduceOp::create(b, loc, TypeRange{type.clone(shape)},
                             ValueRange{x}, ValueRange{init}, dims);
  OpBuilder::InsertionGuard guard(b);
  Block *block = b.createBlock(&op.getBody(), {}, {scalar, scalar}, {loc, loc});
  b.setInsertionPointToEnd(block);
  Value combined =
      mul ? MulOp::create(b, loc, block->getArgument(0), block->getArgument(1))
                .getResult()
          : AddOp::create(b, loc, block->getArgument(0), block->getArgument(1))
                .getResult();
  ReturnOp::create(b, loc, ValueRange{combined});
  return op.getResult(0);
}
} // namespace

Value RuleBuilder::reduceSum(Value x, ArrayRef<int64_t> dims) {
  if (dims.empty())
    return x;
  Value result = buildMonoidReduce(*this, x, dims, /*mul=*/false);
  return result;
}

Value RuleBuilder::reduceProd(Value x, ArrayRef<int64_t> dims) {
  if (dims.empty())
    return x;
  return buildMonoidReduce(*this, x, dims, /*mul=*/true);
}

Value RuleBuilder::transpose(Value x, ArrayRef<int64_t> perm) {
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return x;
  return TransposeOp::create(b, loc, x, perm).getResult();
}

Value RuleBuilder::reshape(Value x, RankedTensorType type) {
  if (x.getType() == type)
    return x;
  return ReshapeOp::create(b, loc, type, x).getResult();
}

/// Moves dimension `from` of `v` to position `to`.
RankedTensorType mlir::mlax::withDim(Type t, int64_t n, int64_t at) {
  auto type = cast<RankedTensorType>(t);
  SmallVector<int64_t> shape(type.getShape());
  shape.insert(shape.begin() + at, n);
  return type.clone(shape);
}

RankedTensorType mlir::mlax::dropLeadingDim(Type t) {
  auto type = cast<RankedTensorType>(t);
  return type.clone(type.getShape().drop_front());
}

Value mlir::mlax::moveDim(RuleBuilder &r, Value v, int64_t from, int64_t to) {
  if (from == to)
    return v;
  int64_t rank = cast<RankedTensorType>(v.getType()).getRank();
  SmallVector<int64_t> perm;
  for (int64_t d = 0; d < rank; ++d)
    if (d != from)
      perm.push_back(d);
  perm.insert(perm.begin() + to, from);
  return r.transpose(v, perm);
}

/// Inserts a batch dimension of size n at `at` into an unbatched value.
Value mlir::mlax::broadcastBatch(RuleBuilder &r, Value v, int64_t n,
                                 int64_t at) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.insert(shape.begin() + at, n);
  SmallVector<int64_t> dims;
  for (int64_t d = 0; d < type.getRank(); ++d)
    dims.push_back(d < at ? d : d + 1);
  return BroadcastInDimOp::create(r.builder(), r.getLoc(), type.clone(shape), v,
                                  dims)
      .getResult();
}

/// The value with its batch dimension at the front (broadcast if unbatched).
Value mlir::mlax::toFront(RuleBuilder &r, Value v, int64_t dim, int64_t n) {
  return dim < 0 ? broadcastBatch(r, v, n, 0) : moveDim(r, v, dim, 0);
}
