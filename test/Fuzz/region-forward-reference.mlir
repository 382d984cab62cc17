// RUN: not mlax-opt %s -split-input-file 2>&1 | FileCheck %s
// Found by tools/fuzz_mlax_opt.py: a value defined in a region satisfies a
// forward reference made before the op; when the op then fails to parse,
// destroying the region must not abort ("operation destroyed but still has
// uses"). The region parsers drop those uses first.

// CHECK-NOT: LLVM ERROR
// CHECK-NOT: Assertion

mlax.return %c : tensor<i1>
%0 = mlax.while(%x) : tensor<f32> cond {
  %c = mlax.compare LT, %v, %x, FLOAT : tensor<f32>
} do
// CHECK: error: expected '{' to begin a region

// -----

mlax.return %c : tensor<i1>
%0 = mlax.while(%x) : tensor<f32> cond {
  %c = mlax.compare LT, %v, %x, FLOAT : tensor<f32>
} do {
  %q = mlax.bogus %c
}
// CHECK: error: custom op 'mlax.bogus' is unknown

// -----

%r = mlax.add %a, %b : tensor<f32>
%0 = mlax.reduce(%m) init(%z) dims = [0] : (tensor<3xf32>, tensor<f32>) -> tensor<f32> {
^bb0(%a: tensor<f32>, %b: tensor<f32>):
^bb0(%a: tensor<f32>, %b: tensor<f32>):
}
// CHECK: error: redefinition of block '^bb0'

// -----

%r = mlax.negate %n : tensor<f32>
%0 = mlax.case %i : (tensor<i32>) -> tensor<f32> {
  %n = mlax.negate %x : tensor<f32>
  mlax.return %n : tensor<f32>
}, {
  mlax.return %zz tensor<f32>
}
// CHECK: error: custom op 'mlax.return' number of operands and types do not match

// -----

%r = mlax.negate %n : tensor<f32>
%0 = mlax.while(%x, %y) : tensor<f32> cond {
  %n = mlax.negate %x : tensor<f32>
  mlax.return %n : tensor<f32>
} do {
  mlax.return %n : tensor<f32>
}
// CHECK: error: custom op 'mlax.while' number of operands and types do not match: got 2 operands and 1 types
