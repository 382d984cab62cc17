//===- RegionOutline.cpp - regions as functions and back ------------------===//
#include "passes/RegionOutline.h"

#include "dialect/MlaxOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::mlax;

std::string mlir::mlax::freshSymbol(Operation *anchor, StringRef base) {
  Operation *table = SymbolTable::getNearestSymbolTable(
      anchor->getParentOp() ? anchor->getParentOp() : anchor);
  for (int i = 0;; ++i) {
    std::string name = i ? (base + "_" + Twine(i)).str() : base.str();
    if (!SymbolTable::lookupSymbolIn(table, name))
      return name;
  }
}

func::FuncOp mlir::mlax::outlineRegion(Region &region, ArrayRef<Value> inputs,
                                       ArrayRef<unsigned> resultOrder,
                                       Operation *anchor, StringRef name) {
  MLIRContext *ctx = anchor->getContext();
  Block &src = region.front();
  Operation *term = src.getTerminator();
  SmallVector<Type> inTypes, outTypes;
  for (Value v : inputs)
    inTypes.push_back(v.getType());
  for (unsigned i : resultOrder)
    outTypes.push_back(term->getOperand(i).getType());
  OpBuilder b(anchor);
  auto fn = func::FuncOp::create(b, anchor->getLoc(), freshSymbol(anchor, name),
                                 FunctionType::get(ctx, inTypes, outTypes));
  fn.setPrivate();
  Block *entry = fn.addEntryBlock();
  IRMapping map;
  for (auto [v, arg] : llvm::zip(inputs, entry->getArguments()))
    map.map(v, arg);
  OpBuilder fb = OpBuilder::atBlockBegin(entry);
  for (Operation &op : src.without_terminator())
    fb.clone(op, map);
  SmallVector<Value> outs;
  for (unsigned i : resultOrder)
    outs.push_back(map.lookupOrDefault(term->getOperand(i)));
  func::ReturnOp::create(fb, term->getLoc(), outs);
  return fn;
}

void mlir::mlax::inlineFunctionInto(func::FuncOp fn, ValueRange args,
                                    Region &dst, OpBuilder &b) {
  OpBuilder::InsertionGuard guard(b);
  Block *block = b.createBlock(&dst);
  Block &src = fn.front();
  IRMapping map;
  map.map(src.getArguments(), args);
  for (Operation &op : src.without_terminator())
    b.clone(op, map);
  auto ret = cast<func::ReturnOp>(src.getTerminator());
  SmallVector<Value> outs;
  for (Value v : ret.getOperands())
    outs.push_back(map.lookupOrDefault(v));
  ReturnOp::create(b, ret.getLoc(), outs);
  (void)block;
}
