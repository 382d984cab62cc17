//===- MlaxOps.cpp - mlax op verifiers, type inference, folders -----------===//
//
// Shape rules follow the StableHLO specification. Every malformed op is a
// diagnostic (never an assertion), so that mlax-opt survives any input.
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace mlir::mlax;

#include "dialect/MlaxEnums.cpp.inc"

bool mlir::mlax::hasCountableShape(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return false;
  int64_t count = 1;
  for (int64_t d : ranked.getShape())
    if (d < 0 || __builtin_mul_overflow(count, d, &count))
      return false;
  return true;
}

namespace {
/// Emits at `loc` if present, otherwise fails silently (inference callers
/// without a location just want failure).
LogicalResult emitOptionalError(std::optional<Location> loc, const Twine &msg) {
  if (loc)
    return mlir::emitError(*loc) << msg;
  return failure();
}

RankedTensorType rankedOrNull(Type type) {
  return dyn_cast<RankedTensorType>(type);
}

/// Checks that `dims` holds distinct values in [0, rank).
LogicalResult verifyDimList(std::optional<Location> loc, ArrayRef<int64_t> dims,
                            int64_t rank, StringRef what) {
  llvm::SmallSet<int64_t, 8> seen;
  for (int64_t d : dims) {
    if (d < 0 || d >= rank)
      return emitOptionalError(loc, what + " " + Twine(d) +
                                        " is out of range for rank " +
                                        Twine(rank));
    if (!seen.insert(d).second)
      return emitOptionalError(loc, what + " " + Twine(d) + " is repeated");
  }
  return success();
}

unsigned bitWidth(Type t) {
  if (auto c = dyn_cast<ComplexType>(t))
    return 2 * c.getElementType().getIntOrFloatBitWidth();
  return t.getIntOrFloatBitWidth();
}
} // namespace

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValueAttr(); }

LogicalResult ConstantOp::verify() {
  if (!isa<DenseElementsAttr, DenseResourceElementsAttr>(getValue()))
    return emitOpError("value must be a dense elements attribute");
  return success();
}

//===----------------------------------------------------------------------===//
// IotaOp
//===----------------------------------------------------------------------===//

LogicalResult IotaOp::verify() {
  auto type = cast<RankedTensorType>(getOutput().getType());
  if (type.getRank() == 0)
    return emitOpError("result must have rank at least 1");
  if (static_cast<int64_t>(getIotaDimension()) >= type.getRank())
    return emitOpError("iota_dimension ")
           << getIotaDimension() << " is out of range for rank "
           << type.getRank();
  return success();
}

//===----------------------------------------------------------------------===//
// ConvertOp / BitcastConvertOp
//===----------------------------------------------------------------------===//

namespace {
// The splat `value` of element type `from` as an attribute of type `to`,
// when the conversion is exact (integers in range, floats representable):
// then XLA's rounding, saturation and NaN rules never come into it.
Attribute convertExactly(Attribute value, Type from, Type to) {
  auto toInt = dyn_cast<IntegerType>(to);
  auto toFloat = dyn_cast<FloatType>(to);
  if (toInt && toInt.getWidth() == 1)
    return {}; // x != 0, not a value-preserving conversion
  if (auto fromInt = dyn_cast<IntegerType>(from)) {
    APInt v = cast<IntegerAttr>(value).getValue();
    bool isSigned = !fromInt.isUnsigned() && fromInt.getWidth() != 1;
    if (toFloat) {
      APFloat f(toFloat.getFloatSemantics());
      if (f.convertFromAPInt(v, isSigned, APFloat::rmNearestTiesToEven) !=
          APFloat::opOK)
        return {};
      return FloatAttr::get(to, f);
    }
    if (!toInt)
      return {};
    unsigned width = toInt.getWidth();
    bool negative = isSigned && v.isNegative();
    bool fits;
    if (toInt.isUnsigned())
      fits = !negative && v.getActiveBits() <= width;
    else if (isSigned)
      fits = v.getSignificantBits() <= width;
    else
      fits = v.getActiveBits() < width; // nonnegative, below the sign bit
    if (!fits)
      return {};
    APInt w = isSigned ? v.sextOrTrunc(toInt.getWidth())
                       : v.zextOrTrunc(toInt.getWidth());
    return IntegerAttr::get(to, w);
  }
  if (isa<FloatType>(from) && toFloat) {
    APFloat f = cast<FloatAttr>(value).getValue();
    if (f.isNaN())
      return {};
    bool losesInfo = false;
    if (f.convert(toFloat.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                  &losesInfo) != APFloat::opOK ||
        losesInfo)
      return {};
    return FloatAttr::get(to, f);
  }
  return {};
}
} // namespace

OpFoldResult ConvertOp::fold(FoldAdaptor adaptor) {
  if (getOperand().getType() == getType())
    return getOperand();
  // Constants of other types (the weak Python scalars of `x + 1`, say).
  auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getOperand());
  if (!splat)
    return {};
  auto type = cast<ShapedType>(getType());
  Attribute value =
      convertExactly(splat.getSplatValue<Attribute>(), splat.getElementType(),
                     type.getElementType());
  if (!value)
    return {};
  return SplatElementsAttr::get(type, value);
}

