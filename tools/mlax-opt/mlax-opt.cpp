//===- mlax-opt.cpp - mlir-opt for the mlax dialect
//------------------------===//
//
// MlirOptMain, after checking the input for elements literals MLIR's parser
// would assert on (tools/InputChecks.h).
//
//===----------------------------------------------------------------------===//
#include "dialect/MlaxDialect.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"
#include "tools/InputChecks.h"
#include "llvm/Support/ToolOutputFile.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  mlir::mlax::registerMlaxPasses();
  mlir::DialectRegistry registry;
  registry.insert<mlir::mlax::MlaxDialect, mlir::func::FuncDialect>();
  mlir::func::registerInlinerExtension(registry);
  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "mlax optimizer driver\n", registry);
  std::string error;
  auto input = mlir::openInputFile(inputFilename, &error);
  if (!input) {
    llvm::errs() << error << "\n";
    return 1;
  }
  if (!mlax_tools::checkInput(*input))
    return 1;
  if (inputFilename != "-")
    return mlir::asMainReturnCode(
        mlir::MlirOptMain(argc, argv, inputFilename, outputFilename, registry));
  // Standard input was read by the check: run on that buffer.
  auto output = mlir::openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::errs() << error << "\n";
    return 1;
  }
  auto config = mlir::MlirOptMainConfig::createFromCLOptions();
  if (mlir::failed(
          mlir::MlirOptMain(output->os(), std::move(input), registry, config)))
    return 1;
  output->keep();
  return 0;
}
