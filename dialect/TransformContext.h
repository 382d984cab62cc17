//===- TransformContext.h - what region-op rules see of a pass -*- C++ -*-===//
//
// Rules of ops with regions or callees (while, case, scan, custom calls)
// need the transformation itself: transform a region with the same maps,
// transform a whole function, look up a value's tangent, batch dimension or
// cotangent. The passes implement these contexts; the rules (in
// dialect/rules/) only see the abstract interface, as Enzyme's
// ControlFlowAutoDiffOpInterface rules see a gradient utils object.
//
//===----------------------------------------------------------------------===//
#ifndef MLAX_DIALECT_TRANSFORMCONTEXT_H
#define MLAX_DIALECT_TRANSFORMCONTEXT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"

#include <memory>

namespace mlir::mlax {

/// The forward-mode transformation, walking a source block in order.
class JvpContext {
public:
  virtual ~JvpContext() = default;
  /// `src`'s value in the JVP function (`src` itself when unmapped: values
  /// defined above the transformed function).
  virtual Value primal(Value src) = 0;
  /// `src`'s tangent; null for a symbolic zero.
  virtual Value tangent(Value src) = 0;
  virtual void mapPrimal(Value src, Value v) = 0;
  /// Maps `src` to tangent `t` (null: a symbolic zero).
  virtual void mapTangent(Value src, Value t) = 0;
  /// Emits the primal and tangent computation of `block`'s ops (not its
  /// terminator) at `b`'s insertion point, with the current maps.
  virtual LogicalResult emitBlock(Block &block, OpBuilder &b) = 0;
  /// An independent copy of the maps, for trial walks (fixpoints).
  virtual std::unique_ptr<JvpContext> fork() = 0;
  /// The function `sym` (used by `user`) ready to be inlined into a JVP
  /// function; sets `owned` when the caller must erase it afterwards.
  virtual FailureOr<func::FuncOp>
  prepareFunction(Operation *user, FlatSymbolRefAttr sym, bool &owned) = 0;
};

/// An out dimension that makes a batched result unbatched by summing it over
/// the batch (a batched bwd's cotangent of a shared operand).
constexpr int64_t kSumOverBatch = -2;

/// The batching transformation: one batch dimension per value (-1: none).
class BatchContext {
public:
  virtual ~BatchContext() = default;
  virtual int64_t batchSize() = 0;
  /// `src`'s value in the batched function.
  virtual Value lookup(Value src) = 0;
  virtual int64_t batchDim(Value src) = 0;
  /// Maps `src` to `v`, whose batch dimension is `dim` (-1: unbatched).
  virtual void map(Value src, Value v, int64_t dim) = 0;
  /// Batches `block`'s ops (not its terminator) at `b`'s insertion point.
  virtual LogicalResult emitBlock(Block &block, OpBuilder &b) = 0;
  /// An independent copy of the maps, for trial walks (fixpoints).
  virtual std::unique_ptr<BatchContext> fork() = 0;
  /// The batched version of `fn` (same batch size); `user` gets the
  /// diagnostic when the pass cannot batch functions.
  virtual FailureOr<func::FuncOp> batchFunction(Operation *user,
                                                func::FuncOp fn,
                                                ArrayRef<int64_t> inDims,
                                                ArrayRef<int64_t> outDims) = 0;
};

struct LinearizedFunctions {
  /// (primals) -> (results..., residuals...)
  func::FuncOp primal;
  /// (residuals..., tangents...) -> (result tangents...)
  func::FuncOp linear;
  unsigned numResults;
  unsigned numResiduals;
};

/// Partial evaluation of a JVP function into primal and linear parts.
class PartialEvalContext {
public:
  virtual ~PartialEvalContext() = default;
  /// The values that depend on tangents so far.
  virtual DenseSet<Value> &linear() = 0;
  /// Adds to `linear` the results of `block`'s ops that depend on it.
  virtual void propagate(Block &block, DenseSet<Value> &linear) = 0;
  /// Linearizes a JVP function (see mlax::linearize).
  virtual FailureOr<LinearizedFunctions> linearize(func::FuncOp jvpFn,
                                                   unsigned numPrimals,
                                                   unsigned numResults,
                                                   StringRef baseName) = 0;
  /// Where outlined functions go (the function being linearized).
  virtual Operation *anchor() = 0;
  virtual StringRef baseName() = 0;
};

/// Transposition of a linear function, walking it backwards.
class TransposeContext {
public:
  virtual ~TransposeContext() = default;
  /// True for values that depend on the linear inputs.
  virtual bool isLinear(Value src) = 0;
  /// A non-linear value's value in the transposed function.
  virtual Value forward(Value src) = 0;
  /// Adds cotangent `ct` (null: nothing) to linear value `src`'s.
  virtual LogicalResult accumulate(Value src, Value ct, Location loc) = 0;
  /// Transposes `linearFn: (constants[numConstant], xs) -> ys`.
  virtual FailureOr<func::FuncOp> transposeFunction(func::FuncOp linearFn,
                                                    unsigned numConstant,
                                                    StringRef name) = 0;
  /// Where outlined functions go (the function being transposed).
  virtual Operation *anchor() = 0;
  virtual StringRef baseName() = 0;
};

} // namespace mlir::mlax

#endif // MLAX_DIALECT_TRANSFORMCONTEXT_H
