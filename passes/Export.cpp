//===- Export.cpp - mlax to StableHLO text
//---------------------------------===//
//
// mlax ops mirror StableHLO's names and attributes, so export is a renaming:
// each mlax op is replaced (in a clone) by an unregistered `stablehlo.*` op
// with the same operands, results, regions and attributes. Attributes whose
// StableHLO form is a dialect attribute are rewritten as opaque
// `#stablehlo...` attributes. Unregistered ops print in generic form, which
// StableHLO's parser accepts.
//
//===----------------------------------------------------------------------===//
#include "passes/Export.h"
#include "passes/ExportSharding.h"
#include "passes/LowerLinalg.h"
#include "passes/LowerScan.h"

#include "dialect/MlaxDialect.h"
#include "dialect/MlaxOps.h"
#include "dialect/rules/RuleBuilder.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
std::string exportedName(Operation *op) {
  StringRef name = op->getName().stripDialect();
  if (isa<PythonCallbackOp>(op))
    return "stablehlo.custom_call";
  if (op->hasTrait<ExportsToChlo>())
    return ("chlo." + name).str();
  return ("stablehlo." + name).str();
}

Attribute opaque(MLIRContext *ctx, StringRef data) {
  return OpaqueAttr::get(StringAttr::get(ctx, "stablehlo"), data,
                         NoneType::get(ctx));
}

std::string joinDims(ArrayRef<int64_t> dims) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(dims, os);
  os << "]";
  return s;
}

/// The attributes of `op` in StableHLO's spelling.
SmallVector<NamedAttribute> exportedAttrs(Operation *op) {
  MLIRContext *ctx = op->getContext();
  SmallVector<NamedAttribute> attrs;
  if (auto cmp = dyn_cast<CompareOp>(op)) {
    attrs.emplace_back(
        StringAttr::get(ctx, "comparison_direction"),
        opaque(ctx, ("comparison_direction " +
                     stringifyComparisonDirection(cmp.getComparisonDirection()))
                        .str()));
    if (auto type = cmp.getCompareType())
      attrs.emplace_back(
          StringAttr::get(ctx, "compare_type"),
          opaque(ctx,
                 ("comparison_type " + stringifyComparisonType(*type)).str()));
    return attrs;
  }
  if (auto dot = dyn_cast<DotGeneralOp>(op)) {
    SmallVector<std::string> fields;
    auto add = [&](StringRef name, ArrayRef<int64_t> dims) {
      if (!dims.empty())
        fields.push_back((name + " = " + joinDims(dims)).str());
    };
    add("lhs_batching_dimensions", dot.getLhsBatchingDimensions());
    add("rhs_batching_dimensions", dot.getRhsBatchingDimensions());
    add("lhs_contracting_dimensions", dot.getLhsContractingDimensions());
    add("rhs_contracting_dimensions", dot.getRhsContractingDimensions());
    attrs.emplace_back(StringAttr::get(ctx, "dot_dimension_numbers"),
                       opaque(ctx, "dot<" + llvm::join(fields, ", ") + ">"));
    if (ArrayAttr precision = dot.getPrecisionConfigAttr()) {
      SmallVector<Attribute> config;
      for (Attribute p : precision)
        config.push_back(
            opaque(ctx, ("precision " + cast<StringAttr>(p).getValue()).str()));
      attrs.emplace_back(StringAttr::get(ctx, "precision_config"),
                         ArrayAttr::get(ctx, config));
    }
    return attrs;
  }
  if (auto cb = dyn_cast<PythonCallbackOp>(op)) {
    // XLA's typed-FFI Python callback: backend_config carries the index.
    Builder b(ctx);
    attrs.emplace_back(b.getStringAttr("call_target_name"),
                       b.getStringAttr(cb.getCallTarget()));
    attrs.emplace_back(b.getStringAttr("api_version"), b.getI32IntegerAttr(4));
    attrs.emplace_back(b.getStringAttr("has_side_effect"), b.getBoolAttr(true));
    attrs.emplace_back(
        b.getStringAttr("backend_config"),
        b.getDictionaryAttr(b.getNamedAttr(
            "index", b.getIntegerAttr(b.getIntegerType(64, /*isSigned=*/false),
                                      cb.getIndex()))));
    return attrs;
  }
  if (isa<GatherOp, ScatterOp>(op)) {
    bool gather = isa<GatherOp>(op);
    SmallVector<std::string> fields;
    auto field = [&](StringRef name) {
      auto dims = op->getAttrOfType<DenseI64ArrayAttr>(name).asArrayRef();
      if (!dims.empty())
        fields.push_back((name + " = " + joinDims(dims)).str());
    };
    static const char *const gatherFields[] = {
        "offset_dims", "collapsed_slice_dims", "operand_batching_dims",
        "start_indices_batching_dims", "start_index_map"};
    static const char *const scatterFields[] = {
        "update_window_dims", "inserted_window_dims", "input_batching_dims",
        "scatter_indices_batching_dims", "scatter_dims_to_operand_dims"};
    for (const char *name : gather ? gatherFields : scatterFields)
      field(name);
    fields.push_back(
        "index_vector_dim = " +
        std::to_string(
            op->getAttrOfType<IntegerAttr>("index_vector_dim").getInt()));
    attrs.emplace_back(StringAttr::get(ctx, gather
                                                ? "dimension_numbers"
                                                : "scatter_dimension_numbers"),
                       opaque(ctx, (gather ? "gather<" : "scatter<") +
                                       llvm::join(fields, ", ") + ">"));
    for (NamedAttribute attr : op->getAttrs())
      if (attr.getName() == "slice_sizes" ||
          attr.getName() == "indices_are_sorted" ||
          attr.getName() == "unique_indices")
        attrs.push_back(attr);
    return attrs;
  }
  // Everything else already has StableHLO's attribute names and types
  // (dense i64 arrays, i64 integers, dense elements).
  for (NamedAttribute attr : op->getAttrs())
    if (attr.getName() != "operandSegmentSizes")
      attrs.push_back(attr);
  return attrs;
}

