/*===- Mlax.h - C API of the mlax dialect and transformations -----*- C -*-===*/
#ifndef MLAX_CAPI_MLAX_H
#define MLAX_CAPI_MLAX_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Mlax, mlax);

/// Registers the mlax and func dialects (with func's inliner extension, which
/// the transformations rely on) in `context` and loads them.
MLIR_CAPI_EXPORTED void mlaxRegisterAndLoadDialects(MlirContext context);

/// Registers the passes mlax pipelines use (canonicalize, cse, inline, ...)
/// with the global registry, so textual pipelines can name them.
MLIR_CAPI_EXPORTED void mlaxRegisterPasses(void);

/// Prints `module` (a builtin.module) as StableHLO text through `callback`.
/// Fails, after emitting diagnostics, when the module does not verify or
/// holds an op without an export.
MLIR_CAPI_EXPORTED MlirLogicalResult mlaxExportToStableHLO(
    MlirOperation module, MlirStringCallback callback, void *userData);

/// Passes to `callback` (once) a byte string that two operations of one
/// context share exactly when their structure is the same, locations aside.
/// See passes/StructuralKey.h.
MLIR_CAPI_EXPORTED void mlaxOperationStructuralKey(MlirOperation op,
                                                   MlirStringCallback callback,
                                                   void *userData);

/// Builds the JVP function of `func` (a func.func without calls or
/// transformation ops) next to it, named `name`, for the arguments listed in
/// `active`. Returns the new func.func, or a null operation after emitting
/// diagnostics. See passes/Jvp.h.
MLIR_CAPI_EXPORTED MlirOperation mlaxBuildJvpFunction(MlirOperation func,
                                                      const int64_t *active,
                                                      intptr_t numActive,
                                                      MlirStringRef name);

/// Builds the VJP function (JVP, linearize, transpose) of `func`; same
/// contract as mlaxBuildJvpFunction. See passes/Vjp.h.
MLIR_CAPI_EXPORTED MlirOperation mlaxBuildVjpFunction(MlirOperation func,
                                                      const int64_t *active,
                                                      intptr_t numActive,
                                                      MlirStringRef name);

/// Transposes `func`, linear in its arguments after the first `numConstant`.
/// See passes/Transpose.h.
MLIR_CAPI_EXPORTED MlirOperation mlaxTransposeLinearFunction(
    MlirOperation func, intptr_t numConstant, MlirStringRef name);

/// Runs mlax-expand-transforms on `module`.
MLIR_CAPI_EXPORTED MlirLogicalResult mlaxExpandTransforms(MlirOperation module);

#ifdef __cplusplus
}
#endif

#endif /* MLAX_CAPI_MLAX_H */