LogicalResult BitcastConvertOp::verify() {
  auto in = cast<RankedTensorType>(getOperand().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  unsigned inBits = bitWidth(in.getElementType());
  unsigned outBits = bitWidth(out.getElementType());
  ArrayRef<int64_t> inShape = in.getShape(), outShape = out.getShape();
  if (inBits == outBits) {
    if (inShape != outShape)
      return emitOpError("with equal bit widths requires equal shapes");
    return success();
  }
  // Narrowing adds a trailing dimension of size inBits/outBits; widening
  // consumes one.
  bool narrowing = inBits > outBits;
  ArrayRef<int64_t> big = narrowing ? outShape : inShape;
  ArrayRef<int64_t> small = narrowing ? inShape : outShape;
  unsigned ratio = narrowing ? inBits / outBits : outBits / inBits;
  if ((narrowing ? inBits % outBits : outBits % inBits) != 0 ||
      big.size() != small.size() + 1 || big.drop_back() != small ||
      big.back() != static_cast<int64_t>(ratio))
    return emitOpError("cannot bitcast ")
           << in << " to " << out
           << ": a size change needs a trailing dimension of size " << ratio;
  return success();
}

//===----------------------------------------------------------------------===//
// Algebraic folders (exact in IEEE arithmetic; x + 0.0 is not, as it maps
// -0.0 to +0.0, so only integer additions of zero fold)
//===----------------------------------------------------------------------===//

namespace {
bool isSplatOf(Attribute attr, double value) {
  auto splat = dyn_cast_or_null<SplatElementsAttr>(attr);
  if (!splat)
    return false;
  Type element = splat.getElementType();
  if (isa<FloatType>(element))
    return splat.getSplatValue<APFloat>().isExactlyValue(value);
  if (isa<IntegerType>(element))
    return splat.getSplatValue<APInt>().getSExtValue() ==
           static_cast<int64_t>(value);
  if (auto c = dyn_cast<ComplexType>(element))
    return isa<FloatType>(c.getElementType()) &&
           splat.getSplatValue<std::complex<APFloat>>().real().isExactlyValue(
               value) &&
           splat.getSplatValue<std::complex<APFloat>>().imag().isZero();
  return false;
}
} // namespace

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 1.0) &&
      !getType().getElementType().isInteger(1))
    return getLhs();
  return {};
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  Type element = getType().getElementType();
  if (isa<IntegerType>(element) && !element.isInteger(1) &&
      isSplatOf(adaptor.getRhs(), 0.0))
    return getLhs();
  return {};
}

OpFoldResult SubtractOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 0.0) &&
      !(isa<FloatType>(getType().getElementType()) &&
        cast<SplatElementsAttr>(adaptor.getRhs())
            .getSplatValue<APFloat>()
            .isNegative()))
    return getLhs();
  return {};
}

OpFoldResult NegOp::fold(FoldAdaptor) {
  if (auto inner = getOperand().getDefiningOp<NegOp>())
    return inner.getOperand();
  return {};
}

//===----------------------------------------------------------------------===//
// SelectOp folding
//===----------------------------------------------------------------------===//

OpFoldResult SelectOp::fold(FoldAdaptor adaptor) {
  // Both branches equal, or a splat constant predicate.
  if (getOnTrue() == getOnFalse())
    return getOnTrue();
  if (auto pred = dyn_cast_or_null<SplatElementsAttr>(adaptor.getPred()))
    return pred.getSplatValue<bool>() ? getOnTrue() : getOnFalse();
  return {};
}

//===----------------------------------------------------------------------===//
// IntegerPowOp
//===----------------------------------------------------------------------===//

LogicalResult IntegerPowOp::verify() {
  Type et = getElementTypeOrSelf(getOperand().getType());
  // I64Attr's accessor is unsigned.
  auto exponent = static_cast<int64_t>(getExponent());
  if (exponent < 0 && !isa<FloatType, ComplexType>(et))
    return emitOpError("negative exponent ")
           << exponent << " needs a floating-point or complex operand, got "
           << et;
  return success();
}

OpFoldResult IntegerPowOp::fold(FoldAdaptor) {
  if (getExponent() == 1)
    return getOperand();
  return {};
}

//===----------------------------------------------------------------------===//
// AbsOp / IsFiniteOp
//===----------------------------------------------------------------------===//

LogicalResult AbsOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      ValueRange operands, DictionaryAttr,
                                      OpaqueProperties, RegionRange,
                                      SmallVectorImpl<Type> &inferred) {
  auto type = rankedOrNull(operands[0].getType());
  if (!type)
    return emitOptionalError(loc, "expected a ranked tensor operand");
  Type element = type.getElementType();
  if (auto complex = dyn_cast<ComplexType>(element))
    element = complex.getElementType();
  inferred.push_back(type.clone(element));
  return success();
}

namespace {
LogicalResult inferPart(std::optional<Location> loc, ValueRange operands,
                        SmallVectorImpl<Type> &inferred) {
  auto type = rankedOrNull(operands[0].getType());
  auto complex = type ? dyn_cast<ComplexType>(type.getElementType()) : nullptr;
  if (!complex)
    return emitOptionalError(loc, "expected a complex tensor operand");
  inferred.push_back(type.clone(complex.getElementType()));
  return success();
}
} // namespace

LogicalResult RealOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       ValueRange operands, DictionaryAttr,
                                       OpaqueProperties, RegionRange,
                                       SmallVectorImpl<Type> &inferred) {
  return inferPart(loc, operands, inferred);
}

LogicalResult ImagOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       ValueRange operands, DictionaryAttr,
                                       OpaqueProperties, RegionRange,
                                       SmallVectorImpl<Type> &inferred) {
  return inferPart(loc, operands, inferred);
}

LogicalResult ComplexOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          ValueRange operands, DictionaryAttr,
                                          OpaqueProperties, RegionRange,
                                          SmallVectorImpl<Type> &inferred) {
  auto type = rankedOrNull(operands[0].getType());
  if (!type || !isa<FloatType>(type.getElementType()))
    return emitOptionalError(loc, "expected a floating-point tensor operand");
  inferred.push_back(type.clone(ComplexType::get(type.getElementType())));
  return success();
}

LogicalResult IsFiniteOp::inferReturnTypes(MLIRContext *ctx,
                                           std::optional<Location> loc,
                                           ValueRange operands, DictionaryAttr,
                                           OpaqueProperties, RegionRange,
                                           SmallVectorImpl<Type> &inferred) {
  auto type = rankedOrNull(operands[0].getType());
  if (!type)
    return emitOptionalError(loc, "expected a ranked tensor operand");
  inferred.push_back(type.clone(IntegerType::get(ctx, 1)));
  return success();
}

//===----------------------------------------------------------------------===//
// CompareOp / SelectOp / ClampOp
//===----------------------------------------------------------------------===//

LogicalResult CompareOp::inferReturnTypes(MLIRContext *ctx,
                                          std::optional<Location> loc,
                                          ValueRange operands, DictionaryAttr,
                                          OpaqueProperties, RegionRange,
                                          SmallVectorImpl<Type> &inferred) {
  auto type = rankedOrNull(operands[0].getType());
  if (!type)
    return emitOptionalError(loc, "expected a ranked tensor operand");
  inferred.push_back(type.clone(IntegerType::get(ctx, 1)));
  return success();
}

