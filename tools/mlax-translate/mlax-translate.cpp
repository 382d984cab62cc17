//===- mlax-translate.cpp - export mlax IR
//---------------------------------===//
//
// mlirTranslateMain, after checking an input file for elements literals
// MLIR's parser would assert on (tools/InputChecks.h).
//
//===----------------------------------------------------------------------===//
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "passes/Export.h"
#include "tools/InputChecks.h"

#include <cstring>

int main(int argc, char **argv) {
  // The positional arguments are input files (options start with '-').
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-')
      continue;
    auto buffer = llvm::MemoryBuffer::getFile(argv[i]);
    if (buffer && !mlax_tools::checkInput(**buffer))
      return 1;
  }
  mlir::mlax::registerExportTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "mlax translation driver\n"));
}
