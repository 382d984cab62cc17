//===- StructuralKey.cpp - an exact key of an operation's structure -------===//
//
// The key is a sequence of 64-bit words: tags, counts, numbers of values and
// blocks (in the order the walk meets them) and addresses of uniqued names,
// attributes and types. Every variable-length part is preceded by its count,
// so the encoding is unambiguous: equal keys mean equal structure.
//
//===----------------------------------------------------------------------===//
#include "passes/StructuralKey.h"
#include "passes/Passes.h"

#include "mlir/IR/Block.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Region.h"
#include "llvm/ADT/DenseMap.h"

#include <cstdint>
#include <vector>

namespace mlir::mlax {
namespace {

enum Tag : uint64_t {
  kOp = 0x6f70,
  kDefined, // an operand defined earlier in the walk: its number follows
  kForward, // an operand first seen here (defined later, or outside)
  kLateDef, // a definition of a value used before it: its number follows
  kNewDef,  // a definition of a value not seen before
  kRegion,
  kBlock,
  kSuccessor, // a block of the walk: its number follows
  kForeign,   // a successor outside the walked regions: its address follows
};

class KeyWriter {
public:
  std::string key;

  void op(Operation *op) {
    word(kOp);
    address(op->getName().getAsOpaquePointer());
    // Properties (inherent attributes) and the discardable attributes:
    // together, every attribute the printer would show.
    address(op->getPropertiesAsAttribute().getAsOpaquePointer());
    address(op->getDiscardableAttrDictionary().getAsOpaquePointer());
    word(op->getNumOperands());
    for (Value v : op->getOperands())
      use(v);
    word(op->getNumResults());
    for (OpResult r : op->getResults()) {
      address(r.getType().getAsOpaquePointer());
      define(r);
    }
    word(op->getNumSuccessors());
    for (Block *b : op->getSuccessors()) {
      auto it = blocks.find(b);
      if (it == blocks.end()) {
        word(kForeign); // outside the walked regions: that block itself
        address(b);
      } else {
        word(kSuccessor);
        word(it->second);
      }
    }
    word(op->getNumRegions());
    for (Region &region : op->getRegions())
      this->region(region);
  }

private:
  llvm::DenseMap<Value, uint64_t> values;
  llvm::DenseMap<Block *, uint64_t> blocks;
  uint64_t nextValue = 0;

  void word(uint64_t w) {
    key.append(reinterpret_cast<const char *>(&w), sizeof(w));
  }
  void address(const void *p) { word(reinterpret_cast<uintptr_t>(p)); }

  void use(Value v) {
    auto [it, inserted] = values.try_emplace(v, nextValue);
    if (inserted)
      ++nextValue;
    word(inserted ? kForward : kDefined);
    word(it->second);
    // A value first seen as an operand may be defined outside the root,
    // where the walk never reaches its definition: its type says which.
    if (inserted)
      address(v.getType().getAsOpaquePointer());
  }

  void define(Value v) {
    auto [it, inserted] = values.try_emplace(v, nextValue);
    if (inserted) {
      ++nextValue;
      word(kNewDef);
    } else {
      word(kLateDef);
      word(it->second);
    }
  }

  void region(Region &region) {
    word(kRegion);
    // Blocks are numbered before their ops: branches may go forward.
    uint64_t n = 0;
    for (Block &b : region)
      blocks.try_emplace(&b, blocks.size()), ++n;
    word(n);
    for (Block &b : region) {
      word(kBlock);
      word(b.getNumArguments());
      for (BlockArgument arg : b.getArguments()) {
        address(arg.getType().getAsOpaquePointer());
        define(arg);
      }
      uint64_t numOps = 0;
      for (Operation &nested : b) {
        (void)nested;
        ++numOps;
      }
      word(numOps);
      for (Operation &nested : b)
        op(&nested);
    }
  }
};

} // namespace

std::string computeStructuralKey(Operation *op) {
  KeyWriter writer;
  writer.op(op);
  return std::move(writer.key);
}

#define GEN_PASS_DEF_MLAXTESTSTRUCTURALKEY
#include "passes/Passes.h.inc"

namespace {
/// Remarks on each function which earlier function, if any, has its key
/// (with the function's own name left out), so that lit tests can pin down
/// what the executable cache treats as the same program.
struct TestStructuralKeyPass
    : impl::MlaxTestStructuralKeyBase<TestStructuralKeyPass> {
  void runOnOperation() override {
    std::vector<std::string> keys;
    unsigned index = 0;
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      StringAttr name = fn.getSymNameAttr();
      fn.setSymName("_");
      std::string key = computeStructuralKey(fn);
      fn.setSymNameAttr(name);
      unsigned same = index;
      for (unsigned i = 0; i < keys.size(); ++i)
        if (keys[i] == key) {
          same = i;
          break;
        }
      keys.push_back(std::move(key));
      fn.emitRemark() << "structural key " << same;
      ++index;
    }
  }
};
} // namespace
} // namespace mlir::mlax
