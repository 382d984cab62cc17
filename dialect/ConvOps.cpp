//===- ConvOps.cpp - mlax.convolution: parameters, shape rule, verifier ---===//
#include "dialect/ConvParams.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::mlax;

ConvParams ConvParams::of(ConvolutionOp op) {
  ConvParams p;
  p.strides.assign(op.getWindowStrides().begin(), op.getWindowStrides().end());
  p.padding.assign(op.getPadding().begin(), op.getPadding().end());
  p.lhsDilation.assign(op.getLhsDilation().begin(), op.getLhsDilation().end());
  p.rhsDilation.assign(op.getRhsDilation().begin(), op.getRhsDilation().end());
  p.lhsSpec.assign(op.getLhsSpec().begin(), op.getLhsSpec().end());
  p.rhsSpec.assign(op.getRhsSpec().begin(), op.getRhsSpec().end());
  p.outSpec.assign(op.getOutSpec().begin(), op.getOutSpec().end());
  p.featureGroups = op.getFeatureGroupCount();
  p.batchGroups = op.getBatchGroupCount();
  p.precision = op.getPrecisionConfigAttr();
  return p;
}

namespace {
bool isPermutation(ArrayRef<int64_t> v, int64_t rank) {
  if (static_cast<int64_t>(v.size()) != rank)
    return false;
  SmallVector<bool> seen(rank, false);
  for (int64_t d : v) {
    if (d < 0 || d >= rank || seen[d])
      return false;
    seen[d] = true;
  }
  return true;
}

int64_t dilate(int64_t n, int64_t d) { return n == 0 ? 0 : (n - 1) * d + 1; }
} // namespace

FailureOr<RankedTensorType> ConvParams::resultType(RankedTensorType lhs,
                                                   RankedTensorType rhs,
                                                   std::string *why) const {
  std::string msg;
  llvm::raw_string_ostream os(msg);
  auto fail = [&]() -> FailureOr<RankedTensorType> {
    if (why)
      *why = msg;
    return failure();
  };
  int64_t rank = lhs.getRank(), s = rank - 2;
  if (rank < 2 || rhs.getRank() != rank) {
    os << "lhs and rhs must have one rank >= 2, got " << lhs << " and " << rhs;
    return fail();
  }
  if (lhs.getElementType() != rhs.getElementType()) {
    os << "lhs and rhs must have one element type, got " << lhs << " and "
       << rhs;
    return fail();
  }
  if (!isPermutation(lhsSpec, rank) || !isPermutation(rhsSpec, rank) ||
      !isPermutation(outSpec, rank)) {
    os << "lhs_spec, rhs_spec and out_spec must be permutations of the " << rank
       << " dimensions";
    return fail();
  }
  if (numSpatial() != s || static_cast<int64_t>(padding.size()) != 2 * s ||
      static_cast<int64_t>(lhsDilation.size()) != s ||
      static_cast<int64_t>(rhsDilation.size()) != s) {
    os << "window_strides, lhs_dilation, rhs_dilation need " << s
       << " entries and padding " << 2 * s;
    return fail();
  }
  for (int64_t i = 0; i < s; ++i)
    if (strides[i] < 1 || lhsDilation[i] < 1 || rhsDilation[i] < 1) {
      os << "strides and dilations must be positive";
      return fail();
    }
  if (featureGroups < 1 || batchGroups < 1 ||
      (featureGroups > 1 && batchGroups > 1)) {
    os << "feature_group_count and batch_group_count must be positive and "
          "not both above 1";
    return fail();
  }
  int64_t batch = lhs.getDimSize(lhsSpec[0]);
  int64_t inFeatures = lhs.getDimSize(lhsSpec[1]);
  int64_t outFeatures = rhs.getDimSize(rhsSpec[0]);
  int64_t kernelIn = rhs.getDimSize(rhsSpec[1]);
  if (inFeatures != kernelIn * featureGroups) {
    os << "lhs feature dimension (" << inFeatures
       << ") must equal rhs input feature dimension (" << kernelIn
       << ") times feature_group_count (" << featureGroups << ")";
    return fail();
  }
  if (outFeatures % featureGroups || outFeatures % batchGroups) {
    os << "rhs output feature dimension (" << outFeatures
       << ") must be a multiple of feature_group_count and batch_group_count";
    return fail();
  }
  if (batch % batchGroups) {
    os << "lhs batch dimension (" << batch
       << ") must be a multiple of batch_group_count (" << batchGroups << ")";
    return fail();
  }
  SmallVector<int64_t> shape(rank);
  shape[outSpec[0]] = batch / batchGroups;
  shape[outSpec[1]] = outFeatures;
  for (int64_t i = 0; i < s; ++i) {
    int64_t in = dilate(lhs.getDimSize(lhsSpec[2 + i]), lhsDilation[i]) +
                 padding[2 * i] + padding[2 * i + 1];
    int64_t window = dilate(rhs.getDimSize(rhsSpec[2 + i]), rhsDilation[i]);
    shape[outSpec[2 + i]] =
        in < window || window == 0 ? 0 : (in - window) / strides[i] + 1;
  }
  return RankedTensorType::get(shape, lhs.getElementType());
}

Value ConvParams::build(OpBuilder &b, Location loc, Value lhs,
                        Value rhs) const {
  RankedTensorType type = *resultType(cast<RankedTensorType>(lhs.getType()),
                                      cast<RankedTensorType>(rhs.getType()));
  return ConvolutionOp::create(b, loc, type, lhs, rhs, strides, padding,
                               lhsDilation, rhsDilation, lhsSpec, rhsSpec,
                               outSpec, featureGroups, batchGroups, precision)
      .getResult();
}

LogicalResult ConvolutionOp::verify() {
  std::string why;
  FailureOr<RankedTensorType> type = ConvParams::of(*this).resultType(
      cast<RankedTensorType>(getLhs().getType()),
      cast<RankedTensorType>(getRhs().getType()), &why);
  if (failed(type))
    return emitOpError(why);
  if (getType() != *type)
    return emitOpError("result must have type ")
           << *type << ", got " << getType();
  if (ArrayAttr precision = getPrecisionConfigAttr()) {
    if (precision.size() != 2)
      return emitOpError("precision_config must have 2 entries");
    for (Attribute a : precision) {
      StringRef v = cast<StringAttr>(a).getValue();
      if (v != "DEFAULT" && v != "HIGH" && v != "HIGHEST")
        return emitOpError("unknown precision '") << v << "'";
    }
  }
  return success();
}
