//===- MlaxOps.td - mlax array ops ----------------------------*- tablegen -*-===//
//
// Op semantics follow the StableHLO specification; names and attributes are
// StableHLO's, so that export to StableHLO is a renaming.
//
//===----------------------------------------------------------------------===//

#ifndef MLAX_OPS_TD
#define MLAX_OPS_TD

include "dialect/MlaxBase.td"
include "dialect/MlaxInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/CallInterfaces.td"

class Mlax_Op<string mnemonic, list<Trait> traits = []> :
    Op<Mlax_Dialect, mnemonic, traits>;

// An op's own rules (written in dialect/rules/). An op may instead list the
// plain interface to get the default rule its traits select
// (Mlax_ZeroDerivative, Mlax_LinearInOperands, Elementwise; see
// MlaxInterfaces.td).
defvar Mlax_OwnJvp = DeclareOpInterfaceMethods<Mlax_JvpOpInterface, ["jvp"]>;
defvar Mlax_OwnBatch = DeclareOpInterfaceMethods<Mlax_BatchOpInterface, ["batch"]>;
defvar Mlax_OwnTranspose = DeclareOpInterfaceMethods<Mlax_TransposeOpInterface>;
// Region and call ops: their rules get the transformation (TransformContext.h).
defvar Mlax_RegionJvp = DeclareOpInterfaceMethods<Mlax_ControlFlowJvpOpInterface>;
defvar Mlax_RegionBatch = DeclareOpInterfaceMethods<Mlax_ControlFlowBatchOpInterface>;
defvar Mlax_RegionPartialEval = DeclareOpInterfaceMethods<Mlax_PartialEvalOpInterface>;
defvar Mlax_RegionTranspose = DeclareOpInterfaceMethods<Mlax_ControlFlowTransposeOpInterface>;

//===----------------------------------------------------------------------===//
// Constants and generators
//===----------------------------------------------------------------------===//

