//===- RegionOutline.h - regions as functions and back ---------*- C++ -*-===//
//
// Reverse mode handles mlax.case by running the function-level
// transformations (linearize, transpose) on each branch: a branch is
// outlined into a private function of the values it captures, transformed,
// and the result's body is cloned back into a branch region.
//
//===----------------------------------------------------------------------===//
#ifndef MLAX_PASSES_REGIONOUTLINE_H
#define MLAX_PASSES_REGIONOUTLINE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::mlax {

/// A private function (inserted before `anchor`) whose arguments are
/// `inputs` (values the single-block `region` uses from above) and whose
/// body is the region's, returning its terminator's operands at positions
/// `resultOrder`.
func::FuncOp outlineRegion(Region &region, ArrayRef<Value> inputs,
                           ArrayRef<unsigned> resultOrder, Operation *anchor,
                           StringRef name);

/// Clones the body of single-block `fn` into `dst` (an empty region) with
/// its arguments replaced by `args`; the function's return becomes an
/// mlax.return.
void inlineFunctionInto(func::FuncOp fn, ValueRange args, Region &dst,
                        OpBuilder &b);

/// A symbol name not yet used in `fn`'s module, from `base`.
std::string freshSymbol(Operation *anchor, StringRef base);

} // namespace mlir::mlax

#endif // MLAX_PASSES_REGIONOUTLINE_H