LogicalResult SelectOp::verify() {
  auto pred = cast<RankedTensorType>(getPred().getType());
  auto type = cast<RankedTensorType>(getOnTrue().getType());
  if (pred.getRank() != 0 && pred.getShape() != type.getShape())
    return emitOpError(
               "pred must be a scalar or have the operands' shape, got ")
           << pred << " for " << type;
  return success();
}

LogicalResult ClampOp::verify() {
  auto type = cast<RankedTensorType>(getOperand().getType());
  for (auto [name, bound] : {std::pair<StringRef, Value>{"min", getMin()},
                             std::pair<StringRef, Value>{"max", getMax()}}) {
    auto boundType = cast<RankedTensorType>(bound.getType());
    if (boundType.getRank() != 0 && boundType.getShape() != type.getShape())
      return emitOpError()
             << name << " must be a scalar or have the operand's shape, got "
             << boundType << " for " << type;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// BroadcastInDimOp / ReshapeOp / TransposeOp
//===----------------------------------------------------------------------===//

LogicalResult BroadcastInDimOp::verify() {
  auto in = cast<RankedTensorType>(getOperand().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  ArrayRef<int64_t> dims = getBroadcastDimensions();
  if (static_cast<int64_t>(dims.size()) != in.getRank())
    return emitOpError("broadcast_dimensions has ")
           << dims.size() << " entries, expected the operand rank "
           << in.getRank();
  if (failed(
          verifyDimList(getLoc(), dims, out.getRank(), "broadcast dimension")))
    return failure();
  for (auto [i, d] : llvm::enumerate(dims)) {
    int64_t inSize = in.getDimSize(i), outSize = out.getDimSize(d);
    if (inSize != 1 && inSize != outSize)
      return emitOpError("operand dimension ")
             << i << " of size " << inSize
             << " cannot be broadcast to result dimension " << d << " of size "
             << outSize;
  }
  return success();
}

OpFoldResult BroadcastInDimOp::fold(FoldAdaptor adaptor) {
  if (getOperand().getType() == getType() &&
      llvm::equal(getBroadcastDimensions(),
                  llvm::seq<int64_t>(0, getType().getRank())))
    return getOperand();
  if (auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getOperand()))
    return SplatElementsAttr::get(cast<ShapedType>(getType()),
                                  splat.getSplatValue<Attribute>());
  return {};
}

LogicalResult ReshapeOp::verify() {
  auto in = cast<RankedTensorType>(getOperand().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  if (in.getNumElements() != out.getNumElements())
    return emitOpError("cannot reshape ")
           << in << " (" << in.getNumElements() << " elements) to " << out
           << " (" << out.getNumElements() << " elements)";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getOperand().getType() == getType())
    return getOperand();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getOperand()))
    return dense.reshape(cast<ShapedType>(getType()));
  return {};
}

LogicalResult
TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                              ValueRange operands, DictionaryAttr attrs,
                              OpaqueProperties props, RegionRange regions,
                              SmallVectorImpl<Type> &inferred) {
  TransposeOp::Adaptor adaptor(operands, attrs, props, regions);
  auto type = rankedOrNull(adaptor.getOperand().getType());
  if (!type)
    return emitOptionalError(loc, "expected a ranked tensor operand");
  ArrayRef<int64_t> perm = adaptor.getPermutation();
  if (static_cast<int64_t>(perm.size()) != type.getRank())
    return emitOptionalError(loc, "permutation has " + Twine(perm.size()) +
                                      " entries, expected the operand rank " +
                                      Twine(type.getRank()));
  if (failed(verifyDimList(loc, perm, type.getRank(), "permutation entry")))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  inferred.push_back(type.clone(shape));
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  if (llvm::equal(getPermutation(),
                  llvm::seq<int64_t>(0, getPermutation().size())))
    return getOperand();
  return {};
}

//===----------------------------------------------------------------------===//
// DotGeneralOp
//===----------------------------------------------------------------------===//

LogicalResult
DotGeneralOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                               ValueRange operands, DictionaryAttr attrs,
                               OpaqueProperties props, RegionRange regions,
                               SmallVectorImpl<Type> &inferred) {
  DotGeneralOp::Adaptor adaptor(operands, attrs, props, regions);
  auto lhs = rankedOrNull(adaptor.getLhs().getType());
  auto rhs = rankedOrNull(adaptor.getRhs().getType());
  if (!lhs || !rhs)
    return emitOptionalError(loc, "expected ranked tensor operands");
  if (ArrayAttr precision = adaptor.getPrecisionConfigAttr()) {
    auto valid = [](Attribute a) {
      auto s = dyn_cast<StringAttr>(a);
      return s &&
             llvm::is_contained({"DEFAULT", "HIGH", "HIGHEST"}, s.getValue());
    };
    if (precision.size() != 2 || !llvm::all_of(precision, valid))
      return emitOptionalError(loc, "precision_config must hold two of "
                                    "\"DEFAULT\", \"HIGH\", \"HIGHEST\"");
  }
  if (lhs.getElementType() != rhs.getElementType())
    return emitOptionalError(loc, "lhs and rhs element types differ");
  ArrayRef<int64_t> lb = adaptor.getLhsBatchingDimensions();
  ArrayRef<int64_t> rb = adaptor.getRhsBatchingDimensions();
  ArrayRef<int64_t> lc = adaptor.getLhsContractingDimensions();
  ArrayRef<int64_t> rc = adaptor.getRhsContractingDimensions();
  if (lb.size() != rb.size())
    return emitOptionalError(loc, "lhs and rhs have different numbers of "
                                  "batching dimensions");
  if (lc.size() != rc.size())
    return emitOptionalError(loc, "lhs and rhs have different numbers of "
                                  "contracting dimensions");
  SmallVector<int64_t> lhsDims(lb), rhsDims(rb);
  llvm::append_range(lhsDims, lc);
  llvm::append_range(rhsDims, rc);
  if (failed(verifyDimList(loc, lhsDims, lhs.getRank(),
                           "lhs batching/contracting dimension")) ||
      failed(verifyDimList(loc, rhsDims, rhs.getRank(),
                           "rhs batching/contracting dimension")))
    return failure();
  for (auto [l, r] : llvm::zip(lhsDims, rhsDims))
    if (lhs.getDimSize(l) != rhs.getDimSize(r))
      return emitOptionalError(loc, "lhs dimension " + Twine(l) + " (size " +
                                        Twine(lhs.getDimSize(l)) +
                                        ") does not match rhs dimension " +
                                        Twine(r) + " (size " +
                                        Twine(rhs.getDimSize(r)) + ")");
  SmallVector<int64_t> shape;
  for (int64_t d : lb)
    shape.push_back(lhs.getDimSize(d));
  for (int64_t d = 0; d < lhs.getRank(); ++d)
    if (!llvm::is_contained(lhsDims, d))
      shape.push_back(lhs.getDimSize(d));
  for (int64_t d = 0; d < rhs.getRank(); ++d)
    if (!llvm::is_contained(rhsDims, d))
      shape.push_back(rhs.getDimSize(d));
  inferred.push_back(lhs.clone(shape));
  return success();
}

