//===- Passes.td - mlax transformation passes -----------------*- tablegen -*-===//
#ifndef MLAX_PASSES_TD
#define MLAX_PASSES_TD

include "mlir/Pass/PassBase.td"

def MlaxExpandTransforms : Pass<"mlax-expand-transforms", "::mlir::ModuleOp"> {
  let summary = "Expands transformation ops (mlax.jvp, mlax.vjp) into calls of generated functions";
  let description = [{
    For every `mlax.jvp @f(...)` / `mlax.vjp @f(...)`, generates (once per
    function and set of active arguments) the JVP / VJP function of `@f` and
    replaces the op by a `func.call` of it. VJP is JVP, then linearization
    (partial evaluation into primal and linear parts), then transposition of
    the linear part. Before differentiating, transformation ops inside
    `@f` are expanded and calls inlined, so nested transformations compose.
    Zero tangents stay symbolic: no tangent code is emitted for values that
    do not depend on an active argument.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::mlax::MlaxDialect"];
}

def MlaxLowerScan : Pass<"mlax-lower-scan", "::mlir::ModuleOp"> {
  let summary = "Lowers mlax.scan to mlax.while with dynamic slices (export runs it)";
  let description = [{
    Each scan becomes a loop with a static trip count carrying a counter,
    the carries and one buffer per stacked result; iteration k reads slice k
    of each xs (length-1-k when reversed) and writes its ys at the same
    position. With `unroll = u`, each trip runs u bodies and the remaining
    length % u iterations follow the loop; u >= length unrolls completely.
  }];
  let dependentDialects = ["::mlir::mlax::MlaxDialect"];
}

def MlaxTestStructuralKey : Pass<"mlax-test-structural-key", "::mlir::ModuleOp"> {
  let summary = "Remarks which functions share a structural key (a test pass)";
  let description = [{
    For each func.func, in order, a remark `structural key N`: N is the
    index of the first function whose key (computeStructuralKey, with the
    function's name left out) equals this one's. The key is what mlax's
    executable cache compares; this pass lets lit tests pin down what it
    treats as the same program (locations do not count; attributes, types,
    operand order and region structure do).
  }];
}

#endif // MLAX_PASSES_TD
