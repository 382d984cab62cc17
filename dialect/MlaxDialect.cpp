//===- MlaxDialect.cpp - mlax dialect registration ------------------------===//
#include "dialect/MlaxDialect.h"
#include "dialect/MlaxOps.h"
#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;
using namespace mlir::mlax;

#include "dialect/MlaxDialect.cpp.inc"

namespace {
/// Every mlax op may be inlined (they are pure or region ops with local
/// semantics); `mlax.return` only terminates mlax region ops, never a
/// callable, so no terminator handling is needed.
struct MlaxInlinerInterface : public DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Operation *, bool) const final {
    return true;
  }
  bool isLegalToInline(Region *, Region *, bool, IRMapping &) const final {
    return true;
  }
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void MlaxDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialect/MlaxOps.cpp.inc"
      >();
  addInterfaces<MlaxInlinerInterface>();
}

Operation *MlaxDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                            Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}