//===----------------------------------------------------------------------===//
// ReduceOp
//===----------------------------------------------------------------------===//

LogicalResult
ReduceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                           ValueRange operands, DictionaryAttr attrs,
                           OpaqueProperties props, RegionRange regions,
                           SmallVectorImpl<Type> &inferred) {
  ReduceOp::Adaptor adaptor(operands, attrs, props, regions);
  auto inputs = adaptor.getInputs();
  auto inits = adaptor.getInitValues();
  if (inputs.empty())
    return emitOptionalError(loc, "expects at least one input");
  if (inputs.size() != inits.size())
    return emitOptionalError(loc, "expects as many init values as inputs");
  auto first = rankedOrNull(inputs[0].getType());
  if (!first)
    return emitOptionalError(loc, "expected ranked tensor inputs");
  ArrayRef<int64_t> dims = adaptor.getDimensions();
  if (failed(verifyDimList(loc, dims, first.getRank(), "reduced dimension")))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < first.getRank(); ++d)
    if (!llvm::is_contained(dims, d))
      shape.push_back(first.getDimSize(d));
  for (auto [input, init] : llvm::zip(inputs, inits)) {
    auto inType = rankedOrNull(input.getType());
    auto initType = rankedOrNull(init.getType());
    if (!inType || inType.getShape() != first.getShape())
      return emitOptionalError(loc, "all inputs must have the same shape");
    if (!initType || initType.getRank() != 0 ||
        initType.getElementType() != inType.getElementType())
      return emitOptionalError(
          loc, "each init value must be a 0-d tensor of its input's "
               "element type");
    inferred.push_back(inType.clone(shape));
  }
  return success();
}

/// A reduction body takes (accumulators, elements) as 0-d tensors and yields
/// new accumulators.
LogicalResult mlir::mlax::verifyReducerBody(Operation *op, Region &body,
                                            ValueRange initValues) {
  Block &block = body.front();
  size_t n = initValues.size();
  if (block.getNumArguments() != 2 * n)
    return op->emitOpError("body must take ")
           << 2 * n << " arguments, got " << block.getNumArguments();
  for (size_t i = 0; i < 2 * n; ++i) {
    Type expected = initValues[i % n].getType();
    if (block.getArgument(i).getType() != expected)
      return op->emitOpError("body argument ")
             << i << " has type " << block.getArgument(i).getType()
             << ", expected " << expected;
  }
  auto ret =
      dyn_cast_or_null<ReturnOp>(block.empty() ? nullptr : &block.back());
  if (!ret || ret.getResults().size() != n)
    return op->emitOpError("body must return ") << n << " values";
  for (size_t i = 0; i < n; ++i)
    if (ret.getResults()[i].getType() != initValues[i].getType())
      return op->emitOpError("body result ")
             << i << " has type " << ret.getResults()[i].getType()
             << ", expected " << initValues[i].getType();
  return success();
}

LogicalResult ReduceOp::verifyRegions() {
  return verifyReducerBody(*this, getBody(), getInitValues());
}

//===----------------------------------------------------------------------===//
// SliceOp / DynamicSliceOp / DynamicUpdateSliceOp
//===----------------------------------------------------------------------===//

LogicalResult
SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                          ValueRange operands, DictionaryAttr attrs,
                          OpaqueProperties props, RegionRange regions,
                          SmallVectorImpl<Type> &inferred) {
  SliceOp::Adaptor adaptor(operands, attrs, props, regions);
  auto type = rankedOrNull(adaptor.getOperand().getType());
  if (!type)
    return emitOptionalError(loc, "expected a ranked tensor operand");
  ArrayRef<int64_t> start = adaptor.getStartIndices();
  ArrayRef<int64_t> limit = adaptor.getLimitIndices();
  ArrayRef<int64_t> strides = adaptor.getStrides();
  int64_t rank = type.getRank();
  if (static_cast<int64_t>(start.size()) != rank ||
      static_cast<int64_t>(limit.size()) != rank ||
      static_cast<int64_t>(strides.size()) != rank)
    return emitOptionalError(loc, "start_indices, limit_indices and strides "
                                  "must each have one entry per dimension "
                                  "(rank " +
                                      Twine(rank) + ")");
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (start[d] < 0 || limit[d] > type.getDimSize(d) || start[d] > limit[d] ||
        strides[d] <= 0)
      return emitOptionalError(
          loc, "invalid slice [" + Twine(start[d]) + ":" + Twine(limit[d]) +
                   ":" + Twine(strides[d]) + "] of dimension " + Twine(d) +
                   " (size " + Twine(type.getDimSize(d)) + ")");
    shape.push_back(llvm::divideCeil(limit[d] - start[d], strides[d]));
  }
  inferred.push_back(type.clone(shape));
  return success();
}

LogicalResult
DynamicSliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                 ValueRange operands, DictionaryAttr attrs,
                                 OpaqueProperties props, RegionRange regions,
                                 SmallVectorImpl<Type> &inferred) {
  DynamicSliceOp::Adaptor adaptor(operands, attrs, props, regions);
  auto type = rankedOrNull(adaptor.getOperand().getType());
  if (!type)
    return emitOptionalError(loc, "expected a ranked tensor operand");
  ArrayRef<int64_t> sizes = adaptor.getSliceSizes();
  if (static_cast<int64_t>(adaptor.getStartIndices().size()) !=
          type.getRank() ||
      static_cast<int64_t>(sizes.size()) != type.getRank())
    return emitOptionalError(loc, "expects one start index and one slice size "
                                  "per operand dimension (rank " +
                                      Twine(type.getRank()) + ")");
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (sizes[d] < 0 || sizes[d] > type.getDimSize(d))
      return emitOptionalError(loc, "slice size " + Twine(sizes[d]) +
                                        " is out of range for dimension " +
                                        Twine(d) + " (size " +
                                        Twine(type.getDimSize(d)) + ")");
  Type indexType;
  for (Value v : adaptor.getStartIndices()) {
    if (indexType && v.getType() != indexType)
      return emitOptionalError(loc, "start indices must all have one type");
    indexType = v.getType();
  }
  inferred.push_back(type.clone(sizes));
  return success();
}

