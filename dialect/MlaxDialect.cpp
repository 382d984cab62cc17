//===- MlaxDialect.cpp - mlax dialect registration ------------------------===//
#include "dialect/MlaxDialect.h"
#include "dialect/MlaxOps.h"

using namespace mlir;
using namespace mlir::mlax;

#include "dialect/MlaxDialect.cpp.inc"

void MlaxDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialect/MlaxOps.cpp.inc"
      >();
}

Operation *MlaxDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                            Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}
