// RUN: mlax-opt %s -split-input-file -verify-diagnostics

// Malformed assembly is a diagnostic, never a crash.

func.func @f(%x: tensor<2xf32>) {
  // expected-error @+1 {{expected '='}}
  %0 = mlax.transpose %x, dims [0] : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @f(%x: tensor<2xf32>) {
  // expected-error @+1 {{custom op 'mlax.compare' expected}}
  %0 = mlax.compare BAD, %x, %x : tensor<2xf32>
  return
}

// -----

func.func @f(%x: tensor<2xf32>) {
  // expected-error @+1 {{use of undeclared SSA value name}}
  %0 = mlax.add %x, %undefined : tensor<2xf32>
  return
}
