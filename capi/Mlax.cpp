//===- Mlax.cpp - C API of the mlax dialect and transformations -----------===//
#include "capi/Mlax.h"

#include "dialect/MlaxDialect.h"
#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"
#include "mlir/CAPI/Support.h"
#include "mlir/CAPI/Utils.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Export.h"
#include "passes/Jvp.h"
#include "passes/Passes.h"
#include "passes/StructuralKey.h"
#include "passes/Transpose.h"
#include "passes/Vjp.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Mlax, mlax, mlir::mlax::MlaxDialect)

void mlaxRegisterAndLoadDialects(MlirContext context) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::mlax::MlaxDialect, mlir::func::FuncDialect>();
  mlir::func::registerInlinerExtension(registry);
  mlir::MLIRContext *ctx = unwrap(context);
  ctx->appendDialectRegistry(registry);
  ctx->loadDialect<mlir::mlax::MlaxDialect, mlir::func::FuncDialect>();
}

void mlaxRegisterPasses(void) {
  static bool registered = [] {
    mlir::registerTransformsPasses();
    mlir::mlax::registerMlaxPasses();
    return true;
  }();
  (void)registered;
}

MlirLogicalResult mlaxExportToStableHLO(MlirOperation module,
                                        MlirStringCallback callback,
                                        void *userData) {
  auto moduleOp = llvm::dyn_cast<mlir::ModuleOp>(unwrap(module));
  if (!moduleOp) {
    unwrap(module)->emitError("expected a builtin.module");
    return mlirLogicalResultFailure();
  }
  mlir::detail::CallbackOstream stream(callback, userData);
  return wrap(mlir::mlax::exportToStableHLO(moduleOp, stream));
}

void mlaxOperationStructuralKey(MlirOperation op, MlirStringCallback callback,
                                void *userData) {
  std::string key = mlir::mlax::computeStructuralKey(unwrap(op));
  callback(mlirStringRefCreate(key.data(), key.size()), userData);
}

namespace {
template <typename Fn> MlirOperation onFuncOp(MlirOperation func, Fn &&build) {
  auto fn = llvm::dyn_cast<mlir::func::FuncOp>(unwrap(func));
  if (!fn) {
    unwrap(func)->emitError("expected a func.func");
    return MlirOperation{nullptr};
  }
  mlir::FailureOr<mlir::func::FuncOp> result = build(fn);
  if (mlir::failed(result))
    return MlirOperation{nullptr};
  return wrap(result->getOperation());
}
} // namespace

MlirOperation mlaxBuildJvpFunction(MlirOperation func, const int64_t *active,
                                   intptr_t numActive, MlirStringRef name) {
  return onFuncOp(func, [&](mlir::func::FuncOp fn) {
    return mlir::mlax::buildJvpFunction(
        fn, llvm::ArrayRef<int64_t>(active, numActive), unwrap(name));
  });
}

MlirOperation mlaxBuildVjpFunction(MlirOperation func, const int64_t *active,
                                   intptr_t numActive, MlirStringRef name) {
  return onFuncOp(func, [&](mlir::func::FuncOp fn) {
    return mlir::mlax::buildVjpFunction(
        fn, llvm::ArrayRef<int64_t>(active, numActive), unwrap(name));
  });
}

MlirOperation mlaxTransposeLinearFunction(MlirOperation func,
                                          intptr_t numConstant,
                                          MlirStringRef name) {
  return onFuncOp(func, [&](mlir::func::FuncOp fn) {
    return mlir::mlax::transposeLinearFunction(fn, numConstant, unwrap(name));
  });
}

MlirLogicalResult mlaxExpandTransforms(MlirOperation module) {
  mlir::Operation *op = unwrap(module);
  mlir::PassManager pm(op->getContext(), op->getName().getStringRef());
  pm.addPass(mlir::mlax::createMlaxExpandTransforms());
  return wrap(pm.run(op));
}
