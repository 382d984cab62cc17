//===- MlaxOps.h - mlax ops -----------------------------------*- C++ -*-===//
#ifndef MLAX_DIALECT_MLAXOPS_H
#define MLAX_DIALECT_MLAXOPS_H

#include "dialect/MlaxDialect.h"
#include "dialect/MlaxInterfaces.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialect/MlaxEnums.h.inc"

namespace mlir::mlax {
/// True when `type` is a ranked tensor whose static dimensions multiply to at
/// most INT64_MAX elements (every mlax operand and result must be).
bool hasCountableShape(Type type);

/// A region of the custom assembly formats: on a parse error the uses of its
/// values are dropped first (they may satisfy forward references made before
/// the op, and destroying a used value is a fatal error).
ParseResult parseGuardedRegion(OpAsmParser &parser, Region &region);
void printGuardedRegion(OpAsmPrinter &p, Operation *, Region &region);

/// Checks a reducer body `(accumulators..., elements...) -> accumulators`
/// (of reduce and generic_reduce_window) against the init values' types.
LogicalResult verifyReducerBody(Operation *op, Region &body,
                                ValueRange initValues);
} // namespace mlir::mlax

#define GET_OP_CLASSES
#include "dialect/MlaxOps.h.inc"

#endif // MLAX_DIALECT_MLAXOPS_H
