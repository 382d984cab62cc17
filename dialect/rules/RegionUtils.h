//===- RegionUtils.h - helpers of the region-op rules ----------*- C++ -*-===//
//
// Reverse mode handles region ops by running the function-level
// transformations (linearize, transpose) on their bodies: a region is
// outlined into a private function of the values it uses, transformed, and
// the result's body is cloned back into a region. These helpers are the one
// copy of each piece of that (cloning a body, splitting captured values,
// discarding a trial block).
//
//===----------------------------------------------------------------------===//
#ifndef MLAX_DIALECT_RULES_REGIONUTILS_H
#define MLAX_DIALECT_RULES_REGIONUTILS_H

#include "dialect/TransformContext.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::mlax {

/// Clones the ops of `src` (not its terminator) at `b`'s insertion point
/// with `src`'s arguments mapped to `args`; returns the terminator's
/// operands, mapped. `map` may already map values `src` uses from above.
SmallVector<Value> cloneBlockBody(OpBuilder &b, Block &src, ValueRange args,
                                  IRMapping map = {});

/// The same for the body of single-block function `fn`.
inline SmallVector<Value> inlineBody(OpBuilder &b, func::FuncOp fn,
                                     ValueRange args) {
  return cloneBlockBody(b, fn.front(), args);
}

/// Values defined above `op` that its regions use.
SetVector<Value> capturedValues(Operation *op);
SetVector<Value> capturedValues(Region &region);

/// True if `pred` holds for an operand of `op` or a value its regions use.
bool usesAny(Operation &op, llvm::function_ref<bool(Value)> pred);

/// Splits `values` into those for which `pred` holds and the others.
void partitionValues(ArrayRef<Value> values,
                     llvm::function_ref<bool(Value)> pred,
                     SmallVectorImpl<Value> &yes, SmallVectorImpl<Value> &no);

/// A trial walk (the fixpoints of loop rules): `walk` emits into a detached
/// scratch block with arguments of `argTypes`; the block and everything in
/// it are erased afterwards, whatever `walk` returns.
LogicalResult
trialWalk(MLIRContext *ctx, TypeRange argTypes, Location loc,
          llvm::function_ref<LogicalResult(Block *, OpBuilder &)> walk);

/// A private function (inserted before `anchor`) whose arguments are
/// `inputs` (values the single-block `region` uses: its arguments or values
/// from above) and whose body is the region's, returning its terminator's
/// operands at positions `resultOrder`.
func::FuncOp outlineRegion(Region &region, ArrayRef<Value> inputs,
                           ArrayRef<unsigned> resultOrder, Operation *anchor,
                           StringRef name);

/// Clones the body of single-block `fn` into a new block of `dst` (an empty
/// region) with its arguments replaced by `args`; the function's return
/// becomes an mlax.return.
void inlineFunctionInto(func::FuncOp fn, ValueRange args, Region &dst,
                        OpBuilder &b);

/// What a JVP'd region returns for `results` (values of the source
/// region): their primals, then the tangents of those marked `active`
/// (zeros for symbolic zeros).
SmallVector<Value> jvpRegionResults(JvpContext &ctx, OpBuilder &b, Location loc,
                                    ValueRange results, ArrayRef<bool> active);

/// Transposition of a region op whose regions are linear functions of the
/// values they capture (case branches, a checkpoint body): the captured
/// values split into constant and linear ones, and the arguments of each
/// transposed region (forwarded constants, then one cotangent per result,
/// zeros for null ones).
struct RegionTransposeSetup {
  SmallVector<Value> constCaps, linCaps, args;
  /// Cotangent zeros are built with `b` (in the transposed function).
  RegionTransposeSetup(TransposeContext &ctx, OpBuilder &b, Operation *op,
                       ArrayRef<Value> resultCts);
  /// `region` outlined (`suffix` names it) and transposed: (constCaps,
  /// result cotangents) -> cotangents of linCaps.
  FailureOr<func::FuncOp> transpose(TransposeContext &ctx, Operation *op,
                                    Region &region, StringRef suffix);
};

/// A symbol name not yet used in `anchor`'s symbol table, from `base`.
std::string freshSymbol(Operation *anchor, StringRef base);

} // namespace mlir::mlax

#endif // MLAX_DIALECT_RULES_REGIONUTILS_H
