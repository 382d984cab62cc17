//===- ExportSharding.cpp - sharding ops and attributes to XLA's forms ----===//
//
// As JAX lowers them for XLA's SPMD partitioner (GSPMD):
// - with_sharding_constraint: custom_call @Sharding {mhlo.sharding};
// - entering / leaving shard_map: @Sharding then @SPMDFullToShardShape
//   ({manual}), and @Sharding {manual} then @SPMDShardToFullShape;
// - collectives: StableHLO collectives over replica groups of device
//   positions (use_global_device_ids), each with its own channel.
//
//===----------------------------------------------------------------------===//
#include "passes/ExportSharding.h"

#include "dialect/MlaxOps.h"
#include "dialect/Sharding.h"
#include "dialect/rules/RuleBuilder.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
constexpr StringLiteral kMlaxSharding = "mlax.sharding";
constexpr StringLiteral kMhloSharding = "mhlo.sharding";

Attribute opaque(MLIRContext *ctx, StringRef data) {
  return OpaqueAttr::get(StringAttr::get(ctx, "stablehlo"), data,
                         NoneType::get(ctx));
}

std::string hloString(ArrayRef<int64_t> mesh, ArrayAttr spec) {
  return MeshSharding::of(mesh, spec).hloString();
}

/// `mlax.sharding = {mesh, spec}` of a value of `type` as XLA's string;
/// null (after a diagnostic on `f`) when malformed.
StringAttr exportedSharding(func::FuncOp f, Attribute attr, Type type) {
  auto emit = [&] { return f.emitError("invalid mlax.sharding attribute: "); };
  auto dict = dyn_cast<DictionaryAttr>(attr);
  auto mesh = dict ? dict.getAs<DenseI64ArrayAttr>("mesh") : nullptr;
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!mesh || !tensor) {
    emit() << "expected {mesh = array<i64>, spec = [array<i64>...]} on a "
              "ranked tensor";
    return nullptr;
  }
  auto s = MeshSharding::get(mesh, dict.get("spec"), tensor.getRank(), emit);
  if (failed(s))
    return nullptr;
  return StringAttr::get(f.getContext(), s->hloString());
}

class Exporter {
public:
  explicit Exporter(MLIRContext *ctx) : ctx(ctx), b(ctx) {}

  Value customCall(Location loc, StringRef target, Value x, Type type,
                   StringRef sharding, StringRef backendConfig = "") {
    OperationState state(loc, "stablehlo.custom_call");
    state.addOperands(x);
    state.addTypes(type);
    state.addAttribute("call_target_name", b.getStringAttr(target));
    state.addAttribute(kMhloSharding, b.getStringAttr(sharding));
    if (!backendConfig.empty())
      state.addAttribute("backend_config", b.getStringAttr(backendConfig));
    return b.create(state)->getResult(0);
  }

  /// replica_groups / channel_handle / use_global_device_ids.
  void addGroups(OperationState &state, ArrayRef<int64_t> mesh,
                 ArrayRef<int64_t> axes, bool globalIds = true) {
    auto groups = replicaGroups(mesh, axes);
    SmallVector<int64_t> flat;
    for (auto &g : groups)
      llvm::append_range(flat, g);
    auto type =
        RankedTensorType::get({static_cast<int64_t>(groups.size()),
                               static_cast<int64_t>(groups.front().size())},
                              b.getI64Type());
    state.addAttribute("replica_groups",
                       DenseIntElementsAttr::get(type, ArrayRef(flat)));
    addChannel(state);
    if (globalIds)
      state.addAttribute("use_global_device_ids", b.getUnitAttr());
  }

  void addChannel(OperationState &state) {
    state.addAttribute(
        "channel_handle",
        opaque(ctx, ("channel_handle<handle = " + std::to_string(++channel) +
                     ", type = 1>")));
  }

  /// A scalar reduction body (lhs, rhs) -> lhs `kind` rhs, in mlax ops
  /// that the renaming exports.
  void addReducer(OperationState &state, Type elementType, WindowReduction kind,
                  Location loc) {
    Region *region = state.addRegion();
    auto scalar = RankedTensorType::get({}, elementType);
    Block *block = new Block();
    region->push_back(block);
    Value lhs = block->addArgument(scalar, loc);
    Value rhs = block->addArgument(scalar, loc);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(block);
    Value v;
    switch (kind) {
    case WindowReduction::ADD:
      v = AddOp::create(b, loc, lhs, rhs);
      break;
    case WindowReduction::MAX:
      v = MaxOp::create(b, loc, lhs, rhs);
      break;
    case WindowReduction::MIN:
      v = MinOp::create(b, loc, lhs, rhs);
      break;
    }
    ReturnOp::create(b, loc, ValueRange{v});
  }

  Value collective(Operation *op, StringRef name, ArrayRef<int64_t> mesh,
                   ArrayRef<int64_t> axes,
                   std::optional<WindowReduction> reducer,
                   ArrayRef<NamedAttribute> attrs, bool globalIds = true) {
    OperationState state(op->getLoc(), name);
    state.addOperands(op->getOperands());
    state.addTypes(op->getResultTypes());
    addGroups(state, mesh, axes, globalIds);
    state.addAttributes(attrs);
    if (reducer)
      addReducer(state, getElementTypeOrSelf(op->getResult(0).getType()),
                 *reducer, op->getLoc());
    return b.create(state)->getResult(0);
  }

