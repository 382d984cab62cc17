//===- MlaxInterfaces.td - transformation rule interfaces -----*- tablegen -*-===//
//
// Each op supplies its transformation rules through these interfaces; the
// rules of one op family live together in dialect/rules/.
//
//===----------------------------------------------------------------------===//

#ifndef MLAX_INTERFACES_TD
#define MLAX_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Mlax_JvpOpInterface : OpInterface<"JvpOpInterface"> {
  let cppNamespace = "::mlir::mlax";
  let description = [{
    Forward-mode derivative rule. The JVP transformation clones the op into
    the JVP function, then calls `jvp` on the clone with one tangent per
    operand (a null Value is a symbolic zero). The rule builds the tangent
    computation at the builder's insertion point and returns one tangent
    per result (null for a zero tangent). Rules are only called when at
    least one operand tangent is non-zero.
  }];
  let methods = [
    InterfaceMethod<"Builds the tangents of the op's results.",
      "::llvm::LogicalResult", "jvp",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$tangents,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$resultTangents)>
  ];
}

#endif // MLAX_INTERFACES_TD
