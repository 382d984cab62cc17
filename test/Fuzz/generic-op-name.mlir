// RUN: not mlax-opt %s 2>&1 | FileCheck %s
// RUN: not mlax-translate --mlax-to-stablehlo %s 2>&1 | FileCheck %s
// Found by tools/fuzz_mlax_opt.py: a generic op named by a dialect alone is
// a fatal error in MLIR's parser ("created with unregistered dialect").

func.func @f(%i: tensor<2xi1>) {
  // CHECK: error: generic operation name 'mlax' must have the form 'dialect.operation'
  %0 = "mlax"(%i) : (tensor<2xi1>) -> tensor<2xi1>
  // CHECK: error: generic operation name 'func.' must have the form 'dialect.operation'
  %1 = "func."(%i) : (tensor<2xi1>) -> tensor<2xi1>
  return
}
