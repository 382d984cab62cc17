//===- LowerScan.cpp - mlax.scan as mlax.while ----------------------------===//
#include "passes/LowerScan.h"

#include "dialect/MlaxOps.h"
#include "dialect/rules/RegionUtils.h"
#include "dialect/rules/RuleBuilder.h"
#include "passes/Passes.h"

namespace mlir::mlax {
#define GEN_PASS_DEF_MLAXLOWERSCAN
#include "passes/Passes.h.inc"
} // namespace mlir::mlax

using namespace mlir;
using namespace mlir::mlax;

namespace {
/// One iteration at counter `k`: reads the x slices, runs the body, writes
/// the y slices; updates `carries` and `bufs`.
void emitIteration(OpBuilder &b, ScanOp op, Value k,
                   SmallVectorImpl<Value> &carries,
                   SmallVectorImpl<Value> &bufs) {
  Location loc = op.getLoc();
  RuleBuilder r(b, loc);
  Value idx = op.getReverse() ? r.sub(r.i32(op.getLength() - 1), k) : k;
  SmallVector<Value> args(carries.begin(), carries.end());
  for (Value x : op.getXs()) {
    auto t = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> sizes(t.getShape());
    sizes[0] = 1;
    SmallVector<Value> starts{idx};
    for (int64_t d = 1; d < t.getRank(); ++d)
      starts.push_back(r.i32(0));
    Value s = DynamicSliceOp::create(b, loc, x, starts, sizes).getResult();
    args.push_back(r.reshape(s, dropLeadingDim(t)));
  }
  SmallVector<Value> outs = cloneBlockBody(b, op.getBody().front(), args);
  unsigned nc = op.getNumCarries();
  for (unsigned i = 0; i < nc; ++i)
    carries[i] = outs[i];
  for (auto [j, buf] : llvm::enumerate(bufs)) {
    auto t = cast<RankedTensorType>(buf.getType());
    SmallVector<int64_t> one(t.getShape());
    one[0] = 1;
    Value upd = r.reshape(outs[nc + j], t.clone(one));
    SmallVector<Value> starts{idx};
    for (int64_t d = 1; d < t.getRank(); ++d)
      starts.push_back(r.i32(0));
    buf = DynamicUpdateSliceOp::create(b, loc, buf, upd, starts).getResult();
  }
}

void lowerScan(ScanOp op) {
  Location loc = op.getLoc();
  OpBuilder b(op);
  RuleBuilder r(b, loc);
  int64_t length = op.getLength();
  int64_t unroll =
      std::min<int64_t>(op.getUnroll(), std::max<int64_t>(length, 1));
  int64_t trips = length / unroll, mainLength = trips * unroll;
  unsigned nc = op.getNumCarries();
  SmallVector<Value> carries(op.getInit());
  SmallVector<Value> bufs;
  for (Value y : op.getYs())
    bufs.push_back(r.zerosLike(y));
  if (trips > 0 && !(trips == 1 && unroll == length)) {
    SmallVector<Value> operands{r.i32(0)};
    llvm::append_range(operands, carries);
    llvm::append_range(operands, bufs);
    SmallVector<Type> types(ValueRange(operands).getTypes());
    auto w = WhileOp::create(b, loc, types, operands);
    w.setTripCount(trips);
    SmallVector<Location> locs(types.size(), loc);
    {
      OpBuilder::InsertionGuard guard(b);
      Block *blk = b.createBlock(&w.getCond(), {}, types, locs);
      Value lt = r.compare(ComparisonDirection::LT, blk->getArgument(0),
                           r.i32(mainLength));
      ReturnOp::create(b, loc, ValueRange{lt});
    }
    {
      OpBuilder::InsertionGuard guard(b);
      Block *blk = b.createBlock(&w.getBody(), {}, types, locs);
      Value k = blk->getArgument(0);
      SmallVector<Value> c(blk->getArguments().slice(1, nc));
      SmallVector<Value> bs(blk->getArguments().drop_front(1 + nc));
      for (int64_t s = 0; s < unroll; ++s) {
        emitIteration(b, op, k, c, bs);
        k = r.add(k, r.i32(1));
      }
      SmallVector<Value> yields{k};
      llvm::append_range(yields, c);
      llvm::append_range(yields, bs);
      ReturnOp::create(b, loc, yields);
    }
    for (unsigned i = 0; i < nc; ++i)
      carries[i] = w.getResult(1 + i);
    for (auto [j, buf] : llvm::enumerate(bufs))
      buf = w.getResult(1 + nc + j);
  } else {
    mainLength = 0; // Fully unrolled.
  }
  for (int64_t k = mainLength; k < length; ++k)
    emitIteration(b, op, r.i32(k), carries, bufs);
  SmallVector<Value> results(carries);
  llvm::append_range(results, bufs);
  op.replaceAllUsesWith(results);
  op.erase();
}

struct LowerScanPass : public mlax::impl::MlaxLowerScanBase<LowerScanPass> {
  void runOnOperation() override { lowerScans(getOperation()); }
};
} // namespace

void mlir::mlax::lowerScans(Operation *root) {
  SmallVector<ScanOp> scans;
  root->walk<WalkOrder::PostOrder>([&](ScanOp op) { scans.push_back(op); });
  for (ScanOp op : scans)
    lowerScan(op);
}