def Mlax_ConstantOp : Mlax_Op<"constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "output"]>, Mlax_JvpOpInterface,
    Mlax_ZeroDerivative]> {
  let summary = "A constant tensor";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Mlax_Tensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Mlax_IotaOp : Mlax_Op<"iota", [Pure, Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Values 0, 1, ... along one dimension";
  let arguments = (ins ConfinedAttr<I64Attr, [IntNonNegative]>:$iota_dimension);
  let results = (outs Mlax_NumericTensor:$output);
  let assemblyFormat = "`dim` `=` $iota_dimension attr-dict `:` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Conversions
//===----------------------------------------------------------------------===//

def Mlax_ConvertOp : Mlax_Op<"convert", [Mlax_BatchOpInterface, Mlax_OwnTranspose, Mlax_OwnJvp,
    Pure, Elementwise, SameOperandsAndResultShape]> {
  let summary = "Element type conversion";
  let arguments = (ins Mlax_Tensor:$operand);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Mlax_BitcastConvertOp : Mlax_Op<"bitcast_convert", [Mlax_OwnBatch, Pure, Mlax_JvpOpInterface,
    Mlax_ZeroDerivative]> {
  let summary = "Reinterprets the bits of each element";
  let arguments = (ins Mlax_Tensor:$operand);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise unary ops
//===----------------------------------------------------------------------===//

// `jvp`: the op's own JVP rule, or [Mlax_JvpOpInterface, Mlax_ZeroDerivative].
class Mlax_UnaryOp<string mnemonic, Type type, list<Trait> traits = [],
                   list<Trait> jvp = [Mlax_OwnJvp]> :
    Mlax_Op<mnemonic, !listconcat(traits, jvp,
        [Pure, Elementwise, SameOperandsAndResultType, Mlax_BatchOpInterface])> {
  let arguments = (ins type:$operand);
  let results = (outs type:$result);
  let assemblyFormat = "$operand attr-dict `:` type($result)";
}

def Mlax_NegOp : Mlax_UnaryOp<"negate", Mlax_NumericTensor, [Mlax_OwnTranspose]> {
  let summary = "Elementwise negation";
  let hasFolder = 1;
}
def Mlax_SignOp : Mlax_UnaryOp<"sign", Mlax_SignedNumericTensor, [],
    [Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise sign (-1, 0, 1; NaN stays NaN)";
}
def Mlax_ExpOp : Mlax_UnaryOp<"exponential", Mlax_FloatOrComplexTensor> {
  let summary = "Elementwise e^x";
}
def Mlax_Expm1Op : Mlax_UnaryOp<"exponential_minus_one", Mlax_FloatOrComplexTensor> {
  let summary = "Elementwise e^x - 1";
}
def Mlax_LogOp : Mlax_UnaryOp<"log", Mlax_FloatOrComplexTensor> {
  let summary = "Elementwise natural logarithm";
}
def Mlax_Log1pOp : Mlax_UnaryOp<"log_plus_one", Mlax_FloatOrComplexTensor> {
  let summary = "Elementwise log(1 + x)";
}
def Mlax_SqrtOp : Mlax_UnaryOp<"sqrt", Mlax_FloatOrComplexTensor> {
  let summary = "Elementwise square root";
}
def Mlax_RsqrtOp : Mlax_UnaryOp<"rsqrt", Mlax_FloatOrComplexTensor> {
  let summary = "Elementwise reciprocal square root";
}
def Mlax_CbrtOp : Mlax_UnaryOp<"cbrt", Mlax_FloatTensor> {
  let summary = "Elementwise cube root";
}
def Mlax_SineOp : Mlax_UnaryOp<"sine", Mlax_FloatOrComplexTensor> {
  let summary = "Elementwise sine";
}
def Mlax_CosineOp : Mlax_UnaryOp<"cosine", Mlax_FloatOrComplexTensor> {
  let summary = "Elementwise cosine";
}
def Mlax_TanOp : Mlax_UnaryOp<"tan", Mlax_FloatOrComplexTensor> {
  let summary = "Elementwise tangent";
}
def Mlax_TanhOp : Mlax_UnaryOp<"tanh", Mlax_FloatOrComplexTensor> {
  let summary = "Elementwise hyperbolic tangent";
}
def Mlax_IntegerPowOp : Mlax_Op<"integer_pow",
    [Pure, Elementwise, SameOperandsAndResultType, Mlax_OwnJvp, Mlax_BatchOpInterface]> {
  let summary = "Elementwise x^y for a constant integer y (JAX's integer_pow)";
  let description = [{
    Kept as one op so that its derivative is `y * x^(y-1)` (JAX's rule, so
    higher derivatives round as JAX's do). Exported as JAX lowers it: by
    repeated squaring, and `1 / x^-y` for negative `y`.
  }];
  let arguments = (ins Mlax_NumericTensor:$operand, I64Attr:$exponent);
  let results = (outs Mlax_NumericTensor:$result);
  let assemblyFormat = "$operand `,` $exponent attr-dict `:` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}
def Mlax_LogisticOp : Mlax_UnaryOp<"logistic", Mlax_FloatOrComplexTensor> {
  let summary = "Elementwise 1 / (1 + e^-x)";
}
def Mlax_FloorOp : Mlax_UnaryOp<"floor", Mlax_FloatTensor, [],
    [Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise floor";
}
def Mlax_CeilOp : Mlax_UnaryOp<"ceil", Mlax_FloatTensor, [],
    [Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise ceiling";
}
def Mlax_RoundNearestEvenOp : Mlax_UnaryOp<"round_nearest_even", Mlax_FloatTensor, [],
    [Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise rounding, ties to even";
}
def Mlax_RoundNearestAfzOp : Mlax_UnaryOp<"round_nearest_afz", Mlax_FloatTensor, [],
    [Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise rounding, ties away from zero";
}
def Mlax_NotOp : Mlax_UnaryOp<"not", Mlax_PredOrIntTensor, [],
    [Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise logical/bitwise not";
}
def Mlax_PopulationCountOp : Mlax_UnaryOp<"popcnt", Mlax_IntTensor, [],
    [Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise number of set bits (JAX's population_count)";
}
def Mlax_CountLeadingZerosOp : Mlax_UnaryOp<"count_leading_zeros", Mlax_IntTensor, [],
    [Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise number of leading zero bits (JAX's clz)";
}
def Mlax_ReducePrecisionOp : Mlax_Op<"reduce_precision",
    [Pure, Elementwise, SameOperandsAndResultType, Mlax_BatchOpInterface,
     Mlax_OwnTranspose, Mlax_JvpOpInterface, Mlax_LinearInOperands]> {
  let summary = "Elementwise rounding to a float format with fewer bits";
  let description = [{
    Rounds each element (to nearest even) to the value it would have with
    `exponent_bits` exponent and `mantissa_bits` mantissa bits, in the
    operand's type. Linear for JAX's purposes: its tangent and cotangent
    are rounded alike.
  }];
  let arguments = (ins Mlax_FloatTensor:$operand,
      ConfinedAttr<I32Attr, [IntMinValue<1>]>:$exponent_bits,
      ConfinedAttr<I32Attr, [IntNonNegative]>:$mantissa_bits);
  let results = (outs Mlax_FloatTensor:$result);
  let assemblyFormat = [{
    $operand `,` `exponent_bits` `=` $exponent_bits `,`
    `mantissa_bits` `=` $mantissa_bits attr-dict `:` type($result)
  }];
}
def Mlax_ErfOp : Mlax_UnaryOp<"erf", Mlax_FloatTensor, [Mlax_ExportsToChlo]> {
  let summary = "Elementwise error function (exported as chlo.erf)";
}
def Mlax_ErfInvOp : Mlax_UnaryOp<"erf_inv", Mlax_FloatTensor, [Mlax_ExportsToChlo]> {
  let summary = "Elementwise inverse error function (exported as chlo.erf_inv)";
}
def Mlax_ConjOp : Mlax_UnaryOp<"conj", Mlax_ComplexTensor, [Mlax_OwnTranspose],
    [Mlax_JvpOpInterface, Mlax_LinearInOperands]> {
  let summary = "Elementwise complex conjugate (exported as complex(real, -imag))";
  let description = [{
    Real-linear; its transpose is the conjugate of the cotangent (JAX's
    conj_p), so a conjugated zero keeps its sign (1 - 0j).
  }];
}
def Mlax_ErfcOp : Mlax_UnaryOp<"erfc", Mlax_FloatTensor, [Mlax_ExportsToChlo]> {
  let summary = "Elementwise complementary error function (exported as chlo.erfc)";
}
def Mlax_LgammaOp : Mlax_UnaryOp<"lgamma", Mlax_FloatTensor, [Mlax_ExportsToChlo]> {
  let summary = "Elementwise log |Gamma(x)| (exported as chlo.lgamma)";
}
def Mlax_DigammaOp : Mlax_UnaryOp<"digamma", Mlax_FloatTensor, [Mlax_ExportsToChlo]> {
  let summary = "Elementwise digamma, d/dx lgamma(x) (exported as chlo.digamma)";
}
def Mlax_SinhOp : Mlax_UnaryOp<"sinh", Mlax_FloatOrComplexTensor, [Mlax_ExportsToChlo]> {
  let summary = "Elementwise hyperbolic sine (exported as chlo.sinh)";
}
def Mlax_CoshOp : Mlax_UnaryOp<"cosh", Mlax_FloatOrComplexTensor, [Mlax_ExportsToChlo]> {
  let summary = "Elementwise hyperbolic cosine (exported as chlo.cosh)";
}

// abs of a complex tensor is real, so its result type is inferred, not copied.
class Mlax_ComplexPartOp<string mnemonic, string part> : Mlax_Op<mnemonic, [Mlax_OwnBatch,
    Mlax_OwnTranspose, Mlax_OwnJvp, Pure, Elementwise, SameOperandsAndResultShape, 
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Elementwise " # part # " part of a complex tensor";
  let arguments = (ins Mlax_ComplexTensor:$operand);
  let results = (outs Mlax_F32OrF64Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand)";
}
def Mlax_RealOp : Mlax_ComplexPartOp<"real", "real">;
def Mlax_ImagOp : Mlax_ComplexPartOp<"imag", "imaginary">;
def Mlax_ComplexOp : Mlax_Op<"complex", [Mlax_OwnBatch, Mlax_OwnTranspose, Mlax_OwnJvp, Pure,
    Elementwise, SameOperandsAndResultShape, SameTypeOperands, 
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Elementwise lhs + i * rhs";
  let arguments = (ins Mlax_F32OrF64Tensor:$lhs, Mlax_F32OrF64Tensor:$rhs);
  let results = (outs Mlax_ComplexTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs)";
}

def Mlax_AbsOp : Mlax_Op<"abs", [Mlax_BatchOpInterface, Mlax_OwnJvp, Pure, Elementwise,
    SameOperandsAndResultShape, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Elementwise absolute value (modulus for complex)";
  let arguments = (ins Mlax_SignedNumericTensor:$operand);
  let results = (outs Mlax_SIntOrFloatTensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand)";
}

def Mlax_IsFiniteOp : Mlax_Op<"is_finite", [Mlax_BatchOpInterface, Pure, Elementwise,
    SameOperandsAndResultShape, DeclareOpInterfaceMethods<InferTypeOpInterface>,
    Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise test for finite values";
  let arguments = (ins Mlax_FloatTensor:$x);
  let results = (outs Mlax_PredTensor:$y);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

//===----------------------------------------------------------------------===//
// Elementwise binary ops
//===----------------------------------------------------------------------===//

// `jvp`: the op's own JVP rule, or [Mlax_JvpOpInterface, Mlax_ZeroDerivative].
class Mlax_BinaryOp<string mnemonic, Type type, list<Trait> traits = [],
                   list<Trait> jvp = [Mlax_OwnJvp]> :
    Mlax_Op<mnemonic, !listconcat(traits, jvp,
        [Pure, Elementwise, SameOperandsAndResultType, Mlax_BatchOpInterface])> {
  let arguments = (ins type:$lhs, type:$rhs);
  let results = (outs type:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Mlax_AddOp : Mlax_BinaryOp<"add", Mlax_Tensor, [Commutative, Mlax_OwnTranspose]> {
  let summary = "Elementwise addition (logical or for booleans)";
  let hasFolder = 1;
}
def Mlax_SubtractOp : Mlax_BinaryOp<"subtract", Mlax_NumericTensor, [Mlax_OwnTranspose]> {
  let summary = "Elementwise subtraction";
  let hasFolder = 1;
}
def Mlax_MulOp : Mlax_BinaryOp<"multiply", Mlax_Tensor, [Commutative, Mlax_OwnTranspose]> {
  let summary = "Elementwise multiplication (logical and for booleans)";
  let hasFolder = 1;
}
def Mlax_DivOp : Mlax_BinaryOp<"divide", Mlax_NumericTensor, [Mlax_OwnTranspose]> {
  let summary = "Elementwise division (truncating for integers)";
}
def Mlax_RemOp : Mlax_BinaryOp<"remainder", Mlax_IntOrFloatTensor> {
  let summary = "Elementwise remainder with the sign of the dividend";
}
def Mlax_PowOp : Mlax_BinaryOp<"power", Mlax_NumericTensor> {
  let summary = "Elementwise lhs ^ rhs";
}
def Mlax_MaxOp : Mlax_BinaryOp<"maximum", Mlax_Tensor, [Commutative]> {
  let summary = "Elementwise maximum (NaN propagating)";
}
def Mlax_MinOp : Mlax_BinaryOp<"minimum", Mlax_Tensor, [Commutative]> {
  let summary = "Elementwise minimum (NaN propagating)";
}
def Mlax_Atan2Op : Mlax_BinaryOp<"atan2", Mlax_FloatTensor> {
  let summary = "Elementwise atan2(lhs, rhs)";
}
def Mlax_PolygammaOp : Mlax_BinaryOp<"polygamma", Mlax_FloatTensor, [Mlax_ExportsToChlo]> {
  let summary = "Elementwise polygamma(n, x), the n-th derivative of digamma "
                "(exported as chlo.polygamma; differentiable in x only)";
}
def Mlax_ZetaOp : Mlax_BinaryOp<"zeta", Mlax_FloatTensor, [Mlax_ExportsToChlo]> {
  let summary = "Elementwise Hurwitz zeta(x, q) (exported as chlo.zeta; "
                "differentiable in q only)";
}
def Mlax_AndOp : Mlax_BinaryOp<"and", Mlax_PredOrIntTensor, [Commutative],
    [Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise logical/bitwise and";
}
def Mlax_OrOp : Mlax_BinaryOp<"or", Mlax_PredOrIntTensor, [Commutative],
    [Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise logical/bitwise or";
}
def Mlax_XorOp : Mlax_BinaryOp<"xor", Mlax_PredOrIntTensor, [Commutative],
    [Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise logical/bitwise exclusive or";
}
def Mlax_ShiftLeftOp : Mlax_BinaryOp<"shift_left", Mlax_IntTensor, [],
    [Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise left shift";
}
def Mlax_ShiftRightLogicalOp : Mlax_BinaryOp<"shift_right_logical", Mlax_IntTensor, [],
    [Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise logical right shift";
}
def Mlax_ShiftRightArithmeticOp : Mlax_BinaryOp<"shift_right_arithmetic",
    Mlax_IntTensor, [], [Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise arithmetic right shift (sign-filling)";
}
def Mlax_NextAfterOp : Mlax_BinaryOp<"next_after", Mlax_FloatTensor,
    [Mlax_ExportsToChlo], [Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise next representable value of lhs towards rhs "
                "(exported as chlo.next_after)";
}

//===----------------------------------------------------------------------===//
// Comparison and selection
//===----------------------------------------------------------------------===//

def Mlax_CompareOp : Mlax_Op<"compare", [Mlax_BatchOpInterface, Pure, Elementwise,
    SameTypeOperands, SameOperandsAndResultShape, DeclareOpInterfaceMethods<InferTypeOpInterface>,
    Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Elementwise comparison";
  let arguments = (ins Mlax_Tensor:$lhs, Mlax_Tensor:$rhs,
      Mlax_ComparisonDirection:$comparison_direction,
      OptionalAttr<Mlax_ComparisonType>:$compare_type);
  let results = (outs Mlax_PredTensor:$result);
  let assemblyFormat = [{
    $comparison_direction `,` $lhs `,` $rhs (`,` $compare_type^)?
    attr-dict `:` type($lhs)
  }];
}

def Mlax_SelectOp : Mlax_Op<"select", [Mlax_OwnTranspose, Mlax_OwnJvp, Pure,
    AllTypesMatch<["on_true", "on_false", "result"]>, Mlax_BatchOpInterface,
    Mlax_ElementwiseWithScalars]> {
  let summary = "Elementwise pred ? on_true : on_false";
  let description = [{ `pred` is a scalar or has the shape of the operands. }];
  let arguments = (ins Mlax_PredTensor:$pred, Mlax_Tensor:$on_true,
      Mlax_Tensor:$on_false);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = [{
    $pred `,` $on_true `,` $on_false attr-dict `:` type($pred) `,` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Mlax_ClampOp : Mlax_Op<"clamp", [Mlax_OwnJvp, Pure, AllTypesMatch<["operand", "result"]>,
    AllElementTypesMatch<["min", "operand", "max"]>, Mlax_BatchOpInterface,
    Mlax_ElementwiseWithScalars]> {
  let summary = "Elementwise min(max(operand, min), max)";
  let description = [{ `min` and `max` are scalars or have the operand's shape. }];
  let arguments = (ins Mlax_Tensor:$min, Mlax_Tensor:$operand, Mlax_Tensor:$max);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = [{
    $min `,` $operand `,` $max attr-dict `:` type($min) `,` type($operand) `,` type($max)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

def Mlax_BroadcastInDimOp : Mlax_Op<"broadcast_in_dim", [Mlax_OwnBatch, Mlax_OwnTranspose, Pure,
    AllElementTypesMatch<["operand", "result"]>, Mlax_JvpOpInterface, Mlax_LinearInOperands]> {
  let summary = "Broadcasts operand dimension i to result dimension dims[i]";
  let arguments = (ins Mlax_Tensor:$operand,
      DenseI64ArrayAttr:$broadcast_dimensions);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = [{
    $operand `,` `dims` `=` $broadcast_dimensions attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Mlax_ReshapeOp : Mlax_Op<"reshape", [Mlax_OwnBatch, Mlax_OwnTranspose, Pure,
    AllElementTypesMatch<["operand", "result"]>, Mlax_JvpOpInterface, Mlax_LinearInOperands]> {
  let summary = "Row-major reshape to a type with as many elements";
  let arguments = (ins Mlax_Tensor:$operand);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Mlax_TransposeOp : Mlax_Op<"transpose", [Mlax_OwnBatch, Mlax_OwnTranspose, Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>, Mlax_JvpOpInterface,
    Mlax_LinearInOperands]> {
  let summary = "Permutes dimensions: result dim i is operand dim perm[i]";
  let arguments = (ins Mlax_Tensor:$operand, DenseI64ArrayAttr:$permutation);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = [{
    $operand `,` `dims` `=` $permutation attr-dict `:`
    functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Mlax_DotGeneralOp : Mlax_Op<"dot_general", [Mlax_OwnBatch, Mlax_OwnTranspose, Mlax_OwnJvp, Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Generalized dot product with batch and contracting dims";
  let description = [{
    Result dimensions are the batch dimensions, then lhs free dimensions,
    then rhs free dimensions (StableHLO's order). `precision_config` (two
    of "DEFAULT", "HIGH", "HIGHEST", for lhs and rhs) is StableHLO's: how
    precisely the backend multiplies (bf16 passes, TF32, full f32); the
    dot_generals the rules derive from this one keep it.
  }];
  let arguments = (ins Mlax_Tensor:$lhs, Mlax_Tensor:$rhs,
      DenseI64ArrayAttr:$lhs_batching_dimensions,
      DenseI64ArrayAttr:$rhs_batching_dimensions,
      DenseI64ArrayAttr:$lhs_contracting_dimensions,
      DenseI64ArrayAttr:$rhs_contracting_dimensions,
      OptionalAttr<StrArrayAttr>:$precision_config);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `,` `batching_dims` `=` $lhs_batching_dimensions `x`
    $rhs_batching_dimensions `,` `contracting_dims` `=`
    $lhs_contracting_dimensions `x` $rhs_contracting_dimensions attr-dict `:`
    functional-type(operands, results)
  }];
}

def Mlax_ReturnOp : Mlax_Op<"return", [Pure, Terminator, ReturnLike,
    ParentOneOf<["ReduceOp", "WhileOp", "CaseOp", "ScanOp", "ScatterOp",
                "GenericReduceWindowOp", "CheckpointOp"]>]> {
  let summary = "Terminator of mlax region ops";
  let arguments = (ins Variadic<Mlax_Tensor>:$results);
  let assemblyFormat = "$results attr-dict (`:` type($results)^)?";
}

def Mlax_ReduceOp : Mlax_Op<"reduce", [Mlax_OwnBatch, Mlax_OwnTranspose, Mlax_OwnJvp, Pure,
    SameVariadicOperandSize, 
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Reduces inputs along dimensions with a body computation";
  let description = [{
    The body takes (accumulators..., elements...) as 0-d tensors and returns
    the new accumulators. Results drop the reduced dimensions.
  }];
  let arguments = (ins Variadic<Mlax_Tensor>:$inputs,
      Variadic<Mlax_Tensor>:$init_values, DenseI64ArrayAttr:$dimensions);
  let results = (outs Variadic<Mlax_Tensor>);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $inputs `)` `init` `(` $init_values `)` `dims` `=` $dimensions
    attr-dict `:` functional-type(operands, results) custom<GuardedRegion>($body)
  }];
  let hasRegionVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Slicing, concatenation, padding
//===----------------------------------------------------------------------===//

def Mlax_SliceOp : Mlax_Op<"slice", [Mlax_OwnBatch, Mlax_OwnTranspose, Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>, Mlax_JvpOpInterface,
    Mlax_LinearInOperands]> {
  let summary = "Static strided slice";
  let arguments = (ins Mlax_Tensor:$operand,
      DenseI64ArrayAttr:$start_indices, DenseI64ArrayAttr:$limit_indices,
      DenseI64ArrayAttr:$strides);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = [{
    $operand `,` `start` `=` $start_indices `,` `limit` `=` $limit_indices `,`
    `strides` `=` $strides attr-dict `:` functional-type(operands, results)
  }];
}

def Mlax_DynamicSliceOp : Mlax_Op<"dynamic_slice", [Mlax_OwnBatch, Mlax_OwnTranspose, Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>, Mlax_JvpOpInterface,
    Mlax_LinearInOperands]> {
  let summary = "Slice at run-time start indices (clamped into range)";
  let arguments = (ins Mlax_Tensor:$operand,
      Variadic<Mlax_ScalarIntTensor>:$start_indices,
      DenseI64ArrayAttr:$slice_sizes);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = [{
    $operand `,` `starts` `(` $start_indices `)` `,` `sizes` `=` $slice_sizes
    attr-dict `:` functional-type(operands, results)
  }];
}

def Mlax_PythonCallbackOp : Mlax_Op<"python_callback", [
    MemoryEffects<[MemRead, MemWrite]>, Mlax_RegionJvp, Mlax_RegionBatch]> {
  let summary = "Calls back into Python on the host (PJRT host callback)";
  let description = [{
    Runs host callback number `index` of the executable (the list the
    program is compiled with) on the operands' values and returns its
    results. Exported as StableHLO's `custom_call` to `call_target` (XLA's
    FFI Python callback handler). mlax uses it for pure_callback,
    debug.callback / debug.print (no results) and to run a custom_vjp's
    bwd eagerly when the differentiation is eager.

    JVP: a callback without results (a debug callback) runs on the primal
    values; one with results has no derivative (an error, as in JAX:
    custom_jvp gives it one). Batching follows `vmap_method`: "sequential"
    (and every callback without results) calls it once per batch element,
    "expand_dims" once with the batch at the front of the batched operands
    and a size-1 dimension on the others, "broadcast_all" likewise with the
    others broadcast; without one, vmap is an error.
  }];
  let arguments = (ins Variadic<Mlax_Tensor>:$args, I64Attr:$index,
      StrAttr:$call_target, OptionalAttr<StrAttr>:$vmap_method);
  let results = (outs Variadic<Mlax_Tensor>:$results);
  let assemblyFormat = [{
    $call_target `[` $index `]` `(` $args `)` attr-dict `:` functional-type($args, $results)
  }];
}

def Mlax_GatherOp : Mlax_Op<"gather", [Mlax_OwnBatch, Mlax_OwnTranspose, Mlax_OwnJvp, Pure]> {
  let summary = "Gathers slices of operand at run-time start indices (StableHLO gather)";
  let description = [{
    StableHLO's gather: for each index vector of `start_indices` (along
    `index_vector_dim`), a slice of `slice_sizes` starts at the operand
    dimensions `start_index_map` (clamped into range); `collapsed_slice_dims`
    (size-1) are dropped, the other slice dimensions land at `offset_dims` of
    the result, and the index batch dimensions fill the rest.
    `operand_batching_dims` / `start_indices_batching_dims` pair batch
    dimensions of both (how vmap batches a gather).
  }];
  let arguments = (ins Mlax_Tensor:$operand, Mlax_IntTensor:$start_indices,
      DenseI64ArrayAttr:$offset_dims, DenseI64ArrayAttr:$collapsed_slice_dims,
      DenseI64ArrayAttr:$operand_batching_dims,
      DenseI64ArrayAttr:$start_indices_batching_dims,
      DenseI64ArrayAttr:$start_index_map, I64Attr:$index_vector_dim,
      DenseI64ArrayAttr:$slice_sizes,
      DefaultValuedAttr<BoolAttr, "false">:$indices_are_sorted);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = [{
    $operand `[` $start_indices `]` `,` `offset_dims` `=` $offset_dims `,`
    `collapsed_slice_dims` `=` $collapsed_slice_dims `,`
    `operand_batching_dims` `=` $operand_batching_dims `,`
    `start_indices_batching_dims` `=` $start_indices_batching_dims `,`
    `start_index_map` `=` $start_index_map `,`
    `index_vector_dim` `=` $index_vector_dim `,` `slice_sizes` `=` $slice_sizes
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mlax_ScatterOp : Mlax_Op<"scatter", [Mlax_OwnBatch, Mlax_OwnTranspose, Mlax_OwnJvp, Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "Combines updates into input at run-time indices (StableHLO scatter)";
  let description = [{
    StableHLO's scatter with one input: each update window (its
    `update_window_dims`) is combined into `input` at the index vector of
    `scatter_indices` by the body `(current, update) -> new`; windows that
    fall out of bounds are skipped. Differentiation and transposition know
    the bodies that return the update (set), or add / multiply / min / max
    their arguments.
  }];
  let arguments = (ins Mlax_Tensor:$input, Mlax_IntTensor:$scatter_indices,
      Mlax_Tensor:$updates,
      DenseI64ArrayAttr:$update_window_dims,
      DenseI64ArrayAttr:$inserted_window_dims,
      DenseI64ArrayAttr:$input_batching_dims,
      DenseI64ArrayAttr:$scatter_indices_batching_dims,
      DenseI64ArrayAttr:$scatter_dims_to_operand_dims, I64Attr:$index_vector_dim,
      DefaultValuedAttr<BoolAttr, "false">:$indices_are_sorted,
      DefaultValuedAttr<BoolAttr, "false">:$unique_indices);
  let results = (outs Mlax_Tensor:$result);
  let regions = (region SizedRegion<1>:$update_computation);
  let assemblyFormat = [{
    $input `[` $scatter_indices `]` `,` $updates `,`
    `update_window_dims` `=` $update_window_dims `,`
    `inserted_window_dims` `=` $inserted_window_dims `,`
    `input_batching_dims` `=` $input_batching_dims `,`
    `scatter_indices_batching_dims` `=` $scatter_indices_batching_dims `,`
    `scatter_dims_to_operand_dims` `=` $scatter_dims_to_operand_dims `,`
    `index_vector_dim` `=` $index_vector_dim
    attr-dict `:` functional-type(operands, results)
    custom<GuardedRegion>($update_computation)
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// What the body computes from (current, update).
    enum class Combiner { Set, Add, Mul, Min, Max, Other };
    Combiner getCombiner();
  }];
}

def Mlax_DynamicUpdateSliceOp : Mlax_Op<"dynamic_update_slice", [Mlax_OwnBatch, Mlax_OwnTranspose,
    Pure, AllTypesMatch<["operand", "result"]>, AllElementTypesMatch<["operand", "update"]>,
    Mlax_JvpOpInterface, Mlax_LinearInOperands]> {
  let summary = "Writes update into operand at run-time start indices";
  let arguments = (ins Mlax_Tensor:$operand, Mlax_Tensor:$update,
      Variadic<Mlax_ScalarIntTensor>:$start_indices);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = [{
    $operand `,` $update `,` `starts` `(` $start_indices `)` attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mlax_ConcatenateOp : Mlax_Op<"concatenate", [Mlax_OwnBatch, Mlax_OwnTranspose, Pure,
    SameOperandsElementType, DeclareOpInterfaceMethods<InferTypeOpInterface>, Mlax_JvpOpInterface,
    Mlax_LinearInOperands]> {
  let summary = "Concatenates inputs along a dimension";
  let arguments = (ins Variadic<Mlax_Tensor>:$inputs,
      ConfinedAttr<I64Attr, [IntNonNegative]>:$dimension);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = [{
    `(` $inputs `)` `dim` `=` $dimension attr-dict `:`
    functional-type(operands, results)
  }];
}

def Mlax_PadOp : Mlax_Op<"pad", [Mlax_OwnBatch, Mlax_OwnTranspose, Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>, Mlax_JvpOpInterface,
    Mlax_LinearInOperands]> {
  let summary = "Edge (possibly negative) and interior padding";
  let arguments = (ins Mlax_Tensor:$operand, Mlax_Tensor:$padding_value,
      DenseI64ArrayAttr:$edge_padding_low, DenseI64ArrayAttr:$edge_padding_high,
      DenseI64ArrayAttr:$interior_padding);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = [{
    $operand `,` $padding_value `,` `low` `=` $edge_padding_low `,` `high` `=`
    $edge_padding_high `,` `interior` `=` $interior_padding attr-dict `:`
    functional-type(operands, results)
  }];
}

def Mlax_ReverseOp : Mlax_Op<"reverse", [Mlax_OwnBatch, Mlax_OwnTranspose, Pure,
    AllTypesMatch<["operand", "result"]>, Mlax_JvpOpInterface, Mlax_LinearInOperands]> {
  let summary = "Reverses the order of elements along dimensions";
  let arguments = (ins Mlax_Tensor:$operand, DenseI64ArrayAttr:$dimensions);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = [{
    $operand `,` `dims` `=` $dimensions attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}

def Mlax_CumsumOp : Mlax_Op<"cumsum", [Pure, SameOperandsAndResultType,
    Mlax_OwnBatch, Mlax_OwnTranspose, Mlax_JvpOpInterface, Mlax_LinearInOperands]> {
  let summary = "Inclusive prefix sums along one dimension (lax.cumsum)";
  let description = [{
    result[..., j, ...] is the sum of operand[..., i, ...] over i <= j along
    `axis` (i >= j when `reverse`). Linear; exported as the
    stablehlo.reduce_window JAX emits (a window spanning the dimension,
    padded on one side), which XLA rewrites into an efficient scan.
  }];
  let arguments = (ins Mlax_Tensor:$operand,
      ConfinedAttr<I64Attr, [IntNonNegative]>:$axis, UnitAttr:$reverse);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = [{
    $operand `,` `axis` `=` $axis (`reverse` $reverse^)? attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}

def Mlax_ConvolutionOp : Mlax_Op<"convolution", [Pure, Mlax_OwnJvp, Mlax_OwnBatch,
    Mlax_OwnTranspose]> {
  let summary = "General dilated convolution (lax.conv_general_dilated)";
  let description = [{
    StableHLO's convolution. The dimension numbers are JAX's
    ConvDimensionNumbers: `lhs_spec` = (batch, feature, spatial...) dims of
    lhs, `rhs_spec` = (output feature, input feature, spatial...) dims of
    rhs, `out_spec` = (batch, feature, spatial...) dims of the result;
    `padding` holds (low, high) per spatial dimension (negative crops).
    Bilinear: JVP conv(dlhs, rhs) + conv(lhs, drhs); transposes for either
    operand (JAX's, incl. grouped and dilated cases); batching folds the
    batch dimension into the batch or feature dimensions (JAX's rule).
    Integer convolutions have no derivative (integers carry no tangent).
  }];
  let arguments = (ins Mlax_NumericTensor:$lhs, Mlax_NumericTensor:$rhs,
      DenseI64ArrayAttr:$window_strides, DenseI64ArrayAttr:$padding,
      DenseI64ArrayAttr:$lhs_dilation, DenseI64ArrayAttr:$rhs_dilation,
      DenseI64ArrayAttr:$lhs_spec, DenseI64ArrayAttr:$rhs_spec,
      DenseI64ArrayAttr:$out_spec, I64Attr:$feature_group_count,
      I64Attr:$batch_group_count, OptionalAttr<StrArrayAttr>:$precision_config);
  let results = (outs Mlax_NumericTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mlax_ReduceWindowOp : Mlax_Op<"reduce_window", [Pure, Mlax_OwnJvp,
    Mlax_OwnBatch, Mlax_OwnTranspose]> {
  let summary = "Windowed sum, max or min (pooling; lax.reduce_window)";
  let description = [{
    StableHLO's reduce_window with the body and identity of `reduction`
    (add / 0, max / -inf, min / +inf): the operand is dilated by
    `base_dilations`, padded by `padding` (low, high per dimension) with the
    identity, and reduced over windows of `window_dimensions` (dilated by
    `window_dilations`) placed every `window_strides`. JVP: linear for ADD;
    for MAX / MIN the tangent of the first extreme element of each window
    (JAX's select rule). ADD transposes into a padded windowed sum of the
    cotangent (JAX's rule).
  }];
  let arguments = (ins Mlax_NumericTensor:$operand, Mlax_WindowReduction:$reduction,
      DenseI64ArrayAttr:$window_dimensions, DenseI64ArrayAttr:$window_strides,
      DenseI64ArrayAttr:$base_dilations, DenseI64ArrayAttr:$window_dilations,
      DenseI64ArrayAttr:$padding);
  let results = (outs Mlax_NumericTensor:$result);
  let assemblyFormat = [{
    $reduction $operand `,` `window` `=` $window_dimensions `,` `strides` `=`
    $window_strides `,` `base_dilations` `=` $base_dilations `,`
    `window_dilations` `=` $window_dilations `,` `padding` `=` $padding
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Mlax_GenericReduceWindowOp : Mlax_Op<"generic_reduce_window", [
    RecursiveMemoryEffects, IsolatedFromAbove, SameVariadicOperandSize, Mlax_RegionJvp,
    Mlax_OwnBatch, Mlax_RegionPartialEval]> {
  let summary = "Windowed reduction of several operands by a body (lax.reduce_window)";
  let description = [{
    StableHLO's reduce_window: the inputs are dilated by `base_dilations`,
    padded by `padding` with their init values, and each window (of
    `window_dimensions`, dilated by `window_dilations`, every
    `window_strides`) is reduced by the body `(accumulators..., elements...)
    -> accumulators...` on 0-d tensors, starting from the init values. The
    body is isolated from above (jax's reducer jaxprs are closed). JVP
    (JAX's rule): the same reduction of (primals, tangents) with the JVP of
    the body; that mixes primals and tangents in one reduction, so reverse
    mode is an error, as in JAX. Batching adds a unit window dimension;
    batched init values are not supported (nor in JAX).
  }];
  let arguments = (ins Variadic<Mlax_Tensor>:$inputs,
      Variadic<Mlax_Tensor>:$init_values,
      DenseI64ArrayAttr:$window_dimensions, DenseI64ArrayAttr:$window_strides,
      DenseI64ArrayAttr:$base_dilations, DenseI64ArrayAttr:$window_dilations,
      DenseI64ArrayAttr:$padding);
  let results = (outs Variadic<Mlax_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $inputs `)` `init` `(` $init_values `)` `window` `=` $window_dimensions
    `,` `strides` `=` $window_strides `,` `base_dilations` `=` $base_dilations
    `,` `window_dilations` `=` $window_dilations `,` `padding` `=` $padding
    attr-dict `:` functional-type(operands, results) custom<GuardedRegion>($body)
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

def Mlax_TopKOp : Mlax_Op<"top_k", [Pure, Mlax_OwnJvp, Mlax_OwnBatch, Mlax_ExportsToChlo]> {
  let summary = "The k largest entries along the last dimension and their indices (lax.top_k)";
  let description = [{
    values[..., j] is the j-th largest of operand[..., :] (descending; NaNs
    rank above everything, ties by lower index first) and indices[..., j]
    its position. Exported as chlo.top_k. JVP: the tangent gathered at the
    indices (JAX's rule).
  }];
  let arguments = (ins Mlax_NumericTensor:$operand, ConfinedAttr<I64Attr, [IntNonNegative]>:$k);
  let results = (outs Mlax_NumericTensor:$values, Mlax_IntTensor:$indices);
  let assemblyFormat = "$operand `,` `k` `=` $k attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Mlax_SortOp : Mlax_Op<"sort", [Pure, Mlax_RegionJvp, Mlax_OwnBatch]> {
  let summary = "Sorts operands along a dimension by their first num_keys (lax.sort)";
  let description = [{
    Sorts every operand along `dimension` by the lexicographic order of the
    first `num_keys` operands (the others are permuted alongside), stably
    when `stable`. The order is JAX's: a total order on floats with -0.0
    equal to 0.0 and every NaN after +inf; complex keys compare (real,
    imag). Exported as stablehlo.sort with that comparator. JVP: the keys
    are sorted with an iota, whose permutation gathers the tangents (JAX's
    rule; the gather is what reverse mode transposes).
  }];
  let arguments = (ins Variadic<Mlax_Tensor>:$inputs,
      ConfinedAttr<I64Attr, [IntNonNegative]>:$dimension,
      ConfinedAttr<I64Attr, [IntPositive]>:$num_keys, UnitAttr:$stable);
  let results = (outs Variadic<Mlax_Tensor>:$results);
  let assemblyFormat = [{
    `(` $inputs `)` `dim` `=` $dimension `num_keys` `=` $num_keys
    (`stable` $stable^)? attr-dict `:` functional-type($inputs, $results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Control flow
//===----------------------------------------------------------------------===//

def Mlax_WhileOp : Mlax_Op<"while", [RecursiveMemoryEffects, Mlax_RegionJvp,
    Mlax_RegionBatch, Mlax_RegionPartialEval, Mlax_RegionTranspose,
    RangedTypesMatchWith<"result types match operand types", "operand",
                         "results", "$_self">]> {
  let summary = "Loops body while cond holds, over a tuple of carried values";
  let description = [{
    `cond` and `body` take the carried values as block arguments; `cond`
    returns a tensor<i1>, `body` the next carried values. `trip_count`, when
    present, states that the loop runs exactly that many times (fori_loop
    with static bounds): reverse mode needs it to store one residual per
    iteration. `max_steps`, when present, states that the loop runs at most
    that many times (lax.while_loop(max_steps=), whose cond holds the bound):
    reverse mode then runs it as `checkpoints` segments of at most
    max_steps / checkpoints steps, saving one state and step count per
    segment and recomputing a segment's steps in the backward pass. `counted` (with max_steps) states that operand 0 is an
    i32 counter from 0 that the body increments and that cond is exactly
    `counter < bound` for a value defined outside the loop: the loop runs
    `bound` times, a trip count known at run time, which reverse mode
    stores residuals for in max_steps-long buffers (the segments of a
    bounded loop are such loops).
  }];
  let arguments = (ins Variadic<Mlax_Tensor>:$operand,
      OptionalAttr<ConfinedAttr<I64Attr, [IntNonNegative]>>:$trip_count,
      OptionalAttr<ConfinedAttr<I64Attr, [IntNonNegative]>>:$max_steps,
      OptionalAttr<ConfinedAttr<I64Attr, [IntPositive]>>:$checkpoints,
      UnitAttr:$counted);
  let results = (outs Variadic<Mlax_Tensor>:$results);
  let regions = (region SizedRegion<1>:$cond, SizedRegion<1>:$body);
  // `(` $operand `)` attr-dict `:` type($operand) `cond` $cond `do` $body,
  // parsed by hand so that a parse error never destroys a value in use.
  let hasCustomAssemblyFormat = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// Reverse mode of a loop with max_steps and no trip count.
    ::llvm::LogicalResult partialEvalBounded(PartialEvalContext &ctx);
    /// A `counted` loop's bound (what cond compares operand 0 with), or
    /// null when cond does not have that form.
    ::mlir::Value countedBound();
  }];
}

def Mlax_CaseOp : Mlax_Op<"case", [RecursiveMemoryEffects, Mlax_RegionJvp,
    Mlax_RegionBatch, Mlax_RegionPartialEval, Mlax_RegionTranspose]> {
  let summary = "Runs branch `index` (out of range: the last branch)";
  let arguments = (ins 0DTensorOf<[I32]>:$index);
  let results = (outs Variadic<Mlax_Tensor>:$results);
  let regions = (region VariadicRegion<SizedRegion<1>>:$branches);
  // $index attr-dict `:` functional-type(operands, results) $branches,
  // parsed by hand (see WhileOp).
  let hasCustomAssemblyFormat = 1;
  let hasRegionVerifier = 1;
}

def Mlax_ScanOp : Mlax_Op<"scan", [RecursiveMemoryEffects,
    AttrSizedOperandSegments, Mlax_RegionJvp, Mlax_RegionBatch,
    Mlax_RegionPartialEval, Mlax_RegionTranspose]> {
  let summary = "Loops a body over the leading dimension of xs (lax.scan)";
  let description = [{
    Runs `body` `length` times, carrying values: iteration k reads slice k
    of every xs (slice length-1-k when `reverse`). The body takes
    (carries..., x slices...) and returns (new carries..., y slices...).
    The results are the final carries, then the ys: the y slices stacked
    along a new leading dimension of size `length`, each at the position its
    iteration read. `unroll` iterations run per loop trip once lowered
    (mlax-lower-scan) to an `mlax.while`.
  }];
  let arguments = (ins Variadic<Mlax_Tensor>:$init, Variadic<Mlax_Tensor>:$xs,
      ConfinedAttr<I64Attr, [IntNonNegative]>:$length, UnitAttr:$reverse,
      DefaultValuedAttr<ConfinedAttr<I64Attr, [IntPositive]>, "1">:$unroll);
  let results = (outs Variadic<Mlax_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `(` $init `)` `over` `(` $xs `)` `length` `=` $length (`reverse` $reverse^)?
    attr-dict `:` functional-type(operands, results) custom<GuardedRegion>($body)
  }];
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    unsigned getNumCarries() { return getInit().size(); }
    /// The final carries and the stacked ys.
    ResultRange getCarryResults() {
      return getResults().take_front(getNumCarries());
    }
    ResultRange getYs() { return getResults().drop_front(getNumCarries()); }
  }];
}

//===----------------------------------------------------------------------===//
// Transformation ops
//===----------------------------------------------------------------------===//

def Mlax_StopGradientOp : Mlax_Op<"stop_gradient", [Mlax_BatchOpInterface, Pure, Elementwise,
    SameOperandsAndResultType, Mlax_JvpOpInterface, Mlax_ZeroDerivative]> {
  let summary = "Identity whose tangent is zero";
  let description = [{
    Identity in every transformation except differentiation, where its
    tangent is zero. It has no folder, so that no simplification can remove
    it before differentiation; export erases it.
  }];
  let arguments = (ins Mlax_Tensor:$operand);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Rematerialization (jax.checkpoint)
//===----------------------------------------------------------------------===//

def Mlax_CheckpointOp : Mlax_Op<"checkpoint", [RecursiveMemoryEffects,
    Mlax_RegionJvp, Mlax_RegionBatch, Mlax_RegionPartialEval,
    Mlax_RegionTranspose]> {
  let summary = "A region whose reverse mode recomputes what it may not save (jax.checkpoint)";
  let description = [{
    Runs its body (which uses values from above) and returns what it
    returns. Linearizing it saves, of the body's residuals, only the values
    its `saveable` rules allow and recomputes the others in the linear part
    from the body's inputs (JAX's remat policies). Rules, any of which makes
    a value saveable: "everything"; "dots" (dot_general and convolution
    results); "dots_no_batch" (dot_general without batch dimensions);
    "names:a,b" (checkpoint_name values named a or b); "names_except:a,b"
    (checkpoint_name values with other names). No rule: nothing is saved.
    With `prevent_cse` the recomputation starts from an optimization
    barrier, so that XLA cannot merge it back into the forward pass. JVP and
    batching transform the body and keep the op; transposition inlines the
    transposed body; export inlines the body.
  }];
  let arguments = (ins StrArrayAttr:$saveable, UnitAttr:$prevent_cse);
  let results = (outs Variadic<Mlax_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `saveable` `=` $saveable (`prevent_cse` $prevent_cse^)? attr-dict `->`
    `(` type($results) `)` custom<GuardedRegion>($body)
  }];
  let hasRegionVerifier = 1;
}

def Mlax_OptimizationBarrierOp : Mlax_Op<"optimization_barrier", [Pure,
    Mlax_OwnJvp, Mlax_OwnBatch, Mlax_OwnTranspose,
    AllTypesMatch<["operands", "results"]>]> {
  let summary = "Identity that XLA may not optimize across (lax.optimization_barrier)";
  let description = [{
    Returns its operands; no computation moves across it (StableHLO's
    optimization_barrier). JVP: a barrier of the primals and one of the
    tangents (so linearize can split them); transpose: a barrier of the
    cotangents; batching keeps each batch dimension.
  }];
  let arguments = (ins Variadic<Mlax_Tensor>:$operands);
  let results = (outs Variadic<Mlax_Tensor>:$results);
  let assemblyFormat = "$operands attr-dict `:` type($operands)";
}

def Mlax_CheckpointNameOp : Mlax_Op<"checkpoint_name", [Pure, Mlax_OwnJvp,
    Mlax_OwnTranspose, Mlax_BatchOpInterface, Elementwise,
    SameOperandsAndResultType]> {
  let summary = "Identity that names a value for remat policies (ad_checkpoint.checkpoint_name)";
  let description = [{
    Identity; a checkpoint region's "names:" rules save the values it
    names. The tangent passes through unnamed (JAX's name_p rule); export
    erases it. No folder, so nothing removes it before linearization.
  }];
  let arguments = (ins Mlax_Tensor:$operand, StrAttr:$name);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = "$operand `,` $name attr-dict `:` type($result)";
}

def Mlax_JvpOp : Mlax_Op<"jvp", [AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Forward-mode derivative of a function, as a call";
  let description = [{
    Calls the JVP of `callee`: takes all its primal arguments, then one
    tangent per argument listed in `active` (in order), and returns the
    callee's results followed by one tangent per floating-point or complex
    result. The `mlax-expand-transforms` pass replaces it by a call to the
    generated JVP function.
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee,
      Variadic<Mlax_Tensor>:$primals, Variadic<Mlax_Tensor>:$tangents,
      DenseI64ArrayAttr:$active);
  let results = (outs Variadic<Mlax_Tensor>:$results);
  let assemblyFormat = [{
    $callee `(` $primals `)` `tangents` `(` $tangents `)` `active` `=` $active
    attr-dict `:` functional-type(operands, results)
  }];
}

def Mlax_VjpOp : Mlax_Op<"vjp", [AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Reverse-mode derivative of a function, as a call";
  let description = [{
    Calls the VJP of `callee`: takes all its primal arguments, then one
    cotangent per floating-point or complex result of the callee, and
    returns the callee's results followed by the cotangent of each argument
    listed in `active`. `mlax-expand-transforms` replaces it by a call to a
    function built by JVP, linearization (partial evaluation) and
    transposition of the linear part.
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee,
      Variadic<Mlax_Tensor>:$primals, Variadic<Mlax_Tensor>:$cotangents,
      DenseI64ArrayAttr:$active);
  let results = (outs Variadic<Mlax_Tensor>:$results);
  let assemblyFormat = [{
    $callee `(` $primals `)` `cotangents` `(` $cotangents `)` `active` `=`
    $active attr-dict `:` functional-type(operands, results)
  }];
}

def Mlax_LinearTransposeOp : Mlax_Op<"linear_transpose", [
    AttrSizedOperandSegments, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Calls the transpose of a linear function";
  let description = [{
    `callee` is linear in its arguments after the first
    `constants.size()` ones. Takes those constants and one cotangent per
    result of the callee; returns the cotangents of the linear arguments.
    An op of the callee that is not linear in them is a diagnostic when
    `mlax-expand-transforms` builds the transposed function.
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee,
      Variadic<Mlax_Tensor>:$constants, Variadic<Mlax_Tensor>:$cotangents);
  let results = (outs Variadic<Mlax_Tensor>:$results);
  let assemblyFormat = [{
    $callee `(` $constants `)` `cotangents` `(` $cotangents `)` attr-dict `:`
    functional-type(operands, results)
  }];
}

def Mlax_VmapOp : Mlax_Op<"vmap", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Calls the batched version of a function";
  let description = [{
    Maps `callee` over a batch of `batch_size` elements: operand i carries
    the batch in dimension `in_dims[i]` (or is shared by all elements when
    -1), result j carries it in dimension `out_dims[j]` (-1: the result must
    not depend on the batch). `mlax-expand-transforms` replaces it by a call
    to the batched function.
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee, Variadic<Mlax_Tensor>:$args,
      DenseI64ArrayAttr:$in_dims, DenseI64ArrayAttr:$out_dims,
      I64Attr:$batch_size);
  let results = (outs Variadic<Mlax_Tensor>:$results);
  let assemblyFormat = [{
    $callee `(` $args `)` `in_dims` `=` $in_dims `out_dims` `=` $out_dims
    `size` `=` $batch_size attr-dict `:` functional-type(operands, results)
  }];
}

def Mlax_CustomJvpCallOp : Mlax_Op<"custom_jvp_call", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>, Mlax_RegionJvp,
    Mlax_RegionBatch]> {
  let summary = "Calls a function whose JVP is given by a rule function";
  let description = [{
    Calls `callee`. The JVP transformation uses `jvp` instead of
    differentiating `callee`: `jvp` takes the callee's arguments followed by
    one tangent per floating-point argument and returns the callee's results
    followed by one tangent per floating-point result. Every other
    transformation sees a call of `callee`.
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee, FlatSymbolRefAttr:$jvp,
      Variadic<Mlax_Tensor>:$args);
  let results = (outs Variadic<Mlax_Tensor>:$results);
  let assemblyFormat = [{
    $callee `(` $args `)` `jvp` $jvp attr-dict `:` functional-type(operands, results)
  }];
}

def Mlax_CustomVjpCallOp : Mlax_Op<"custom_vjp_call", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>, Mlax_RegionJvp,
    Mlax_RegionBatch]> {
  let summary = "Calls a function whose VJP is given by fwd/bwd functions";
  let description = [{
    Calls `callee`. Under differentiation, `fwd` (the callee's arguments ->
    its results followed by residuals) runs instead, and the tangents go
    through an `mlax.custom_lin` whose transpose calls `bwd` (residuals,
    then one cotangent per floating-point result -> one cotangent per
    floating-point argument). Forward mode alone cannot evaluate it.
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee, FlatSymbolRefAttr:$fwd,
      FlatSymbolRefAttr:$bwd, Variadic<Mlax_Tensor>:$args);
  let results = (outs Variadic<Mlax_Tensor>:$results);
  let assemblyFormat = [{
    $callee `(` $args `)` `fwd` $fwd `bwd` $bwd attr-dict `:`
    functional-type(operands, results)
  }];
}

def Mlax_CustomLinOp : Mlax_Op<"custom_lin", [AttrSizedOperandSegments,
    Mlax_OwnTranspose]> {
  let summary = "Linear map defined by its transpose (a custom_vjp's bwd)";
  let description = [{
    Maps the tangents of a custom_vjp function's floating-point arguments to
    the tangents of its floating-point results. Only its transpose is
    defined (a call of `bwd` with the residuals and the cotangents); a
    custom_lin that is left to be evaluated means forward-mode
    differentiation of a custom_vjp function, which is an error.
  }];
  let arguments = (ins FlatSymbolRefAttr:$bwd, Variadic<Mlax_Tensor>:$residuals,
      Variadic<Mlax_Tensor>:$tangents);
  let results = (outs Variadic<Mlax_Tensor>:$results);
  let assemblyFormat = [{
    `(` $residuals `)` `tangents` `(` $tangents `)` `bwd` $bwd attr-dict `:`
    functional-type(operands, results)
  }];
}

include "dialect/MlaxLinalgOps.td"
include "dialect/MlaxShardingOps.td"

#endif // MLAX_OPS_TD