Value conjugateParts(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  auto part =
      type.clone(cast<ComplexType>(type.getElementType()).getElementType());
  RuleBuilder r(b, loc);
  Value re = RealOp::create(b, loc, part, x);
  Value im = ImagOp::create(b, loc, part, x);
  return ComplexOp::create(b, loc, type, re, r.neg(im));
}

/// x^n as JAX lowers integer_pow: repeated squaring, 1 / x^-n for n < 0.
Value expandIntegerPow(OpBuilder &b, IntegerPowOp op) {
  RuleBuilder r(b, op.getLoc());
  int64_t n = op.getExponent();
  if (n == 0)
    return r.onesLike(op.getOperand());
  bool reciprocal = n < 0;
  uint64_t y = reciprocal ? -static_cast<uint64_t>(n) : n;
  Value x = op.getOperand(), acc;
  while (y > 0) {
    if (y & 1)
      acc = acc ? r.mul(acc, x) : x;
    y >>= 1;
    if (y > 0)
      x = r.mul(x, x);
  }
  return reciprocal ? r.div(r.onesLike(acc), acc) : acc;
}

/// cumsum as JAX lowers it: a reduce_window whose window spans the
/// dimension, padded by length - 1 on the side the sum comes from (XLA
/// rewrites it into a scan). The body's mlax ops are renamed with the rest.
void expandCumsum(CumsumOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(op.getType());
  auto scalar = RankedTensorType::get({}, type.getElementType());
  Value init = RuleBuilder(b, loc).constant(scalar, 0.0);
  int64_t rank = type.getRank(), axis = op.getAxis();
  int64_t n = type.getDimSize(axis);
  SmallVector<int64_t> window(rank, 1), strides(rank, 1), padding(2 * rank, 0);
  window[axis] = n;
  padding[2 * axis + (op.getReverse() ? 1 : 0)] = std::max<int64_t>(n - 1, 0);
  MLIRContext *ctx = op.getContext();
  OperationState state(loc, "stablehlo.reduce_window");
  state.addOperands({op.getOperand(), init});
  state.addTypes(type);
  state.addAttribute("window_dimensions", DenseI64ArrayAttr::get(ctx, window));
  state.addAttribute("window_strides", DenseI64ArrayAttr::get(ctx, strides));
  state.addAttribute("padding", DenseIntElementsAttr::get(
                                    RankedTensorType::get(
                                        {rank, 2}, IntegerType::get(ctx, 64)),
                                    ArrayRef<int64_t>(padding)));
  state.addRegion();
  Operation *windowOp = b.create(state);
  Block *block =
      b.createBlock(&windowOp->getRegion(0), {}, {scalar, scalar}, {loc, loc});
  Value sum =
      AddOp::create(b, loc, block->getArgument(0), block->getArgument(1));
  ReturnOp::create(b, loc, ValueRange{sum});
  op.replaceAllUsesWith(windowOp->getResult(0));
  op.erase();
}

