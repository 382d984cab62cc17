//===- mlax-opt.cpp - mlir-opt for the mlax dialect ------------------------===//
#include "dialect/MlaxDialect.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  mlir::mlax::registerMlaxPasses();
  mlir::DialectRegistry registry;
  registry.insert<mlir::mlax::MlaxDialect, mlir::func::FuncDialect>();
  mlir::func::registerInlinerExtension(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "mlax optimizer driver\n", registry));
}
