//===- ConvParams.h - the parameters of mlax.convolution -------*- C++ -*-===//
//
// The attributes of a convolution as values, so that rules can derive new
// convolutions (transposes, batched forms) by editing a copy, and the result
// type that StableHLO's shape rule gives them.
//
//===----------------------------------------------------------------------===//
#ifndef MLAX_DIALECT_CONVPARAMS_H
#define MLAX_DIALECT_CONVPARAMS_H

#include "dialect/MlaxOps.h"

namespace mlir::mlax {

struct ConvParams {
  SmallVector<int64_t> strides, padding, lhsDilation, rhsDilation;
  SmallVector<int64_t> lhsSpec, rhsSpec, outSpec;
  int64_t featureGroups = 1, batchGroups = 1;
  ArrayAttr precision;

  static ConvParams of(ConvolutionOp op);
  int64_t numSpatial() const { return strides.size(); }

  /// The result type of convolving lhs and rhs with these parameters, or
  /// failure with a message in `why`.
  FailureOr<RankedTensorType> resultType(RankedTensorType lhs,
                                         RankedTensorType rhs,
                                         std::string *why = nullptr) const;
  /// Builds the convolution of lhs and rhs (whose types must be valid).
  Value build(OpBuilder &b, Location loc, Value lhs, Value rhs) const;
};

} // namespace mlir::mlax

#endif // MLAX_DIALECT_CONVPARAMS_H
