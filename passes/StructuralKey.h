//===- StructuralKey.h - an exact key of an operation's structure -*- C++
//-*-===//
#ifndef MLAX_PASSES_STRUCTURALKEY_H
#define MLAX_PASSES_STRUCTURALKEY_H

#include "mlir/IR/Operation.h"

#include <string>

namespace mlir::mlax {
/// A byte string that two operations share exactly when they have the same
/// structure: op names, attributes (properties and discardable ones), result
/// and block-argument types, which value each operand is, regions, blocks and
/// successors, all in order. Locations are not part of it. Names, attributes
/// and types are uniqued by the context, so the key holds their addresses: it
/// compares operations of one MLIRContext, while that context lives.
///
/// It is the key of mlax's executable cache (printing the IR costs tens of
/// microseconds per eager transformation; this is a walk). Two operations
/// with one key verify alike, so a cache hit needs no verification. It is
/// safe on IR that does not verify (operands defined later or elsewhere get
/// their own tags).
std::string computeStructuralKey(Operation *op);
} // namespace mlir::mlax

#endif // MLAX_PASSES_STRUCTURALKEY_H
