//===- WindowOps.cpp - verifiers of the reduce_window ops -----------------===//
#include "dialect/MlaxOps.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
/// Checks the window attributes against `in` (rank and positivity) and
/// computes the result shape they give.
LogicalResult
verifyWindow(Operation *op, RankedTensorType in, ArrayRef<int64_t> windowDims,
             ArrayRef<int64_t> strides, ArrayRef<int64_t> baseDilations,
             ArrayRef<int64_t> windowDilations, ArrayRef<int64_t> padding,
             SmallVectorImpl<int64_t> &shape) {
  int64_t rank = in.getRank();
  auto sized = [&](StringRef name, ArrayRef<int64_t> v,
                   int64_t n) -> LogicalResult {
    if (static_cast<int64_t>(v.size()) != n)
      return op->emitOpError()
             << name << " must have " << n << " entries, got " << v.size();
    return success();
  };
  if (failed(sized("window_dimensions", windowDims, rank)) ||
      failed(sized("window_strides", strides, rank)) ||
      failed(sized("base_dilations", baseDilations, rank)) ||
      failed(sized("window_dilations", windowDilations, rank)) ||
      failed(sized("padding", padding, 2 * rank)))
    return failure();
  for (int64_t d = 0; d < rank; ++d) {
    int64_t w = windowDims[d], s = strides[d];
    int64_t bd = baseDilations[d], wd = windowDilations[d];
    int64_t lo = padding[2 * d], hi = padding[2 * d + 1];
    if (w < 1 || s < 1 || bd < 1 || wd < 1)
      return op->emitOpError("window dimensions, strides and dilations must "
                             "be positive (dimension ")
             << d << ")";
    if (lo < 0 || hi < 0)
      return op->emitOpError("padding must be non-negative (dimension ")
             << d << ")";
    int64_t n = in.getDimSize(d);
    int64_t padded = (n == 0 ? 0 : (n - 1) * bd + 1) + lo + hi;
    int64_t window = (w - 1) * wd + 1;
    shape.push_back(padded < window ? 0 : (padded - window) / s + 1);
  }
  return success();
}
} // namespace

LogicalResult ReduceWindowOp::verify() {
  auto in = cast<RankedTensorType>(getOperand().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  SmallVector<int64_t> shape;
  if (failed(verifyWindow(*this, in, getWindowDimensions(), getWindowStrides(),
                          getBaseDilations(), getWindowDilations(),
                          getPadding(), shape)))
    return failure();
  if (in.getElementType() != out.getElementType() ||
      out.getRank() != in.getRank())
    return emitOpError("result must have the operand's element type and rank");
  if (in.getElementType().isInteger(1))
    return emitOpError("does not accept boolean operands");
  if (out.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("result must have shape [")
           << shape << "] for these windows, got " << out;
  return success();
}

LogicalResult GenericReduceWindowOp::verify() {
  size_t n = getInputs().size();
  if (n == 0)
    return emitOpError("needs at least one input");
  if (getResults().size() != n)
    return emitOpError("must have one result per input, got ")
           << getResults().size() << " for " << n;
  auto first = cast<RankedTensorType>(getInputs()[0].getType());
  SmallVector<int64_t> shape;
  if (failed(verifyWindow(*this, first, getWindowDimensions(),
                          getWindowStrides(), getBaseDilations(),
                          getWindowDilations(), getPadding(), shape)))
    return failure();
  for (size_t i = 0; i < n; ++i) {
    auto in = cast<RankedTensorType>(getInputs()[i].getType());
    auto init = cast<RankedTensorType>(getInitValues()[i].getType());
    auto out = cast<RankedTensorType>(getResults()[i].getType());
    if (in.getShape() != first.getShape())
      return emitOpError("inputs must have one shape, got ")
             << first << " and " << in;
    if (init.getRank() != 0 || init.getElementType() != in.getElementType())
      return emitOpError("init value ")
             << i << " must be a 0-d tensor of its input's element type, got "
             << init;
    if (out.getElementType() != in.getElementType() ||
        out.getShape() != ArrayRef<int64_t>(shape))
      return emitOpError("result ") << i << " must be " << in.clone(shape)
                                    << " for these windows, got " << out;
  }
  return success();
}

LogicalResult GenericReduceWindowOp::verifyRegions() {
  return verifyReducerBody(*this, getBody(), getInitValues());
}
