//===- ExpandTransforms.cpp - expand transformation ops
//--------------------===//
//
// Higher order is composition: to transform @f, we clone it, expand the
// transformation ops inside the clone (recursively, generating their
// functions first) and inline every call, then hand the call-free clone to
// the transformation. Generated functions are memoized per (function,
// active arguments).
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "dialect/MlaxOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/Inliner.h"
#include "mlir/Transforms/InliningUtils.h"
#include "passes/Batch.h"
#include "passes/Jvp.h"
#include "passes/Transpose.h"
#include "passes/Vjp.h"
#include "llvm/ADT/StringExtras.h"

namespace mlir::mlax {
#define GEN_PASS_DEF_MLAXEXPANDTRANSFORMS
#include "passes/Passes.h.inc"
} // namespace mlir::mlax

using namespace mlir;
using namespace mlir::mlax;

namespace {
class TransformExpander {
public:
  explicit TransformExpander(ModuleOp module)
      : module(module), symbols(module) {}

  /// Replaces every transformation op under `root` by a call.
  LogicalResult expandIn(Operation *root) {
    SmallVector<Operation *> ops;
    root->walk([&](Operation *op) {
      if (isa<JvpOp, VjpOp, LinearTransposeOp, VmapOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      auto calleeAttr = op->getAttrOfType<FlatSymbolRefAttr>("callee");
      auto callee = symbols.lookup<func::FuncOp>(calleeAttr.getValue());
      if (!callee)
        return op->emitOpError("'")
               << calleeAttr.getValue() << "' does not name a func.func";
      FailureOr<func::FuncOp> fn;
      if (auto m = dyn_cast<VmapOp>(op))
        fn = getOrCreateBatched(callee, m.getInDims(), m.getOutDims(),
                                m.getBatchSize());
      else if (auto t = dyn_cast<LinearTransposeOp>(op))
        fn = getOrCreateTranspose(callee, t.getConstants().size());
      else if (auto v = dyn_cast<VjpOp>(op))
        fn = getOrCreate(callee, v.getActive(), /*reverse=*/true);
      else
        fn = getOrCreate(callee, cast<JvpOp>(op).getActive(), false);
      if (failed(fn))
        return op->emitError("while expanding this ") << op->getName();
      OpBuilder b(op);
      auto call = func::CallOp::create(b, op->getLoc(), *fn, op->getOperands());
      op->replaceAllUsesWith(call.getResults());
      op->erase();
    }
    return success();
  }

private:
  FailureOr<func::FuncOp> getOrCreate(func::FuncOp callee,
                                      ArrayRef<int64_t> active, bool reverse) {
    std::string key =
        ((reverse ? "vjp:" : "jvp:") + callee.getSymName() + "/" +
         llvm::join(llvm::map_range(
                        active, [](int64_t a) { return std::to_string(a); }),
                    ","))
            .str();
    if (auto it = cache.find(key); it != cache.end())
      return it->second;
    FailureOr<func::FuncOp> prepared = prepare(callee, /*keepCustom=*/true);
    if (failed(prepared))
      return failure();
    std::string name = uniqueName(callee.getSymName(), reverse ? "vjp" : "jvp");
    auto prepareRule = [&](func::FuncOp rule) {
      return prepare(rule, /*keepCustom=*/true);
    };
    FailureOr<func::FuncOp> fn =
        reverse ? buildVjpFunction(*prepared, active, name, prepareRule)
                : buildJvpFunction(*prepared, active, name, prepareRule);
    prepared->erase();
    if (failed(fn))
      return failure();
    symbols.insert(*fn); // renames on conflict
    cache[key] = *fn;
    // Bodies pulled in by custom rules (a custom_vjp's bwd) may hold
    // transformation ops of their own.
    if (failed(expandIn(*fn)))
      return failure();
    return *fn;
  }

  FailureOr<func::FuncOp> getOrCreateBatched(func::FuncOp callee,
                                             ArrayRef<int64_t> inDims,
                                             ArrayRef<int64_t> outDims,
                                             int64_t batchSize) {
    auto join = [](ArrayRef<int64_t> v) {
      return llvm::join(
          llvm::map_range(v, [](int64_t a) { return std::to_string(a); }), ",");
    };
    std::string key = ("vmap:" + callee.getSymName() + "/" + join(inDims) +
                       "/" + join(outDims) + "/" + std::to_string(batchSize))
                          .str();
    if (auto it = cache.find(key); it != cache.end())
      return it->second;
    // The batched function is declared first, so that a rule that calls
    // its own custom function (batched inside this very batching) can name
    // it; its body is filled in below.
    auto batchedType = [&](TypeRange types, ArrayRef<int64_t> dims) {
      SmallVector<Type> out;
      for (auto [t, d] : llvm::zip(types, dims)) {
        if (d < 0) {
          out.push_back(t);
          continue;
        }
        auto rt = cast<RankedTensorType>(t);
        SmallVector<int64_t> shape(rt.getShape());
        shape.insert(shape.begin() + d, batchSize);
        out.push_back(rt.clone(shape));
      }
      return out;
    };
    FunctionType ctype = callee.getFunctionType();
    if (inDims.size() != ctype.getNumInputs() ||
        outDims.size() != ctype.getNumResults())
      return callee.emitOpError(
          "needs one batch dimension per argument and result");
    OpBuilder b(callee);
    auto decl = func::FuncOp::create(
        b, callee.getLoc(), uniqueName(callee.getSymName(), "batched"),
        FunctionType::get(callee.getContext(),
                          batchedType(ctype.getInputs(), inDims),
                          batchedType(ctype.getResults(), outDims)));
    decl.setPrivate();
    symbols.insert(decl);
    cache[key] = decl;
    auto abandon = [&]() -> FailureOr<func::FuncOp> {
      cache.erase(key);
      symbols.erase(decl);
      return failure();
    };
    // Custom calls stay: their functions are batched too, so that a later
    // differentiation of the batched function still uses the custom rules.
    FailureOr<func::FuncOp> prepared = prepare(callee, /*keepCustom=*/true);
    if (failed(prepared))
      return abandon();
    auto batchFunction = [&](func::FuncOp f, ArrayRef<int64_t> in,
                             ArrayRef<int64_t> out) {
      return getOrCreateBatched(f, in, out, batchSize);
    };
    FailureOr<func::FuncOp> fn = buildBatchedFunction(
        *prepared, inDims, outDims, batchSize,
        uniqueName(callee.getSymName(), "batching"), batchFunction);
    prepared->erase();
    if (failed(fn))
      return abandon();
    decl.getBody().takeBody(fn->getBody());
    fn->erase();
    return decl;
  }

  FailureOr<func::FuncOp> getOrCreateTranspose(func::FuncOp callee,
                                               unsigned numConstant) {
    std::string key =
        ("transpose:" + callee.getSymName() + "/" + std::to_string(numConstant))
            .str();
    if (auto it = cache.find(key); it != cache.end())
      return it->second;
    FailureOr<func::FuncOp> prepared = prepare(callee, /*keepCustom=*/false);
    if (failed(prepared))
      return failure();
    FailureOr<func::FuncOp> fn = transposeLinearFunction(
        *prepared, numConstant, uniqueName(callee.getSymName(), "transpose"));
    prepared->erase();
    if (failed(fn))
      return failure();
    symbols.insert(*fn);
    cache[key] = *fn;
    return *fn;
  }

  /// A symbol name not used in the module (nor by intermediate functions
  /// derived from it), built from `base` and `what`.
  std::string uniqueName(StringRef base, StringRef what) {
    for (int i = 0;; ++i) {
      std::string name =
          (base + "__" + what + (i ? "_" + Twine(i) : Twine())).str();
      if (!symbols.lookup(name))
        return name;
    }
  }

public:
  /// Replaces custom_jvp_call / custom_vjp_call ops under `root` by plain
  /// calls of their primal functions.
  static void lowerCustomCalls(Operation *root) {
    SmallVector<Operation *> ops;
    root->walk([&](Operation *op) {
      if (isa<CustomJvpCallOp, CustomVjpCallOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      OpBuilder b(op);
      auto callee = op->getAttrOfType<FlatSymbolRefAttr>("callee");
      auto call = func::CallOp::create(b, op->getLoc(), callee,
                                       op->getResultTypes(), op->getOperands());
      op->replaceAllUsesWith(call.getResults());
      op->erase();
    }
  }

private:
  /// A private, call-free, transformation-free clone of `fn`. With
  /// `keepCustom` (for differentiation), custom_jvp_call/custom_vjp_call ops
  /// stay so that their rules are used; otherwise they become calls of the
  /// primal function and are inlined.
  FailureOr<func::FuncOp> prepare(func::FuncOp fn, bool keepCustom) {
    if (fn.isExternal())
      return fn.emitOpError("has no body to transform");
    if (!inProgress.insert(fn.getSymNameAttr()).second)
      return fn.emitOpError("is transformed recursively (through its own "
                            "transformation ops); recursion is not supported");
    auto clone = cast<func::FuncOp>(fn->clone());
    clone.setPrivate();
    OpBuilder(fn).insert(clone);
    clone.setSymName(uniqueName(fn.getSymName(), "prepared"));
    symbols.insert(clone);
    auto done = [&](LogicalResult result) -> FailureOr<func::FuncOp> {
      inProgress.erase(fn.getSymNameAttr());
      if (failed(result)) {
        symbols.erase(clone);
        return failure();
      }
      return clone;
    };
    // Expanding may expose calls (to generated functions), and inlining
    // may expose transformation ops (from callees): iterate to a fixpoint.
    for (int round = 0; round < 64; ++round) {
      if (failed(expandIn(clone)))
        return done(failure());
      if (!keepCustom)
        lowerCustomCalls(clone);
      SmallVector<func::CallOp> calls;
      clone.walk([&](func::CallOp call) { calls.push_back(call); });
      if (calls.empty())
        return done(success());
      for (func::CallOp call : calls)
        if (failed(inlineOne(call)))
          return done(failure());
    }
    return done(clone.emitOpError("call nesting is too deep or recursive"));
  }

  LogicalResult inlineOne(func::CallOp call) {
    auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
    if (!callee || callee.isExternal())
      return call.emitOpError("calls '")
             << call.getCallee() << "', which has no body to transform";
    InlinerInterface interface(call->getContext());
    InlinerConfig config;
    if (failed(inlineCall(interface, config.getCloneCallback(), call, callee,
                          &callee.getBody(),
                          /*shouldCloneInlinedRegion=*/true)))
      return call.emitOpError("could not be inlined for transformation");
    call.erase();
    return success();
  }

  ModuleOp module;
  SymbolTable symbols;
  llvm::StringMap<func::FuncOp> cache;
  DenseSet<StringAttr> inProgress;
};

struct ExpandTransformsPass
    : public mlax::impl::MlaxExpandTransformsBase<ExpandTransformsPass> {
  void runOnOperation() override {
    TransformExpander expander(getOperation());
    if (failed(expander.expandIn(getOperation())))
      return signalPassFailure();
    // Nothing is differentiated after this pass: custom calls become plain
    // calls, and a custom_lin left over was forward mode through custom_vjp.
    WalkResult lin = getOperation().walk([](CustomLinOp op) {
      op.emitOpError("can't apply forward-mode autodiff (jvp) to a custom_vjp "
                     "function.");
      return WalkResult::interrupt();
    });
    if (lin.wasInterrupted())
      return signalPassFailure();
    TransformExpander::lowerCustomCalls(getOperation());
  }
};
} // namespace
