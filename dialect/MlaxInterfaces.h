//===- MlaxInterfaces.h - transformation rule interfaces ------*- C++ -*-===//
#ifndef MLAX_DIALECT_MLAXINTERFACES_H
#define MLAX_DIALECT_MLAXINTERFACES_H

#include "dialect/TransformContext.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

namespace mlir::mlax {
// Marker traits of MlaxInterfaces.td: the default rules read them.
template <typename ConcreteType>
class ZeroDerivative : public OpTrait::TraitBase<ConcreteType, ZeroDerivative> {
};
template <typename ConcreteType>
class LinearInOperands
    : public OpTrait::TraitBase<ConcreteType, LinearInOperands> {};
template <typename ConcreteType>
class ExportsToChlo : public OpTrait::TraitBase<ConcreteType, ExportsToChlo> {};
template <typename ConcreteType>
class ElementwiseWithScalars
    : public OpTrait::TraitBase<ConcreteType, ElementwiseWithScalars> {};

/// The JVP of an op that lists JvpOpInterface without its own rule: zero
/// tangents (ZeroDerivative), the op on the tangents (LinearInOperands), or
/// a diagnostic.
LogicalResult defaultJvp(Operation *op, OpBuilder &builder,
                         ArrayRef<Value> tangents,
                         SmallVectorImpl<Value> &resultTangents);

/// The batching rule of an op that lists BatchOpInterface without its own
/// rule: the elementwise rule (Elementwise, ElementwiseWithScalars), or a
/// diagnostic.
LogicalResult defaultBatch(Operation *op, OpBuilder &builder,
                           ArrayRef<Value> operands,
                           ArrayRef<int64_t> batchDims, int64_t batchSize,
                           SmallVectorImpl<Value> &results,
                           SmallVectorImpl<int64_t> &resultBatchDims);
} // namespace mlir::mlax

#include "dialect/MlaxInterfaces.h.inc"

#endif // MLAX_DIALECT_MLAXINTERFACES_H
