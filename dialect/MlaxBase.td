//===- MlaxBase.td - mlax dialect, types and enums ------------*- tablegen -*-===//
//
// The mlax dialect mirrors StableHLO's op semantics, names and attribute shapes
// so that export is a one-to-one renaming; transformation ops join it later.
//
//===----------------------------------------------------------------------===//

#ifndef MLAX_BASE_TD
#define MLAX_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Mlax_Dialect : Dialect {
  let name = "mlax";
  let cppNamespace = "::mlir::mlax";
  let summary = "Differentiable array ops with StableHLO semantics";
  let description = [{
    Array ops whose semantics, names and attributes follow StableHLO, plus
    (in later revisions) ops that make program transformations addressable
    in IR. All shapes are static.
  }];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 0;
}

//===----------------------------------------------------------------------===//
// Type constraints (StableHLO element types, static shapes)
//===----------------------------------------------------------------------===//

def Mlax_Bool : I<1>;
def Mlax_SInt : AnyTypeOf<[I8, I16, I32, I64], "signed integer">;
def Mlax_UInt : AnyTypeOf<[UI8, UI16, UI32, UI64], "unsigned integer">;
def Mlax_Int : AnyTypeOf<[Mlax_SInt, Mlax_UInt], "integer">;
def Mlax_Float : AnyTypeOf<[F16, BF16, F32, F64], "floating-point">;
def Mlax_Complex : Complex<AnyTypeOf<[F32, F64]>>;

def Mlax_Element : AnyTypeOf<[Mlax_Bool, Mlax_Int, Mlax_Float, Mlax_Complex]>;

// Static shapes whose element count fits in int64: transformations and
// export count elements, and an overflow there is an assertion, not a
// diagnostic.
def Mlax_CountableShape : CPred<"::mlir::mlax::hasCountableShape($_self)">;

class Mlax_StaticTensorOf<list<Type> allowed> :
    Type<And<[StaticShapeTensorOf<allowed>.predicate, Mlax_CountableShape]>,
         StaticShapeTensorOf<allowed>.summary # " of at most 2^63-1 elements",
         "::mlir::TensorType">;

def Mlax_Tensor : Mlax_StaticTensorOf<[Mlax_Element]>;
def Mlax_PredTensor : Mlax_StaticTensorOf<[Mlax_Bool]>;
def Mlax_FloatTensor : Mlax_StaticTensorOf<[Mlax_Float]>;
def Mlax_FloatOrComplexTensor : Mlax_StaticTensorOf<[Mlax_Float, Mlax_Complex]>;
def Mlax_IntTensor : Mlax_StaticTensorOf<[Mlax_Int]>;
def Mlax_ComplexTensor : Mlax_StaticTensorOf<[Mlax_Complex]>;
def Mlax_F32OrF64Tensor : Mlax_StaticTensorOf<[F32, F64]>;
def Mlax_PredOrIntTensor : Mlax_StaticTensorOf<[Mlax_Bool, Mlax_Int]>;
def Mlax_NumericTensor : Mlax_StaticTensorOf<[Mlax_Int, Mlax_Float, Mlax_Complex]>;
def Mlax_SignedNumericTensor : Mlax_StaticTensorOf<[Mlax_SInt, Mlax_Float, Mlax_Complex]>;
def Mlax_SIntOrFloatTensor : Mlax_StaticTensorOf<[Mlax_SInt, Mlax_Float]>;
def Mlax_IntOrFloatTensor : Mlax_StaticTensorOf<[Mlax_Int, Mlax_Float]>;
def Mlax_ScalarIntTensor : 0DTensorOf<[Mlax_Int]>;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Mlax_ComparisonDirection : I32EnumAttr<"ComparisonDirection",
    "comparison direction", [
      I32EnumAttrCase<"EQ", 0>, I32EnumAttrCase<"NE", 1>,
      I32EnumAttrCase<"GE", 2>, I32EnumAttrCase<"GT", 3>,
      I32EnumAttrCase<"LE", 4>, I32EnumAttrCase<"LT", 5>]> {
  let cppNamespace = "::mlir::mlax";
}

def Mlax_ComparisonType : I32EnumAttr<"ComparisonType",
    "comparison type", [
      I32EnumAttrCase<"NOTYPE", 0>, I32EnumAttrCase<"FLOAT", 1>,
      I32EnumAttrCase<"TOTALORDER", 2>, I32EnumAttrCase<"SIGNED", 3>,
      I32EnumAttrCase<"UNSIGNED", 4>]> {
  let cppNamespace = "::mlir::mlax";
}

def Mlax_Transpose : I32EnumAttr<"Transpose",
    "how triangular_solve applies its matrix", [
      I32EnumAttrCase<"NO_TRANSPOSE", 0>, I32EnumAttrCase<"TRANSPOSE", 1>,
      I32EnumAttrCase<"ADJOINT", 2>]> {
  let cppNamespace = "::mlir::mlax";
}

def Mlax_FftType : I32EnumAttr<"FftType", "FFT kind", [
      I32EnumAttrCase<"FFT", 0>, I32EnumAttrCase<"IFFT", 1>,
      I32EnumAttrCase<"RFFT", 2>, I32EnumAttrCase<"IRFFT", 3>]> {
  let cppNamespace = "::mlir::mlax";
}

def Mlax_WindowReduction : I32EnumAttr<"WindowReduction",
    "the monoid of a reduce_window", [
      I32EnumAttrCase<"ADD", 0>, I32EnumAttrCase<"MAX", 1>,
      I32EnumAttrCase<"MIN", 2>]> {
  let cppNamespace = "::mlir::mlax";
}

#endif // MLAX_BASE_TD