LogicalResult DynamicUpdateSliceOp::verify() {
  auto type = cast<RankedTensorType>(getOperand().getType());
  auto update = cast<RankedTensorType>(getUpdate().getType());
  if (update.getRank() != type.getRank())
    return emitOpError("update rank ")
           << update.getRank() << " differs from operand rank "
           << type.getRank();
  if (static_cast<int64_t>(getStartIndices().size()) != type.getRank())
    return emitOpError("expects ") << type.getRank() << " start indices, got "
                                   << getStartIndices().size();
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (update.getDimSize(d) > type.getDimSize(d))
      return emitOpError("update dimension ")
             << d << " (size " << update.getDimSize(d)
             << ") is larger than the operand's (size " << type.getDimSize(d)
             << ")";
  if (!getStartIndices().empty() &&
      !llvm::all_equal(getStartIndices().getTypes()))
    return emitOpError("start indices must all have one type");
  return success();
}

//===----------------------------------------------------------------------===//
// ConcatenateOp / PadOp / ReverseOp
//===----------------------------------------------------------------------===//

LogicalResult
ConcatenateOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                ValueRange operands, DictionaryAttr attrs,
                                OpaqueProperties props, RegionRange regions,
                                SmallVectorImpl<Type> &inferred) {
  ConcatenateOp::Adaptor adaptor(operands, attrs, props, regions);
  if (adaptor.getInputs().empty())
    return emitOptionalError(loc, "expects at least one input");
  auto first = rankedOrNull(adaptor.getInputs()[0].getType());
  if (!first)
    return emitOptionalError(loc, "expected ranked tensor inputs");
  int64_t dim = adaptor.getDimension();
  if (dim >= first.getRank())
    return emitOptionalError(loc, "dimension " + Twine(dim) +
                                      " is out of range for rank " +
                                      Twine(first.getRank()));
  SmallVector<int64_t> shape(first.getShape());
  shape[dim] = 0;
  for (auto [i, v] : llvm::enumerate(adaptor.getInputs())) {
    auto t = rankedOrNull(v.getType());
    if (!t || t.getRank() != first.getRank())
      return emitOptionalError(loc, "input " + Twine(i) +
                                        " has a different rank than input 0");
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (d != dim && t.getDimSize(d) != first.getDimSize(d))
        return emitOptionalError(
            loc, "input " + Twine(i) + " has size " + Twine(t.getDimSize(d)) +
                     " in dimension " + Twine(d) + ", expected " +
                     Twine(first.getDimSize(d)));
    shape[dim] += t.getDimSize(dim);
  }
  inferred.push_back(first.clone(shape));
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      ValueRange operands, DictionaryAttr attrs,
                                      OpaqueProperties props,
                                      RegionRange regions,
                                      SmallVectorImpl<Type> &inferred) {
  PadOp::Adaptor adaptor(operands, attrs, props, regions);
  auto type = rankedOrNull(adaptor.getOperand().getType());
  auto padType = rankedOrNull(adaptor.getPaddingValue().getType());
  if (!type || !padType)
    return emitOptionalError(loc, "expected ranked tensor operands");
  if (padType.getRank() != 0 ||
      padType.getElementType() != type.getElementType())
    return emitOptionalError(loc, "padding_value must be a 0-d tensor of the "
                                  "operand's element type");
  ArrayRef<int64_t> lo = adaptor.getEdgePaddingLow();
  ArrayRef<int64_t> hi = adaptor.getEdgePaddingHigh();
  ArrayRef<int64_t> in = adaptor.getInteriorPadding();
  int64_t rank = type.getRank();
  if (static_cast<int64_t>(lo.size()) != rank ||
      static_cast<int64_t>(hi.size()) != rank ||
      static_cast<int64_t>(in.size()) != rank)
    return emitOptionalError(loc, "padding must have one entry per dimension "
                                  "(rank " +
                                      Twine(rank) + ")");
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (in[d] < 0)
      return emitOptionalError(loc, "interior padding must be non-negative");
    int64_t size = type.getDimSize(d);
    int64_t out = lo[d] + hi[d] + size + std::max<int64_t>(size - 1, 0) * in[d];
    if (out < 0)
      return emitOptionalError(loc, "padding makes dimension " + Twine(d) +
                                        " negative");
    shape.push_back(out);
  }
  inferred.push_back(type.clone(shape));
  return success();
}

LogicalResult CumsumOp::verify() {
  auto type = cast<RankedTensorType>(getOperand().getType());
  if (getAxis() >= type.getRank())
    return emitOpError("axis ")
           << getAxis() << " is out of range for rank " << type.getRank();
  if (type.getElementType().isInteger(1))
    return emitOpError("does not accept boolean operands");
  return success();
}

LogicalResult TopKOp::verify() {
  auto type = cast<RankedTensorType>(getOperand().getType());
  if (type.getRank() < 1)
    return emitOpError("operand must have rank >= 1");
  int64_t n = type.getShape().back();
  if (getK() > n)
    return emitOpError("k ") << getK() << " exceeds the last dimension " << n;
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = getK();
  if (getValues().getType() != type.clone(shape))
    return emitOpError("values must have type ") << type.clone(shape);
  auto indices = cast<RankedTensorType>(getIndices().getType());
  if (indices.getShape() != ArrayRef<int64_t>(shape) ||
      !indices.getElementType().isInteger(32))
    return emitOpError("indices must have type ")
           << RankedTensorType::get(shape, IntegerType::get(getContext(), 32));
  return success();
}

LogicalResult SortOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one operand");
  if (getNumKeys() > static_cast<int64_t>(getInputs().size()))
    return emitOpError("num_keys ")
           << getNumKeys() << " exceeds the number of operands ("
           << getInputs().size() << ")";
  auto first = cast<RankedTensorType>(getInputs()[0].getType());
  if (getDimension() >= first.getRank())
    return emitOpError("dimension ")
           << getDimension() << " is out of range for rank " << first.getRank();
  for (auto [i, v] : llvm::enumerate(getInputs())) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getShape() != first.getShape())
      return emitOpError("operands must have one shape: operand ")
             << i << " has type " << t << ", operand 0 " << first;
  }
  if (getResultTypes() != getInputs().getTypes())
    return emitOpError("result types must be the operand types");
  return success();
}

