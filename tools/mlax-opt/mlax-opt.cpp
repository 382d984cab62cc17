//===- mlax-opt.cpp - mlir-opt for the mlax dialect ------------------------===//
//
// MlirOptMain, after a lexical check of the input: a shaped type whose
// static dimensions multiply past INT64_MAX makes MLIR's own attribute
// parser assert (ShapedType::getNumElements) before any verifier of ours can
// run, so such types are reported here as diagnostics instead.
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
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cctype>

namespace {
/// Reports every `tensor<`/`memref<`/`vector<` type in `buffer` whose static
/// dimensions overflow an int64 element count; true when there is none.
bool checkElementCounts(llvm::MemoryBuffer &buffer, llvm::StringRef) {
  llvm::SourceMgr sm;
  sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBuffer(
                            buffer.getBuffer(), buffer.getBufferIdentifier(),
                            /*RequiresNullTerminator=*/false),
                        llvm::SMLoc());
  llvm::StringRef text = buffer.getBuffer();
  bool ok = true;
  for (llvm::StringRef kw : {"tensor<", "memref<", "vector<"}) {
    for (size_t pos = text.find(kw); pos != llvm::StringRef::npos;
         pos = text.find(kw, pos + 1)) {
      size_t i = pos + kw.size();
      int64_t count = 1;
      bool overflow = false;
      // Dimensions: digits (or '?') each followed by 'x'.
      while (i < text.size()) {
        size_t start = i;
        while (i < text.size() && std::isdigit((unsigned char)text[i]))
          ++i;
        if (i == start || i >= text.size() || text[i] != 'x')
          break;
        uint64_t dim = 0;
        if (text.substr(start, i - start).getAsInteger(10, dim) ||
            dim > uint64_t(INT64_MAX) ||
            __builtin_mul_overflow(count, int64_t(dim), &count))
          overflow = true;
        ++i;
      }
      if (overflow) {
        sm.PrintMessage(llvm::errs(), llvm::SMLoc::getFromPointer(text.data() + pos),
                        llvm::SourceMgr::DK_Error,
                        "shaped type has more elements than fit in int64 "
                        "(at most 2^63-1)");
        ok = false;
      }
    }
  }
  return ok;
}
} // namespace

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
  if (!checkElementCounts(*input, inputFilename))
    return 1;
  if (inputFilename != "-")
    return mlir::asMainReturnCode(mlir::MlirOptMain(
        argc, argv, inputFilename, outputFilename, registry));
  // Standard input was read by the check: run on that buffer.
  auto output = mlir::openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::errs() << error << "\n";
    return 1;
  }
  auto config = mlir::MlirOptMainConfig::createFromCLI();
  if (mlir::failed(mlir::MlirOptMain(output->os(), std::move(input), registry,
                                     config)))
    return 1;
  output->keep();
  return 0;
}
