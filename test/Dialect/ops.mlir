// RUN: mlax-opt %s | mlax-opt | FileCheck %s
// RUN: mlax-opt %s --mlir-print-op-generic | mlax-opt | FileCheck %s

// Every op of the dialect, in its custom assembly; printing and re-parsing
// must be the identity.

// CHECK-LABEL: func.func @main
func.func @main(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>, %i: tensor<2x3xi32>,
                %p: tensor<2x3xi1>, %m: tensor<3x4xf32>, %s: tensor<i32>,
                %c: tensor<2xcomplex<f32>>) -> tensor<2x3xf32> {
  // CHECK: mlax.constant dense<1.000000e+00> : tensor<2x3xf32>
  %k = mlax.constant dense<1.0> : tensor<2x3xf32>
  // CHECK: mlax.iota dim = 1 : tensor<2x3xi32>
  %io = mlax.iota dim = 1 : tensor<2x3xi32>
  // CHECK: mlax.convert %{{.*}} : (tensor<2x3xi32>) -> tensor<2x3xf32>
  %cv = mlax.convert %i : (tensor<2x3xi32>) -> tensor<2x3xf32>
  // CHECK: mlax.bitcast_convert %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3xi32>
  %bc = mlax.bitcast_convert %x : (tensor<2x3xf32>) -> tensor<2x3xi32>
  // CHECK: mlax.bitcast_convert %{{.*}} : (tensor<2x3xf32>) -> tensor<2x3x2xi16>
  %bc2 = mlax.bitcast_convert %x : (tensor<2x3xf32>) -> tensor<2x3x2xi16>

  // CHECK: mlax.negate %{{.*}} : tensor<2x3xf32>
  %u0 = mlax.negate %x : tensor<2x3xf32>
  // CHECK: mlax.abs %{{.*}} : tensor<2x3xf32>
  %u1 = mlax.abs %x : tensor<2x3xf32>
  // CHECK: mlax.abs %{{.*}} : tensor<2xcomplex<f32>>
  %u1c = mlax.abs %c : tensor<2xcomplex<f32>>
  // CHECK: mlax.sign
  %u2 = mlax.sign %x : tensor<2x3xf32>
  // CHECK: mlax.exponential %
  %u3 = mlax.exponential %x : tensor<2x3xf32>
  // CHECK: mlax.exponential_minus_one
  %u4 = mlax.exponential_minus_one %x : tensor<2x3xf32>
  // CHECK: mlax.log %
  %u5 = mlax.log %x : tensor<2x3xf32>
  // CHECK: mlax.log_plus_one
  %u6 = mlax.log_plus_one %x : tensor<2x3xf32>
  // CHECK: mlax.sqrt
  %u7 = mlax.sqrt %x : tensor<2x3xf32>
  // CHECK: mlax.rsqrt
  %u8 = mlax.rsqrt %x : tensor<2x3xf32>
  // CHECK: mlax.cbrt
  %u9 = mlax.cbrt %x : tensor<2x3xf32>
  // CHECK: mlax.sine
  %u10 = mlax.sine %x : tensor<2x3xf32>
  // CHECK: mlax.cosine
  %u11 = mlax.cosine %x : tensor<2x3xf32>
  // CHECK: mlax.tan %
  %u12 = mlax.tan %x : tensor<2x3xf32>
  // CHECK: mlax.tanh
  %u13 = mlax.tanh %x : tensor<2x3xf32>
  // CHECK: mlax.logistic
  %u14 = mlax.logistic %x : tensor<2x3xf32>
  // CHECK: mlax.floor
  %u15 = mlax.floor %x : tensor<2x3xf32>
  // CHECK: mlax.ceil
  %u16 = mlax.ceil %x : tensor<2x3xf32>
  // CHECK: mlax.round_nearest_even
  %u17 = mlax.round_nearest_even %x : tensor<2x3xf32>
  // CHECK: mlax.round_nearest_afz
  %u18 = mlax.round_nearest_afz %x : tensor<2x3xf32>
  // CHECK: mlax.is_finite %{{.*}} : tensor<2x3xf32>
  %u19 = mlax.is_finite %x : tensor<2x3xf32>
  // CHECK: mlax.not %{{.*}} : tensor<2x3xi1>
  %u20 = mlax.not %p : tensor<2x3xi1>
  // CHECK: mlax.erf %
  %u21 = mlax.erf %x : tensor<2x3xf32>
  // CHECK: mlax.erf_inv
  %u22 = mlax.erf_inv %x : tensor<2x3xf32>

  // CHECK: mlax.add %{{.*}}, %{{.*}} : tensor<2x3xf32>
  %b0 = mlax.add %x, %y : tensor<2x3xf32>
  // CHECK: mlax.subtract
  %b1 = mlax.subtract %x, %y : tensor<2x3xf32>
  // CHECK: mlax.multiply
  %b2 = mlax.multiply %x, %y : tensor<2x3xf32>
  // CHECK: mlax.divide
  %b3 = mlax.divide %x, %y : tensor<2x3xf32>
  // CHECK: mlax.remainder
  %b4 = mlax.remainder %x, %y : tensor<2x3xf32>
  // CHECK: mlax.power
  %b5 = mlax.power %x, %y : tensor<2x3xf32>
  // CHECK: mlax.maximum
  %b6 = mlax.maximum %x, %y : tensor<2x3xf32>
  // CHECK: mlax.minimum
  %b7 = mlax.minimum %x, %y : tensor<2x3xf32>
  // CHECK: mlax.atan2
  %b8 = mlax.atan2 %x, %y : tensor<2x3xf32>
  // CHECK: mlax.and %{{.*}}, %{{.*}} : tensor<2x3xi32>
  %b9 = mlax.and %i, %i : tensor<2x3xi32>
  // CHECK: mlax.or
  %b10 = mlax.or %p, %p : tensor<2x3xi1>
  // CHECK: mlax.xor
  %b11 = mlax.xor %i, %i : tensor<2x3xi32>
  // CHECK: mlax.shift_left
  %b12 = mlax.shift_left %i, %i : tensor<2x3xi32>
  // CHECK: mlax.shift_right_logical
  %b13 = mlax.shift_right_logical %i, %i : tensor<2x3xi32>
  // CHECK: mlax.shift_right_arithmetic
  %b14 = mlax.shift_right_arithmetic %i, %i : tensor<2x3xi32>
  // CHECK: mlax.next_after
  %b15 = mlax.next_after %x, %y : tensor<2x3xf32>
  // CHECK: mlax.popcnt %{{.*}} : tensor<2x3xi32>
  %bits1 = mlax.popcnt %i : tensor<2x3xi32>
  // CHECK: mlax.count_leading_zeros
  %bits2 = mlax.count_leading_zeros %i : tensor<2x3xi32>
  // CHECK: mlax.reduce_precision %{{.*}}, exponent_bits = 5, mantissa_bits = 10 : tensor<2x3xf32>
  %bits3 = mlax.reduce_precision %x, exponent_bits = 5, mantissa_bits = 10 : tensor<2x3xf32>

  // CHECK: mlax.compare LT, %{{.*}}, %{{.*}}, FLOAT : tensor<2x3xf32>
  %cmp = mlax.compare LT, %x, %y, FLOAT : tensor<2x3xf32>
  // CHECK: mlax.compare EQ, %{{.*}}, %{{.*}} : tensor<2x3xi32>
  %cmp2 = mlax.compare EQ, %i, %i : tensor<2x3xi32>
  // CHECK: mlax.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3xi1>, tensor<2x3xf32>
  %sel = mlax.select %cmp, %x, %y : tensor<2x3xi1>, tensor<2x3xf32>
  %zero = mlax.constant dense<0.0> : tensor<f32>
  // CHECK: mlax.clamp %{{.*}}, %{{.*}}, %{{.*}} : tensor<f32>, tensor<2x3xf32>, tensor<f32>
  %cl = mlax.clamp %zero, %x, %zero : tensor<f32>, tensor<2x3xf32>, tensor<f32>

  // CHECK: mlax.broadcast_in_dim %{{.*}}, dims = [] : (tensor<f32>) -> tensor<2x3xf32>
  %bd = mlax.broadcast_in_dim %zero, dims = [] : (tensor<f32>) -> tensor<2x3xf32>
  // CHECK: mlax.reshape %{{.*}} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %rs = mlax.reshape %x : (tensor<2x3xf32>) -> tensor<3x2xf32>
  // CHECK: mlax.transpose %{{.*}}, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %tr = mlax.transpose %x, dims = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  // CHECK: mlax.dot_general %{{.*}}, %{{.*}}, batching_dims = [] x [], contracting_dims = [1] x [0] : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %dot = mlax.dot_general %x, %m, batching_dims = [] x [], contracting_dims = [1] x [0] : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  // CHECK: mlax.reduce(%{{.*}}) init(%{{.*}}) dims = [1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32>
  // CHECK: mlax.return
  %red = mlax.reduce(%x) init(%zero) dims = [1] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2xf32> {
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %r = mlax.add %a, %b : tensor<f32>
    mlax.return %r : tensor<f32>
  }

  // CHECK: mlax.slice %{{.*}}, start = [0, 1], limit = [2, 3], strides = [1, 2] : (tensor<2x3xf32>) -> tensor<2x1xf32>
  %sl = mlax.slice %x, start = [0, 1], limit = [2, 3], strides = [1, 2] : (tensor<2x3xf32>) -> tensor<2x1xf32>
  // CHECK: mlax.dynamic_slice %{{.*}}, starts(%{{.*}}, %{{.*}}), sizes = [1, 2]
  %ds = mlax.dynamic_slice %x, starts(%s, %s), sizes = [1, 2] : (tensor<2x3xf32>, tensor<i32>, tensor<i32>) -> tensor<1x2xf32>
  // CHECK: mlax.dynamic_update_slice %{{.*}}, %{{.*}}, starts(%{{.*}}, %{{.*}})
  %dus = mlax.dynamic_update_slice %x, %ds, starts(%s, %s) : (tensor<2x3xf32>, tensor<1x2xf32>, tensor<i32>, tensor<i32>) -> tensor<2x3xf32>
  // CHECK: mlax.concatenate(%{{.*}}, %{{.*}}) dim = 0 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %cc = mlax.concatenate(%x, %y) dim = 0 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  // CHECK: mlax.pad %{{.*}}, %{{.*}}, low = [1, 0], high = [0, -1], interior = [1, 0] : (tensor<2x3xf32>, tensor<f32>) -> tensor<4x2xf32>
  %pd = mlax.pad %x, %zero, low = [1, 0], high = [0, -1], interior = [1, 0] : (tensor<2x3xf32>, tensor<f32>) -> tensor<4x2xf32>
  // CHECK: mlax.reverse %{{.*}}, dims = [0] : tensor<2x3xf32>
  %rv = mlax.reverse %x, dims = [0] : tensor<2x3xf32>
  // CHECK: mlax.cumsum %{{.*}}, axis = 1 reverse : tensor<2x3xf32>
  %csum = mlax.cumsum %x, axis = 1 reverse : tensor<2x3xf32>
  // CHECK: mlax.sort(%{{.*}}, %{{.*}}) dim = 1 num_keys = 2 stable : (tensor<2x3xf32>, tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>)
  %srt:2 = mlax.sort(%x, %y) dim = 1 num_keys = 2 stable : (tensor<2x3xf32>, tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>)

  // CHECK: mlax.while(%{{.*}}, %{{.*}}) : tensor<i32>, tensor<2x3xf32>
  // CHECK: cond
  // CHECK: do
  %w:2 = mlax.while(%s, %x) : tensor<i32>, tensor<2x3xf32>
  cond {
  ^bb0(%n: tensor<i32>, %v: tensor<2x3xf32>):
    %lim = mlax.constant dense<3> : tensor<i32>
    %lt = mlax.compare LT, %n, %lim, SIGNED : tensor<i32>
    mlax.return %lt : tensor<i1>
  } do {
  ^bb0(%n: tensor<i32>, %v: tensor<2x3xf32>):
    %one = mlax.constant dense<1> : tensor<i32>
    %n1 = mlax.add %n, %one : tensor<i32>
    %v1 = mlax.sine %v : tensor<2x3xf32>
    mlax.return %n1, %v1 : tensor<i32>, tensor<2x3xf32>
  }
  // CHECK: mlax.case %{{.*}} : (tensor<i32>) -> tensor<2x3xf32>
  %cs = mlax.case %s : (tensor<i32>) -> tensor<2x3xf32> {
    mlax.return %x : tensor<2x3xf32>
  }, {
    mlax.return %y : tensor<2x3xf32>
  }
  return %cs : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @linalg
func.func @linalg(%a: tensor<2x3x3xf32>, %b: tensor<2x3x4xf32>, %c: tensor<4x3xcomplex<f32>>, %x: tensor<4x8xf32>) -> tensor<2x3x4xf32> {
  // CHECK: mlax.cholesky %{{.*}} : tensor<2x3x3xf32>
  %l = mlax.cholesky %a : tensor<2x3x3xf32>
  // CHECK: mlax.triangular_solve %{{.*}}, %{{.*}}, transpose_a = ADJOINT {left_side = true, lower = true, unit_diagonal = false}
  %s = mlax.triangular_solve %l, %b, transpose_a = ADJOINT {left_side = true, lower = true, unit_diagonal = false} : (tensor<2x3x3xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  // CHECK: mlax.eigh %{{.*}} {lower = true}
  %e:2 = mlax.eigh %a {lower = true} : (tensor<2x3x3xf32>) -> (tensor<2x3x3xf32>, tensor<2x3xf32>)
  // CHECK: mlax.svd %{{.*}} {compute_uv = true, full_matrices = false}
  %u:3 = mlax.svd %c {compute_uv = true, full_matrices = false} : (tensor<4x3xcomplex<f32>>) -> (tensor<3xf32>, tensor<4x3xcomplex<f32>>, tensor<3x3xcomplex<f32>>)
  // CHECK: mlax.qr %{{.*}} {full_matrices = true}
  %q:2 = mlax.qr %c {full_matrices = true} : (tensor<4x3xcomplex<f32>>) -> (tensor<4x4xcomplex<f32>>, tensor<4x3xcomplex<f32>>)
  // CHECK: mlax.lu %{{.*}} : (tensor<2x3x3xf32>) -> (tensor<2x3x3xf32>, tensor<2x3xi32>, tensor<2x3xi32>)
  %p:3 = mlax.lu %a : (tensor<2x3x3xf32>) -> (tensor<2x3x3xf32>, tensor<2x3xi32>, tensor<2x3xi32>)
  // CHECK: mlax.eig %{{.*}} {compute_left_eigenvectors = false, compute_right_eigenvectors = true}
  %g:2 = mlax.eig %a {compute_left_eigenvectors = false, compute_right_eigenvectors = true} : (tensor<2x3x3xf32>) -> (tensor<2x3xcomplex<f32>>, tensor<2x3x3xcomplex<f32>>)
  // CHECK: mlax.geqrf
  %h:2 = mlax.geqrf %c : (tensor<4x3xcomplex<f32>>) -> (tensor<4x3xcomplex<f32>>, tensor<3xcomplex<f32>>)
  // CHECK: mlax.householder_product
  %hq = mlax.householder_product %h#0, %h#1 : (tensor<4x3xcomplex<f32>>, tensor<3xcomplex<f32>>) -> tensor<4x3xcomplex<f32>>
  // CHECK: mlax.fft %{{.*}}, type = RFFT, length = [4, 8]
  %f = mlax.fft %x, type = RFFT, length = [4, 8] : (tensor<4x8xf32>) -> tensor<4x5xcomplex<f32>>
  // CHECK: mlax.conj
  %cj = mlax.conj %c : tensor<4x3xcomplex<f32>>
  // CHECK: mlax.lgamma
  %lg = mlax.lgamma %x : tensor<4x8xf32>
  // CHECK: mlax.digamma
  %dg = mlax.digamma %x : tensor<4x8xf32>
  // CHECK: mlax.erfc
  %ec = mlax.erfc %x : tensor<4x8xf32>
  // CHECK: mlax.polygamma
  %pg = mlax.polygamma %x, %x : tensor<4x8xf32>
  // CHECK: mlax.zeta
  %z = mlax.zeta %x, %x : tensor<4x8xf32>
  // CHECK: mlax.top_k %{{.*}}, k = 2
  %tk:2 = mlax.top_k %x, k = 2 : (tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  // CHECK: mlax.reduce_window MAX %{{.*}}, window = [2, 2]
  %rw = mlax.reduce_window MAX %x, window = [2, 2], strides = [2, 2], base_dilations = [1, 1], window_dilations = [1, 1], padding = [0, 0, 0, 0] : (tensor<4x8xf32>) -> tensor<2x4xf32>
  // CHECK: mlax.convolution
  %cv = mlax.convolution %x, %x {batch_group_count = 1 : i64, feature_group_count = 1 : i64, lhs_dilation = array<i64>, lhs_spec = array<i64: 0, 1>, out_spec = array<i64: 0, 1>, padding = array<i64>, rhs_dilation = array<i64>, rhs_spec = array<i64: 0, 1>, window_strides = array<i64>} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x4xf32>
  // CHECK: mlax.schur
  %sc:2 = mlax.schur %a {compute_schur_vectors = true} : (tensor<2x3x3xf32>) -> (tensor<2x3x3xf32>, tensor<2x3x3xf32>)
  return %s : tensor<2x3x4xf32>
}