/// One side of StableHLO's conv dimension-number syntax: the letters of
/// `first`, `second` (batch/feature or output/input) and spatial indices,
/// placed at the dimensions `spec` names.
std::string convLayout(ArrayRef<int64_t> spec, char first, char second) {
  SmallVector<std::string> dims(spec.size());
  dims[spec[0]] = std::string(1, first);
  dims[spec[1]] = std::string(1, second);
  for (size_t i = 2; i < spec.size(); ++i)
    dims[spec[i]] = std::to_string(i - 2);
  return "[" + llvm::join(dims, ", ") + "]";
}

void expandConvolution(ConvolutionOp op) {
  OpBuilder b(op);
  MLIRContext *ctx = op.getContext();
  int64_t s = op.getWindowStrides().size();
  OperationState state(op.getLoc(), "stablehlo.convolution");
  state.addOperands({op.getLhs(), op.getRhs()});
  state.addTypes(op.getType());
  state.addAttribute(
      "dimension_numbers",
      opaque(ctx, "conv<" + convLayout(op.getLhsSpec(), 'b', 'f') + "x" +
                      convLayout(op.getRhsSpec(), 'o', 'i') + "->" +
                      convLayout(op.getOutSpec(), 'b', 'f') + ">"));
  state.addAttribute("window_strides", op.getWindowStridesAttr());
  state.addAttribute(
      "padding",
      DenseIntElementsAttr::get(RankedTensorType::get({s, 2}, b.getI64Type()),
                                op.getPadding()));
  state.addAttribute("lhs_dilation", op.getLhsDilationAttr());
  state.addAttribute("rhs_dilation", op.getRhsDilationAttr());
  state.addAttribute("feature_group_count", op.getFeatureGroupCountAttr());
  state.addAttribute("batch_group_count", op.getBatchGroupCountAttr());
  if (ArrayAttr precision = op.getPrecisionConfigAttr()) {
    SmallVector<Attribute> config;
    for (Attribute p : precision)
      config.push_back(
          opaque(ctx, ("precision " + cast<StringAttr>(p).getValue()).str()));
    state.addAttribute("precision_config", ArrayAttr::get(ctx, config));
  }
  op.getResult().replaceAllUsesWith(b.create(state)->getResult(0));
  op.erase();
}

