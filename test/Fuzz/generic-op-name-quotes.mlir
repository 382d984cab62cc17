// RUN: not mlax-opt %s 2>&1 | FileCheck %s
// RUN: not mlax-translate --mlax-to-stablehlo %s 2>&1 | FileCheck %s
// Found by tools/fuzz_mlax_opt.py: an unbalanced quote in a comment ("like
// this) stopped the generic-op-name scan, and "mlax"(...) crashed the parser.

func.func @f(%i: tensor<2xi1>) {
  // CHECK: error: generic operation name 'mlax' must have the form 'dialect.operation'
  %0 = "mlax"(%i) : (tensor<2xi1>) -> tensor<2xi1>
  // CHECK: error: generic operation name 'func.' must have the form 'dialect.operation'
  %1 = "func."(%i) : (tensor<2xi1>) -> tensor<2xi1>
  return
}