LogicalResult ReverseOp::verify() {
  auto type = cast<RankedTensorType>(getOperand().getType());
  return verifyDimList(getLoc(), getDimensions(), type.getRank(),
                       "reversed dimension");
}

//===----------------------------------------------------------------------===//
// WhileOp / CaseOp
//===----------------------------------------------------------------------===//

namespace {
/// Drops every use of the values defined in `region` (recursively). A value
/// defined in a region can satisfy a forward reference made before the op
/// (`%c` used above, defined inside); if the op then fails to parse, the
/// region is destroyed while that use remains, which MLIR reports as a fatal
/// "operation destroyed but still has uses".
void dropUsesOfValuesIn(Region &region) {
  for (Block &block : region) {
    for (BlockArgument arg : block.getArguments())
      arg.dropAllUses();
    for (Operation &op : block) {
      op.dropAllUses();
      for (Region &nested : op.getRegions())
        dropUsesOfValuesIn(nested);
    }
  }
}

} // namespace

ParseResult mlir::mlax::parseGuardedRegion(OpAsmParser &parser,
                                           Region &region) {
  if (failed(parser.parseRegion(region))) {
    dropUsesOfValuesIn(region);
    return failure();
  }
  return success();
}

void mlir::mlax::printGuardedRegion(OpAsmPrinter &p, Operation *,
                                    Region &region) {
  p.printRegion(region);
}

namespace {
/// Runs dropUsesOfValuesIn on the op's regions unless the parse succeeded.
struct RegionParseGuard {
  OperationState &state;
  bool ok = false;
  ~RegionParseGuard() {
    if (!ok)
      for (auto &region : state.regions)
        dropUsesOfValuesIn(*region);
  }
  ParseResult success() {
    ok = true;
    return mlir::success();
  }
};
} // namespace

ParseResult WhileOp::parse(OpAsmParser &parser, OperationState &result) {
  SmallVector<OpAsmParser::UnresolvedOperand> operands;
  SmallVector<Type> types;
  RegionParseGuard guard{result};
  Region *cond = result.addRegion();
  Region *body = result.addRegion();
  SMLoc operandsLoc = parser.getCurrentLocation();
  if (parser.parseLParen() || parser.parseOperandList(operands) ||
      parser.parseRParen() || parser.parseOptionalAttrDict(result.attributes) ||
      parser.parseColon())
    return failure();
  if (failed(parser.parseOptionalKeyword("cond"))) {
    if (parser.parseTypeList(types) || parser.parseKeyword("cond"))
      return failure();
  }
  if (parser.parseRegion(*cond) || parser.parseKeyword("do") ||
      parser.parseRegion(*body) ||
      parser.resolveOperands(operands, types, operandsLoc, result.operands))
    return failure();
  result.addTypes(types);
  return guard.success();
}

void WhileOp::print(OpAsmPrinter &p) {
  p << "(" << getOperand() << ")";
  p.printOptionalAttrDict((*this)->getAttrs());
  p << " : ";
  llvm::interleaveComma(getOperand().getTypes(), p);
  if (!getOperand().empty())
    p << " ";
  p << "cond ";
  p.printRegion(getCond());
  p << " do ";
  p.printRegion(getBody());
}

ParseResult CaseOp::parse(OpAsmParser &parser, OperationState &result) {
  OpAsmParser::UnresolvedOperand index;
  FunctionType type;
  RegionParseGuard guard{result};
  SMLoc indexLoc = parser.getCurrentLocation();
  if (parser.parseOperand(index) ||
      parser.parseOptionalAttrDict(result.attributes) || parser.parseColon() ||
      parser.parseType(type))
    return failure();
  do {
    if (parser.parseRegion(*result.addRegion()))
      return failure();
  } while (succeeded(parser.parseOptionalComma()));
  if (type.getNumInputs() != 1)
    return parser.emitError(indexLoc,
                            "expects one operand type (the index), got ")
           << type.getNumInputs();
  if (parser.resolveOperand(index, type.getInput(0), result.operands))
    return failure();
  result.addTypes(type.getResults());
  return guard.success();
}

void CaseOp::print(OpAsmPrinter &p) {
  p << " " << getIndex();
  p.printOptionalAttrDict((*this)->getAttrs());
  p << " : ";
  p.printFunctionalType(getOperation());
  p << " ";
  llvm::interleaveComma(getBranches(), p,
                        [&](Region &region) { p.printRegion(region); });
}

LogicalResult WhileOp::verifyRegions() {
  TypeRange types = getOperand().getTypes();
  for (auto [name, region] :
       {std::pair<StringRef, Region *>{"cond", &getCond()},
        std::pair<StringRef, Region *>{"body", &getBody()}}) {
    Block &block = region->front();
    if (block.getArgumentTypes() != types)
      return emitOpError() << name
                           << " block arguments must match the operand types";
    auto ret =
        dyn_cast_or_null<ReturnOp>(block.empty() ? nullptr : &block.back());
    if (!ret)
      return emitOpError() << name << " must end with mlax.return";
  }
  auto condRet = cast<ReturnOp>(getCond().front().getTerminator());
  auto i1 = RankedTensorType::get({}, IntegerType::get(getContext(), 1));
  if (condRet.getResults().getTypes() != TypeRange(i1))
    return emitOpError("cond must return a single tensor<i1>");
  auto bodyRet = cast<ReturnOp>(getBody().front().getTerminator());
  if (bodyRet.getResults().getTypes() != types)
    return emitOpError("body must return values of the operand types");
  if (getCounted()) {
    auto i32 = RankedTensorType::get({}, IntegerType::get(getContext(), 32));
    if (!getMaxSteps() || types.empty() || types.front() != i32 ||
        !countedBound())
      return emitOpError("counted loops need max_steps, an i32 counter as "
                         "operand 0 and a cond `counter < bound` with a "
                         "bound defined outside the loop");
  }
  return success();
}

