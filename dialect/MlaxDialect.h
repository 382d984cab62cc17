//===- MlaxDialect.h - mlax dialect ---------------------------*- C++ -*-===//
#ifndef MLAX_DIALECT_MLAXDIALECT_H
#define MLAX_DIALECT_MLAXDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialect/MlaxDialect.h.inc"

#endif // MLAX_DIALECT_MLAXDIALECT_H
