//===- MlaxInterfaces.td - transformation rule interfaces -----*- tablegen -*-===//
//
// Each op supplies its transformation rules through these interfaces; the
// rules of one op family live together in dialect/rules/.
//
//===----------------------------------------------------------------------===//

#ifndef MLAX_INTERFACES_TD
#define MLAX_INTERFACES_TD

include "mlir/IR/OpBase.td"

//===----------------------------------------------------------------------===//
// Traits that give an op its rules by default (JAX's defjvp_zero, deflinear,
// defvectorized; Enzyme-JAX's one-line inactive ops): an op with one of them
// lists the interface without DeclareOpInterfaceMethods and writes no rule.
//===----------------------------------------------------------------------===//

// The derivative is zero everywhere it exists (rounding, comparisons,
// bitwise ops): the JVP returns symbolic zeros.
def Mlax_ZeroDerivative : NativeOpTrait<"ZeroDerivative"> {
  let cppNamespace = "::mlir::mlax";
}

// Linear in its differentiable (floating/complex) operands; other operands
// (indices) keep their primal values: the JVP is the op on the tangents.
def Mlax_LinearInOperands : NativeOpTrait<"LinearInOperands"> {
  let cppNamespace = "::mlir::mlax";
}

// Exported as the CHLO op of the same name (chlo.erf, chlo.sinh, ...), which
// XLA expands; every other op is exported as stablehlo.<name>.
def Mlax_ExportsToChlo : NativeOpTrait<"ExportsToChlo"> {
  let cppNamespace = "::mlir::mlax";
}

// Elementwise except that rank-0 operands broadcast (select, clamp); ops
// with this trait or MLIR's Elementwise get the elementwise batching rule.
def Mlax_ElementwiseWithScalars : NativeOpTrait<"ElementwiseWithScalars"> {
  let cppNamespace = "::mlir::mlax";
}

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
           "::llvm::SmallVectorImpl<::mlir::Value> &":$resultTangents),
      /*methodBody=*/"", /*defaultImplementation=*/[{
        return ::mlir::mlax::defaultJvp($_op.getOperation(), builder, tangents,
                                        resultTangents);
      }]>
  ];
}

def Mlax_TransposeOpInterface : OpInterface<"TransposeOpInterface"> {
  let cppNamespace = "::mlir::mlax";
  let description = [{
    Transpose rule of an op that is linear in some of its operands. The
    transpose transformation walks a linear function backwards and calls
    `transpose` with:
      - `operands`: for each operand, its value in the transposed function
        when it is a constant (non-linear) operand, or null when it is a
        linear operand;
      - `resultCotangents`: one per result (null for a zero cotangent; the
        rule is only called when some is non-zero).
    It returns one cotangent per operand: non-null only for linear operands
    with a non-zero cotangent. An op that is not linear in the operands
    marked linear (e.g. multiply with both operands linear) fails with a
    diagnostic.
  }];
  let methods = [
    InterfaceMethod<"Builds the cotangents of the op's linear operands.",
      "::llvm::LogicalResult", "transpose",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$operands,
           "::llvm::ArrayRef<::mlir::Value>":$resultCotangents,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandCotangents)>
  ];
}

def Mlax_BatchOpInterface : OpInterface<"BatchOpInterface"> {
  let cppNamespace = "::mlir::mlax";
  let description = [{
    Batching rule. The batch transformation calls `batch` when at least one
    operand is batched, with the operands' values in the batched function
    and, for each, the dimension holding the batch (-1 when unbatched). The
    rule builds the batched computation and returns, per result, its value
    and batch dimension (-1 if unbatched). Rules move a batch dimension only
    when the op needs it.
  }];
  let methods = [
    InterfaceMethod<"Builds the batched op.",
      "::llvm::LogicalResult", "batch",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$operands,
           "::llvm::ArrayRef<int64_t>":$batchDims,
           "int64_t":$batchSize,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$results,
           "::llvm::SmallVectorImpl<int64_t> &":$resultBatchDims),
      /*methodBody=*/"", /*defaultImplementation=*/[{
        return ::mlir::mlax::defaultBatch($_op.getOperation(), builder, operands,
                                          batchDims, batchSize, results,
                                          resultBatchDims);
      }]>
  ];
}

//===----------------------------------------------------------------------===//
// Rules of ops with regions or callees. They get the transformation as a
// context (dialect/TransformContext.h) and are called on the source op; the
// drivers call them instead of the plain rules above.
//===----------------------------------------------------------------------===//

def Mlax_ControlFlowJvpOpInterface : OpInterface<"ControlFlowJvpOpInterface"> {
  let cppNamespace = "::mlir::mlax";
  let description = [{
    JVP of a region or call op, called on the source op when an operand or
    a value its regions use has a non-zero tangent. The rule emits the
    primal and tangent computation at the builder's insertion point and
    maps every result with `ctx.mapPrimal` / `ctx.mapTangent`.
  }];
  let methods = [
    InterfaceMethod<"Emits the JVP of the op.", "::llvm::LogicalResult", "jvp",
      (ins "::mlir::mlax::JvpContext &":$ctx, "::mlir::OpBuilder &":$builder)>
  ];
}

def Mlax_ControlFlowBatchOpInterface : OpInterface<"ControlFlowBatchOpInterface"> {
  let cppNamespace = "::mlir::mlax";
  let description = [{
    Batching of a region or call op, called on the source op when an
    operand or a value its regions use is batched. The rule maps every
    result with `ctx.map`.
  }];
  let methods = [
    InterfaceMethod<"Emits the batched op.", "::llvm::LogicalResult", "batch",
      (ins "::mlir::mlax::BatchContext &":$ctx, "::mlir::OpBuilder &":$builder)>
  ];
}

def Mlax_PartialEvalOpInterface : OpInterface<"PartialEvalOpInterface"> {
  let cppNamespace = "::mlir::mlax";
  let description = [{
    Linearization of a region op of a JVP function that mixes primal and
    tangent computation (JAX's partial_eval_jaxpr_custom rules).
    `linearResults` says which results depend on `linear` values;
    `partialEval` replaces the op by a primal op and a linear op (erasing
    it) and adds the linear op's results to `ctx.linear()`.
  }];
  let methods = [
    InterfaceMethod<"Which results depend on the values in `linear`.",
      "void", "linearResults",
      (ins "::mlir::mlax::PartialEvalContext &":$ctx,
           "const ::llvm::DenseSet<::mlir::Value> &":$linear,
           "::llvm::SmallVectorImpl<bool> &":$isLinear)>,
    InterfaceMethod<"Splits the op into a primal and a linear op.",
      "::llvm::LogicalResult", "partialEval",
      (ins "::mlir::mlax::PartialEvalContext &":$ctx)>
  ];
}

def Mlax_ControlFlowTransposeOpInterface
    : OpInterface<"ControlFlowTransposeOpInterface"> {
  let cppNamespace = "::mlir::mlax";
  let description = [{
    Transposition of a linear region op, called with one cotangent per
    result (null: zero; some is non-zero). The rule emits the transposed op
    at the builder's insertion point and adds the cotangents of the linear
    values the op uses (operands and values its regions capture) with
    `ctx.accumulate`.
  }];
  let methods = [
    InterfaceMethod<"Emits the transposed op.", "::llvm::LogicalResult",
      "transpose",
      (ins "::mlir::mlax::TransposeContext &":$ctx,
           "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$resultCotangents)>
  ];
}

#endif // MLAX_INTERFACES_TD