Value WhileOp::countedBound() {
  Block &cond = getCond().front();
  if (cond.getNumArguments() == 0)
    return {};
  auto ret = cast<ReturnOp>(cond.getTerminator());
  auto cmp = ret.getResults()[0].getDefiningOp<CompareOp>();
  if (!cmp || cmp->getBlock() != &cond ||
      cmp.getComparisonDirection() != ComparisonDirection::LT ||
      cmp.getLhs() != cond.getArgument(0))
    return {};
  Value bound = cmp.getRhs();
  if (!getCond().isAncestor(bound.getParentRegion()))
    return bound; // defined outside the loop
  // A constant cloned into the cond is as good as one outside it.
  if (Operation *def = bound.getDefiningOp();
      def && def->getBlock() == &cond && isa<ConstantOp>(def))
    return bound;
  return {};
}

LogicalResult ScanOp::verifyRegions() {
  int64_t length = getLength();
  SmallVector<Type> argTypes(getInit().getTypes());
  for (auto [j, x] : llvm::enumerate(getXs())) {
    auto t = cast<RankedTensorType>(x.getType());
    if (t.getRank() == 0 || t.getDimSize(0) != length)
      return emitOpError("xs #")
             << j << " must have a leading dimension of size " << length
             << " (the length), got " << t;
    argTypes.push_back(t.clone(t.getShape().drop_front()));
  }
  Block &block = getBody().front();
  if (block.getArgumentTypes() != TypeRange(argTypes))
    return emitOpError("body block arguments must be the carries' types, "
                       "then the types of slices of the xs");
  auto ret =
      dyn_cast_or_null<ReturnOp>(block.empty() ? nullptr : &block.back());
  if (!ret)
    return emitOpError("body must end with mlax.return");
  unsigned nc = getNumCarries();
  if (ret.getResults().size() != getNumResults())
    return emitOpError("body returns ")
           << ret.getResults().size() << " values for " << getNumResults()
           << " results";
  for (unsigned i = 0; i < nc; ++i) {
    if (ret.getResults()[i].getType() != getInit()[i].getType())
      return emitOpError("body must return carry #")
             << i << " with its type " << getInit()[i].getType();
    if (getResult(i).getType() != getInit()[i].getType())
      return emitOpError("result #") << i << " must have its carry's type";
  }
  for (unsigned k = nc; k < getNumResults(); ++k) {
    auto y = cast<RankedTensorType>(ret.getResults()[k].getType());
    SmallVector<int64_t> shape{length};
    llvm::append_range(shape, y.getShape());
    if (getResult(k).getType() != y.clone(shape))
      return emitOpError("result #") << k << " must stack the body's y #"
                                     << k - nc << " (" << y.clone(shape) << ")";
  }
  return success();
}

LogicalResult CaseOp::verifyRegions() {
  if (getBranches().empty())
    return emitOpError("expects at least one branch");
  for (auto [i, region] : llvm::enumerate(getBranches())) {
    Block &block = region.front();
    if (block.getNumArguments() != 0)
      return emitOpError("branch ") << i << " must take no arguments";
    auto ret =
        dyn_cast_or_null<ReturnOp>(block.empty() ? nullptr : &block.back());
    if (!ret)
      return emitOpError("branch ") << i << " must end with mlax.return";
    if (ret.getResults().getTypes() != getResultTypes())
      return emitOpError("branch ")
             << i << " returns types that differ from the op's results";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// JvpOp
//===----------------------------------------------------------------------===//

namespace {
/// Shared checks of mlax.jvp / mlax.vjp against the callee's signature;
/// returns the callee's type, or null after emitting a diagnostic.
FunctionType verifyTransformCallee(Operation *op, FlatSymbolRefAttr callee,
                                   ValueRange primals, ArrayRef<int64_t> active,
                                   SymbolTableCollection &symbolTable) {
  auto fn =
      symbolTable.lookupNearestSymbolFrom<FunctionOpInterface>(op, callee);
  if (!fn) {
    op->emitOpError("'") << callee.getValue() << "' does not name a function";
    return {};
  }
  auto fnType = dyn_cast<FunctionType>(fn.getFunctionType());
  if (!fnType) {
    op->emitOpError("callee must have a function type");
    return {};
  }
  if (primals.getTypes() != TypeRange(fnType.getInputs())) {
    op->emitOpError("primal operand types must match the inputs of '")
        << callee.getValue() << "': " << fnType;
    return {};
  }
  int64_t previous = -1;
  for (int64_t a : active) {
    if (a <= previous || a >= static_cast<int64_t>(fnType.getNumInputs())) {
      op->emitOpError("active argument indices must be increasing and in "
                      "range, got ")
          << a;
      return {};
    }
    previous = a;
    Type argType = fnType.getInput(a);
    if (!isa<FloatType, ComplexType>(getElementTypeOrSelf(argType))) {
      op->emitOpError("argument ")
          << a << " of type " << argType
          << " cannot be active: only floating-point and complex values "
             "have tangents";
      return {};
    }
  }
  return fnType;
}

SmallVector<Type> differentiableTypes(TypeRange types) {
  SmallVector<Type> out;
  for (Type t : types)
    if (isa<FloatType, ComplexType>(getElementTypeOrSelf(t)))
      out.push_back(t);
  return out;
}
} // namespace

LogicalResult JvpOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  FunctionType fnType = verifyTransformCallee(
      *this, getCalleeAttr(), getPrimals(), getActive(), symbolTable);
  if (!fnType)
    return failure();
  ArrayRef<int64_t> active = getActive();
  if (active.size() != getTangents().size())
    return emitOpError("expects one tangent per active argument (")
           << active.size() << "), got " << getTangents().size();
  for (auto [i, a] : llvm::enumerate(active))
    if (getTangents()[i].getType() != fnType.getInput(a))
      return emitOpError("tangent ")
             << i << " has type " << getTangents()[i].getType() << ", expected "
             << fnType.getInput(a);
  SmallVector<Type> expected(fnType.getResults());
  llvm::append_range(expected, differentiableTypes(fnType.getResults()));
  if (getResultTypes() != TypeRange(expected))
    return emitOpError("result types must be the callee's results followed by "
                       "the tangents of its floating-point results");
  return success();
}

LogicalResult VjpOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  FunctionType fnType = verifyTransformCallee(
      *this, getCalleeAttr(), getPrimals(), getActive(), symbolTable);
  if (!fnType)
    return failure();
  SmallVector<Type> cts = differentiableTypes(fnType.getResults());
  if (getCotangents().getTypes() != TypeRange(cts))
    return emitOpError("expects one cotangent per floating-point result of "
                       "the callee, of the result's type");
  SmallVector<Type> expected(fnType.getResults());
  for (int64_t a : getActive())
    expected.push_back(fnType.getInput(a));
  if (getResultTypes() != TypeRange(expected))
    return emitOpError("result types must be the callee's results followed by "
                       "the cotangents of the active arguments");
  return success();
}

