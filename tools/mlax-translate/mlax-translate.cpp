//===- mlax-translate.cpp - export mlax IR ---------------------------------===//
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "passes/Export.h"

int main(int argc, char **argv) {
  mlir::mlax::registerExportTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "mlax translation driver\n"));
}