/// reduce_window with the body and identity of its monoid.
void expandReduceWindow(ReduceWindowOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(op.getType());
  auto scalar = RankedTensorType::get({}, type.getElementType());
  RuleBuilder r(b, loc);
  Value init = windowIdentity(r, type.getElementType(), op.getReduction());
  int64_t rank = type.getRank();
  MLIRContext *ctx = op.getContext();
  OperationState state(loc, "stablehlo.reduce_window");
  state.addOperands({op.getOperand(), init});
  state.addTypes(type);
  state.addAttribute("window_dimensions", op.getWindowDimensionsAttr());
  state.addAttribute("window_strides", op.getWindowStridesAttr());
  state.addAttribute("base_dilations", op.getBaseDilationsAttr());
  state.addAttribute("window_dilations", op.getWindowDilationsAttr());
  state.addAttribute("padding", DenseIntElementsAttr::get(
                                    RankedTensorType::get(
                                        {rank, 2}, IntegerType::get(ctx, 64)),
                                    op.getPadding()));
  state.addRegion();
  Operation *windowOp = b.create(state);
  Block *block =
      b.createBlock(&windowOp->getRegion(0), {}, {scalar, scalar}, {loc, loc});
  Value x = block->getArgument(0), y = block->getArgument(1);
  Value v = op.getReduction() == WindowReduction::ADD
                ? AddOp::create(b, loc, x, y).getResult()
            : op.getReduction() == WindowReduction::MAX
                ? MaxOp::create(b, loc, x, y).getResult()
                : MinOp::create(b, loc, x, y).getResult();
  ReturnOp::create(b, loc, ValueRange{v});
  op.replaceAllUsesWith(windowOp->getResult(0));
  op.erase();
}

/// stablehlo.reduce_window with the op's own body.
void expandGenericReduceWindow(GenericReduceWindowOp op) {
  OpBuilder b(op);
  int64_t rank = cast<RankedTensorType>(op.getInputs()[0].getType()).getRank();
  OperationState state(op.getLoc(), "stablehlo.reduce_window");
  state.addOperands(op.getInputs());
  state.addOperands(op.getInitValues());
  state.addTypes(op.getResultTypes());
  state.addAttribute("window_dimensions", op.getWindowDimensionsAttr());
  state.addAttribute("window_strides", op.getWindowStridesAttr());
  state.addAttribute("base_dilations", op.getBaseDilationsAttr());
  state.addAttribute("window_dilations", op.getWindowDilationsAttr());
  state.addAttribute(
      "padding",
      DenseIntElementsAttr::get(
          RankedTensorType::get({rank, 2}, b.getI64Type()), op.getPadding()));
  state.addRegion()->takeBody(op.getBody());
  Operation *windowOp = b.create(state);
  op.replaceAllUsesWith(windowOp->getResults());
  op.erase();
}

/// JAX's float sort key: -0.0 as 0.0 and every NaN as one +NaN, so that
/// the total order puts NaNs last and a stable sort keeps such ties.
Value sortKey(RuleBuilder &r, Value x) {
  Value zero = r.zerosLike(x);
  x = r.select(r.compare(ComparisonDirection::EQ, x, zero), zero, x);
  Value isNan = r.compare(ComparisonDirection::NE, x, x);
  return r.select(isNan, r.splat(x, std::nan("")), x);
}

Value totalOrder(RuleBuilder &r, ComparisonDirection dir, Value x, Value y) {
  if (!isa<FloatType>(getElementTypeOrSelf(x.getType())))
    return r.compare(dir, x, y);
  return CompareOp::create(r.builder(), r.getLoc(), x, y, dir,
                           ComparisonTypeAttr::get(x.getContext(),
                                                   ComparisonType::TOTALORDER))
      .getResult();
}