  Value axisIndex(AxisIndexOp op) {
    Location loc = op.getLoc();
    RuleBuilder r(b, loc);
    OperationState state(loc, "stablehlo.partition_id");
    auto i32 = RankedTensorType::get({}, b.getI32Type());
    state.addTypes(
        RankedTensorType::get({}, b.getIntegerType(32, /*isSigned=*/false)));
    Value id = ConvertOp::create(b, loc, i32, b.create(state)->getResult(0));
    ArrayRef<int64_t> mesh = op.getMesh();
    // The index is row-major over `axes` of each axis's coordinate
    // (position / stride) % size.
    Value index;
    for (int64_t a : op.getAxes()) {
      int64_t stride = 1;
      for (int64_t k = a + 1, e = mesh.size(); k < e; ++k)
        stride *= mesh[k];
      Value coord = RemOp::create(
          b, loc, r.div(id, r.constant(i32, static_cast<double>(stride))),
          r.constant(i32, static_cast<double>(mesh[a])));
      index =
          index ? r.add(r.mul(index, r.constant(i32, mesh[a])), coord) : coord;
    }
    return index;
  }

  LogicalResult run(ModuleOp module) {
    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      if (isa<ShardingConstraintOp, FullToShardOp, ShardToFullOp, AllReduceOp,
              AllGatherOp, ReduceScatterOp, CollectivePermuteOp, AllToAllOp,
              AxisIndexOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      b.setInsertionPoint(op);
      Value v = export1(op);
      op->getResult(0).replaceAllUsesWith(v);
      op->erase();
    }
    WalkResult r = module.walk([&](func::FuncOp f) {
      return failed(exportFunctionAttrs(f)) ? WalkResult::interrupt()
                                            : WalkResult::advance();
    });
    return failure(r.wasInterrupted());
  }

private:
  Value export1(Operation *op) {
    Location loc = op->getLoc();
    if (auto c = dyn_cast<ShardingConstraintOp>(op)) {
      std::string config;
      if (!c.getUnspecifiedDims().empty()) {
        config = "unspecified_dims=[";
        llvm::raw_string_ostream os(config);
        llvm::interleave(c.getUnspecifiedDims(), os, ",");
        os << "]";
      }
      return customCall(loc, "Sharding", c.getOperand(), c.getType(),
                        hloString(c.getMesh(), c.getSpec()), config);
    }
    if (auto e = dyn_cast<FullToShardOp>(op)) {
      Value full =
          customCall(loc, "Sharding", e.getOperand(), e.getOperand().getType(),
                     hloString(e.getMesh(), e.getSpec()));
      return customCall(loc, "SPMDFullToShardShape", full, e.getType(),
                        "{manual}");
    }
    if (auto e = dyn_cast<ShardToFullOp>(op)) {
      Value manual = customCall(loc, "Sharding", e.getOperand(),
                                e.getOperand().getType(), "{manual}");
      return customCall(loc, "SPMDShardToFullShape", manual, e.getType(),
                        hloString(e.getMesh(), e.getSpec()));
    }
    if (auto c = dyn_cast<AllReduceOp>(op))
      return collective(op, "stablehlo.all_reduce", c.getMesh(), c.getAxes(),
                        c.getKind(), {});
    if (auto c = dyn_cast<AllGatherOp>(op))
      return collective(
          op, "stablehlo.all_gather", c.getMesh(), c.getAxes(), std::nullopt,
          {b.getNamedAttr("all_gather_dim",
                          b.getI64IntegerAttr(c.getAllGatherDim()))});
    if (auto c = dyn_cast<ReduceScatterOp>(op))
      return collective(
          op, "stablehlo.reduce_scatter", c.getMesh(), c.getAxes(),
          WindowReduction::ADD,
          {b.getNamedAttr("scatter_dimension",
                          b.getI64IntegerAttr(c.getScatterDimension()))});
    if (auto c = dyn_cast<AllToAllOp>(op))
      return collective(
          op, "stablehlo.all_to_all", c.getMesh(), c.getAxes(), std::nullopt,
          {b.getNamedAttr("split_dimension",
                          b.getI64IntegerAttr(c.getSplitDimension())),
           b.getNamedAttr("concat_dimension",
                          b.getI64IntegerAttr(c.getConcatDimension())),
           b.getNamedAttr("split_count", b.getI64IntegerAttr(groupSize(
                                             c.getMesh(), c.getAxes())))},
          /*globalIds=*/false);
    if (auto c = dyn_cast<CollectivePermuteOp>(op)) {
      OperationState state(loc, "stablehlo.collective_permute");
      state.addOperands(c.getOperand());
      state.addTypes(c.getType());
      SmallVector<int64_t> pairs;
      ArrayRef<int64_t> local = c.getPairs();
      for (auto &group : replicaGroups(c.getMesh(), c.getAxes()))
        for (unsigned i = 0; i < local.size(); i += 2) {
          pairs.push_back(group[local[i]]);
          pairs.push_back(group[local[i + 1]]);
        }
      auto type = RankedTensorType::get(
          {static_cast<int64_t>(pairs.size() / 2), 2}, b.getI64Type());
      state.addAttribute("source_target_pairs",
                         DenseIntElementsAttr::get(type, ArrayRef(pairs)));
      addChannel(state);
      return b.create(state)->getResult(0);
    }
    return axisIndex(cast<AxisIndexOp>(op));
  }