LogicalResult VmapOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto fn = symbolTable.lookupNearestSymbolFrom<FunctionOpInterface>(
      *this, getCalleeAttr());
  if (!fn)
    return emitOpError("'") << getCallee() << "' does not name a function";
  auto type = cast<FunctionType>(fn.getFunctionType());
  int64_t n = getBatchSize();
  if (n < 0)
    return emitOpError("batch size must be non-negative");
  auto check = [&](TypeRange outer, TypeRange inner, ArrayRef<int64_t> dims,
                   StringRef what) -> LogicalResult {
    if (outer.size() != inner.size() || dims.size() != inner.size())
      return emitOpError("expects one ") << what << " dimension per " << what
                                         << " of '" << getCallee() << "'";
    for (auto [i, o, in, d] : llvm::enumerate(outer, inner, dims)) {
      auto innerType = cast<RankedTensorType>(in);
      if (d == -1) {
        if (o != in)
          return emitOpError()
                 << what << " " << i << " is unbatched, so its type " << o
                 << " must be " << in;
        continue;
      }
      if (d < 0 || d > innerType.getRank())
        return emitOpError()
               << what << " " << i << " has batch dimension " << d
               << ", out of range for rank " << innerType.getRank() + 1;
      SmallVector<int64_t> shape(innerType.getShape());
      shape.insert(shape.begin() + d, n);
      if (o != innerType.clone(shape))
        return emitOpError() << what << " " << i << " has type " << o
                             << ", expected " << innerType.clone(shape);
    }
    return success();
  };
  if (failed(check(getArgs().getTypes(), type.getInputs(), getInDims(),
                   "argument")) ||
      failed(
          check(getResultTypes(), type.getResults(), getOutDims(), "result")))
    return failure();
  return success();
}

namespace {
FunctionType lookupFunctionType(Operation *op, FlatSymbolRefAttr sym,
                                SymbolTableCollection &symbolTable) {
  auto fn = symbolTable.lookupNearestSymbolFrom<FunctionOpInterface>(op, sym);
  if (!fn) {
    op->emitOpError("'") << sym.getValue() << "' does not name a function";
    return {};
  }
  return dyn_cast<FunctionType>(fn.getFunctionType());
}
} // namespace

LogicalResult
CustomJvpCallOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  FunctionType f = lookupFunctionType(*this, getCalleeAttr(), symbolTable);
  FunctionType rule = lookupFunctionType(*this, getJvpAttr(), symbolTable);
  if (!f || !rule)
    return failure();
  if (getArgs().getTypes() != TypeRange(f.getInputs()) ||
      getResultTypes() != TypeRange(f.getResults()))
    return emitOpError("operand and result types must match '")
           << getCallee() << "': " << f;
  SmallVector<Type> ins(f.getInputs()), outs(f.getResults());
  llvm::append_range(ins, differentiableTypes(f.getInputs()));
  llvm::append_range(outs, differentiableTypes(f.getResults()));
  if (TypeRange(rule.getInputs()) != TypeRange(ins) ||
      TypeRange(rule.getResults()) != TypeRange(outs))
    return emitOpError("JVP rule '")
           << getJvp() << "' must have type "
           << FunctionType::get(getContext(), ins, outs) << ", got " << rule;
  return success();
}

LogicalResult
CustomVjpCallOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  FunctionType f = lookupFunctionType(*this, getCalleeAttr(), symbolTable);
  FunctionType fwd = lookupFunctionType(*this, getFwdAttr(), symbolTable);
  FunctionType bwd = lookupFunctionType(*this, getBwdAttr(), symbolTable);
  if (!f || !fwd || !bwd)
    return failure();
  if (getArgs().getTypes() != TypeRange(f.getInputs()) ||
      getResultTypes() != TypeRange(f.getResults()))
    return emitOpError("operand and result types must match '")
           << getCallee() << "': " << f;
  if (TypeRange(fwd.getInputs()) != TypeRange(f.getInputs()) ||
      fwd.getNumResults() < f.getNumResults() ||
      TypeRange(fwd.getResults().take_front(f.getNumResults())) !=
          TypeRange(f.getResults()))
    return emitOpError("fwd '") << getFwd()
                                << "' must take the callee's arguments and "
                                   "return its results followed by residuals";
  size_t numResiduals = fwd.getNumResults() - f.getNumResults();
  SmallVector<Type> bwdIns(fwd.getResults().drop_front(f.getNumResults()));
  llvm::append_range(bwdIns, differentiableTypes(f.getResults()));
  (void)numResiduals;
  if (TypeRange(bwd.getInputs()) != TypeRange(bwdIns) ||
      TypeRange(bwd.getResults()) !=
          TypeRange(differentiableTypes(f.getInputs())))
    return emitOpError("bwd '")
           << getBwd()
           << "' must take the residuals and the "
              "cotangents of the floating-point results "
              "and return one cotangent per floating-point "
              "argument";
  return success();
}

LogicalResult
LinearTransposeOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto fn = symbolTable.lookupNearestSymbolFrom<FunctionOpInterface>(
      *this, getCalleeAttr());
  if (!fn)
    return emitOpError("'") << getCallee() << "' does not name a function";
  auto type = cast<FunctionType>(fn.getFunctionType());
  size_t n = getConstants().size();
  if (n > type.getNumInputs() ||
      getConstants().getTypes() != TypeRange(type.getInputs().take_front(n)))
    return emitOpError("constant operand types must match the first inputs "
                       "of '")
           << getCallee() << "': " << type;
  if (getCotangents().getTypes() != TypeRange(type.getResults()))
    return emitOpError("expects one cotangent per result of '")
           << getCallee() << "', of the result's type";
  if (getResultTypes() != TypeRange(type.getInputs().drop_front(n)))
    return emitOpError("result types must be the types of the linear "
                       "arguments of '")
           << getCallee() << "'";
  return success();
}

#define GET_OP_CLASSES
#include "dialect/MlaxOps.cpp.inc"