/// sort as JAX lowers it: stablehlo.sort whose comparator orders the first
/// num_keys operands lexicographically (complex keys as (real, imag)).
void expandSort(SortOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  OperationState state(loc, "stablehlo.sort");
  state.addOperands(op.getInputs());
  state.addTypes(op.getResultTypes());
  state.addAttribute("dimension", b.getI64IntegerAttr(op.getDimension()));
  state.addAttribute("is_stable", b.getBoolAttr(op.getStable()));
  state.addRegion();
  Operation *sortOp = b.create(state);
  SmallVector<Type> argTypes;
  for (Value v : op.getInputs()) {
    auto scalar = RankedTensorType::get(
        {}, cast<RankedTensorType>(v.getType()).getElementType());
    argTypes.append({scalar, scalar});
  }
  SmallVector<Location> locs(argTypes.size(), loc);
  Block *block = b.createBlock(&sortOp->getRegion(0), {}, argTypes, locs);
  RuleBuilder r(b, loc);
  SmallVector<std::pair<Value, Value>> keys;
  for (int64_t k = 0; k < op.getNumKeys(); ++k) {
    Value x = block->getArgument(2 * k), y = block->getArgument(2 * k + 1);
    Type element = getElementTypeOrSelf(x.getType());
    if (auto complex = dyn_cast<ComplexType>(element)) {
      auto part = RankedTensorType::get({}, complex.getElementType());
      keys.push_back({sortKey(r, RealOp::create(b, loc, part, x)),
                      sortKey(r, RealOp::create(b, loc, part, y))});
      keys.push_back({sortKey(r, ImagOp::create(b, loc, part, x)),
                      sortKey(r, ImagOp::create(b, loc, part, y))});
    } else if (isa<FloatType>(element)) {
      keys.push_back({sortKey(r, x), sortKey(r, y)});
    } else {
      keys.push_back({x, y});
    }
  }
  Value less;
  for (auto [x, y] : llvm::reverse(keys)) {
    Value lt = totalOrder(r, ComparisonDirection::LT, x, y);
    less = less ? OrOp::create(b, loc, lt,
                               AndOp::create(
                                   b, loc,
                                   totalOrder(r, ComparisonDirection::EQ, x, y),
                                   less))
                      .getResult()
                : lt;
  }
  ReturnOp::create(b, loc, ValueRange{less});
  op.replaceAllUsesWith(sortOp->getResults());
  op.erase();
}

/// The platform the module is exported for: its `mlax.platform` attribute
/// (set by the runtime; "cpu" when absent).
constexpr StringLiteral kPlatformAttr = "mlax.platform";

