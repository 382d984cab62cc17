//===- WindowOps.cpp - verifier of mlax.reduce_window ---------------------===//
#include "dialect/MlaxOps.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::mlax;

LogicalResult ReduceWindowOp::verify() {
  auto in = cast<RankedTensorType>(getOperand().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  int64_t rank = in.getRank();
  auto sized = [&](StringRef name, ArrayRef<int64_t> v,
                   int64_t n) -> LogicalResult {
    if (static_cast<int64_t>(v.size()) != n)
      return emitOpError() << name << " must have " << n << " entries, got "
                           << v.size();
    return success();
  };
  if (failed(sized("window_dimensions", getWindowDimensions(), rank)) ||
      failed(sized("window_strides", getWindowStrides(), rank)) ||
      failed(sized("base_dilations", getBaseDilations(), rank)) ||
      failed(sized("window_dilations", getWindowDilations(), rank)) ||
      failed(sized("padding", getPadding(), 2 * rank)))
    return failure();
  if (in.getElementType() != out.getElementType() || out.getRank() != rank)
    return emitOpError("result must have the operand's element type and rank");
  if (in.getElementType().isInteger(1))
    return emitOpError("does not accept boolean operands");
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t w = getWindowDimensions()[d], s = getWindowStrides()[d];
    int64_t bd = getBaseDilations()[d], wd = getWindowDilations()[d];
    int64_t lo = getPadding()[2 * d], hi = getPadding()[2 * d + 1];
    if (w < 1 || s < 1 || bd < 1 || wd < 1)
      return emitOpError("window dimensions, strides and dilations must be "
                         "positive (dimension ")
             << d << ")";
    if (lo < 0 || hi < 0)
      return emitOpError("padding must be non-negative (dimension ")
             << d << ")";
    int64_t n = in.getDimSize(d);
    int64_t padded = (n == 0 ? 0 : (n - 1) * bd + 1) + lo + hi;
    int64_t window = (w - 1) * wd + 1;
    shape.push_back(padded < window ? 0 : (padded - window) / s + 1);
  }
  if (out.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("result must have shape [")
           << shape << "] for these windows, got " << out;
  return success();
}
