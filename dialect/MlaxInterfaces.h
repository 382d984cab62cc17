//===- MlaxInterfaces.h - transformation rule interfaces ------*- C++ -*-===//
#ifndef MLAX_DIALECT_MLAXINTERFACES_H
#define MLAX_DIALECT_MLAXINTERFACES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

#include "dialect/MlaxInterfaces.h.inc"

#endif // MLAX_DIALECT_MLAXINTERFACES_H