LogicalResult renameOps(ModuleOp module) {
  StringRef platform = "cpu";
  if (auto attr = module->getAttrOfType<StringAttr>(kPlatformAttr))
    platform = attr.getValue();
  lowerScans(module);
  if (failed(lowerLinalg(module, platform)))
    return failure();
  if (failed(exportSharding(module)))
    return failure();
  // stop_gradient and checkpoint_name are the identity outside
  // differentiation, a checkpoint region its body (inner ones first).
  module.walk([](StopGradientOp op) {
    op.replaceAllUsesWith(op.getOperand());
    op.erase();
  });
  module.walk([](CheckpointNameOp op) {
    op.replaceAllUsesWith(op.getOperand());
    op.erase();
  });
  module.walk<WalkOrder::PostOrder>([](CheckpointOp op) {
    Block &body = op.getBody().front();
    Operation *ret = body.getTerminator();
    op->getBlock()->getOperations().splice(Block::iterator(op),
                                           body.getOperations(), body.begin(),
                                           Block::iterator(ret));
    op.replaceAllUsesWith(ret->getOperands());
    op.erase();
  });
  // Splat constants as a broadcast scalar (as JAX emits them): XLA then
  // writes the value instead of copying a materialized literal.
  module.walk([](ConstantOp op) {
    auto splat = dyn_cast<SplatElementsAttr>(op.getValue());
    auto type = cast<RankedTensorType>(op.getType());
    if (!splat || type.getNumElements() <= 1)
      return;
    OpBuilder b(op);
    auto scalarType = RankedTensorType::get({}, type.getElementType());
    Value scalar = ConstantOp::create(b, op.getLoc(), scalarType,
                                      splat.resizeSplat(scalarType));
    op.replaceAllUsesWith(BroadcastInDimOp::create(b, op.getLoc(), type, scalar,
                                                   ArrayRef<int64_t>{})
                              .getResult());
    op.erase();
  });
  module.walk([](CumsumOp op) { expandCumsum(op); });
  module.walk([](SortOp op) { expandSort(op); });
  module.walk([](ReduceWindowOp op) { expandReduceWindow(op); });
  module.walk([](GenericReduceWindowOp op) { expandGenericReduceWindow(op); });
  module.walk([](ConvolutionOp op) { expandConvolution(op); });
  // conj is complex(real, -imag), as JAX lowers it.
  module.walk([](ConjOp op) {
    OpBuilder b(op);
    op.replaceAllUsesWith(conjugateParts(b, op.getLoc(), op.getOperand()));
    op.erase();
  });
  // integer_pow has no StableHLO op.
  module.walk([](IntegerPowOp op) {
    OpBuilder b(op);
    op.replaceAllUsesWith(expandIntegerPow(b, op));
    op.erase();
  });
  SmallVector<Operation *> ops;
  module.walk<WalkOrder::PostOrder>([&](Operation *op) {
    if (isa_and_nonnull<MlaxDialect>(op->getDialect()))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    OpBuilder builder(op);
    OperationState state(op->getLoc(), exportedName(op));
    state.addOperands(op->getOperands());
    state.addTypes(op->getResultTypes());
    state.addAttributes(exportedAttrs(op));
    for (unsigned i = 0, e = op->getNumRegions(); i < e; ++i)
      state.addRegion();
    Operation *newOp = builder.create(state);
    for (unsigned i = 0, e = op->getNumRegions(); i < e; ++i)
      newOp->getRegion(i).takeBody(op->getRegion(i));
    op->replaceAllUsesWith(newOp->getResults());
    op->erase();
  }
  markManualOperands(module);
  return success();
}
} // namespace

LogicalResult mlir::mlax::exportToStableHLO(ModuleOp module,
                                            llvm::raw_ostream &os) {
  if (failed(verify(module)))
    return failure();
  // Only mlax, func and builtin ops have a StableHLO export.
  WalkResult unsupported = module.walk([](Operation *op) {
    if (isa<JvpOp, VjpOp, LinearTransposeOp, VmapOp, CustomJvpCallOp,
            CustomVjpCallOp, CustomLinOp>(op)) {
      op->emitError("transformation op must be expanded before export (run "
                    "mlax-expand-transforms)");
      return WalkResult::interrupt();
    }
    if (isa<MlaxDialect, func::FuncDialect, BuiltinDialect>(op->getDialect()))
      return WalkResult::advance();
    op->emitError("op has no StableHLO export: ") << op->getName();
    return WalkResult::interrupt();
  });
  if (unsupported.wasInterrupted())
    return failure();

  MLIRContext *ctx = module.getContext();
  bool allowed = ctx->allowsUnregisteredDialects();
  ctx->allowUnregisteredDialects(true);
  LogicalResult result = success();
  {
    OwningOpRef<ModuleOp> clone(module.clone());
    result = renameOps(*clone);
    (*clone)->removeAttr(kPlatformAttr);
    if (succeeded(result))
      clone->print(os, OpPrintingFlags().enableDebugInfo(false));
  }
  ctx->allowUnregisteredDialects(allowed);
  return result;
}

void mlir::mlax::registerExportTranslation() {
  TranslateFromMLIRRegistration registration(
      "mlax-to-stablehlo", "export mlax IR as StableHLO text",
      [](Operation *op, raw_ostream &os) -> LogicalResult {
        auto module = dyn_cast<ModuleOp>(op);
        if (!module)
          return op->emitError("expected a builtin.module");
        return exportToStableHLO(module, os);
      },
      [](DialectRegistry &registry) {
        registry.insert<MlaxDialect, func::FuncDialect>();
      });
}