  LogicalResult exportFunctionAttrs(func::FuncOp f) {
    bool ok = true;
    auto convert = [&](DictionaryAttr attrs, Type type) -> DictionaryAttr {
      Attribute sharding = attrs ? attrs.get(kMlaxSharding) : nullptr;
      if (!sharding)
        return attrs;
      NamedAttrList list(attrs);
      list.erase(kMlaxSharding);
      if (StringAttr s = exportedSharding(f, sharding, type))
        list.set(kMhloSharding, s);
      else
        ok = false;
      return list.getDictionary(ctx);
    };
    ArrayRef<Type> inputs = f.getArgumentTypes(), results = f.getResultTypes();
    for (unsigned i = 0, e = inputs.size(); i < e && ok; ++i)
      f.setArgAttrs(i, convert(f.getArgAttrDict(i), inputs[i]));
    for (unsigned i = 0, e = results.size(); i < e && ok; ++i)
      f.setResultAttrs(i, convert(f.getResultAttrDict(i), results[i]));
    return success(ok);
  }

  MLIRContext *ctx;
  OpBuilder b;
  int64_t channel = 0;
};
} // namespace

LogicalResult mlir::mlax::exportSharding(ModuleOp module) {
  return Exporter(module.getContext()).run(module);
}

namespace {
bool isCustomCall(Operation *op, StringRef target) {
  if (op->getName().getStringRef() != "stablehlo.custom_call")
    return false;
  auto name = op->getAttrOfType<StringAttr>("call_target_name");
  return name && name.getValue() == target;
}
} // namespace

void mlir::mlax::markManualOperands(ModuleOp module) {
  // Per-device values: forward from each SPMDFullToShardShape to the
  // SPMDShardToFullShape calls (with everything nested in their ops).
  auto partitions = module->getAttrOfType<IntegerAttr>("mhlo.num_partitions");
  if (!partitions || partitions.getInt() <= 1)
    return;
  llvm::SmallPtrSet<Operation *, 32> manual;
  SmallVector<Operation *> work;
  module.walk([&](Operation *op) {
    if (isCustomCall(op, "SPMDFullToShardShape"))
      work.push_back(op);
  });
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    if (!manual.insert(op).second)
      continue;
    if (isCustomCall(op, "SPMDShardToFullShape"))
      continue;
    op->walk([&](Operation *nested) {
      if (nested != op)
        work.push_back(nested);
    });
    for (Value r : op->getResults())
      for (Operation *user : r.getUsers())
        work.push_back(user);
  }
  // What per-device ops compute from constants alone (a constant of a
  // cotangent, a broadcast zero) is per-device too: XLA's propagation
  // fails on an unannotated non-scalar constant there, so say so.
  llvm::SetVector<Operation *> feeding;
  for (Operation *op : manual)
    if (!isCustomCall(op, "SPMDShardToFullShape") &&
        !isCustomCall(op, "SPMDFullToShardShape"))
      work.push_back(op);
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    for (Value operand : op->getOperands()) {
      Operation *def = operand.getDefiningOp();
      if (!def || manual.contains(def) || feeding.contains(def) ||
          def->getName().getStringRef() == "stablehlo.custom_call")
        continue;
      feeding.insert(def);
      work.push_back(def);
    }
  }
  Builder b(module.getContext());
  for (Operation *def : feeding) {
    // A constant CSE shared with global ops: those keep their own copy.
    bool outside = llvm::any_of(def->getUsers(), [&](Operation *user) {
      return !manual.contains(user) && !feeding.contains(user);
    });
    if (outside && def->getNumOperands() == 0) {
      OpBuilder builder(def);
      Operation *copy = builder.clone(*def);
      def->replaceUsesWithIf(copy->getResults(), [&](OpOperand &use) {
        return !manual.contains(use.getOwner()) &&
               !feeding.contains(use.getOwner());
      });
    }
    def->setAttr(kMhloSharding, b.getStringAttr("{manual}"));
  }
  // Constants elsewhere are replicated: said explicitly, because GSPMD's
  // propagation crashes on some unannotated ones (a reduction's init value
  // next to a partially replicated operand).
  module.walk([&](Operation *op) {
    if (op->getName().getStringRef() == "stablehlo.constant" &&
        !op->hasAttr(kMhloSharding) && isa<func::FuncOp>(op->getParentOp()))
      op->setAttr(kMhloSharding, b.getStringAttr("{replicated}"));
  });
}
