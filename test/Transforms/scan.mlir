// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// c' = c * x + w, y = sin(c'): the scan's rules.
func.func private @rnn(%c0: tensor<f32>, %xs: tensor<4xf32>, %w: tensor<f32>) -> (tensor<f32>, tensor<4xf32>) {
  %r:2 = mlax.scan(%c0) over(%xs) length = 4 : (tensor<f32>, tensor<4xf32>) -> (tensor<f32>, tensor<4xf32>) {
  ^bb0(%c: tensor<f32>, %x: tensor<f32>):
    %m = mlax.multiply %c, %x : tensor<f32>
    %n = mlax.add %m, %w : tensor<f32>
    %y = mlax.sine %n : tensor<f32>
    mlax.return %n, %y : tensor<f32>, tensor<f32>
  }
  return %r#0, %r#1 : tensor<f32>, tensor<4xf32>
}

// JVP in w only: the carry becomes active through the body (a zero initial
// tangent), xs get no tangent; the tangent ys are extra ys.
// CHECK-LABEL: func.func @jvp_w(
// CHECK:        %[[Z:.*]] = mlax.constant dense<0.000000e+00> : tensor<f32>
// CHECK:        %[[S:.*]]:4 = mlax.scan(%arg0, %[[Z]]) over(%arg1) length = 4 : (tensor<f32>, tensor<f32>, tensor<4xf32>) -> (tensor<f32>, tensor<f32>, tensor<4xf32>, tensor<4xf32>)
// CHECK-NEXT:   ^bb0(%[[C:.*]]: tensor<f32>, %[[TC:.*]]: tensor<f32>, %[[X:.*]]: tensor<f32>):
// CHECK:          %[[TM:.*]] = mlax.multiply %[[TC]], %[[X]]
// CHECK:          %[[TN:.*]] = mlax.add %[[TM]], %arg3
// CHECK:          mlax.return %{{.*}}, %[[TN]], %{{.*}}, %{{.*}} : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>
// CHECK:        return %[[S]]#0, %[[S]]#2, %[[S]]#1, %[[S]]#3
func.func @jvp_w(%c0: tensor<f32>, %xs: tensor<4xf32>, %w: tensor<f32>, %tw: tensor<f32>) -> (tensor<f32>, tensor<4xf32>, tensor<f32>, tensor<4xf32>) {
  %r:4 = mlax.jvp @rnn(%c0, %xs, %w) tangents(%tw) active = [2] : (tensor<f32>, tensor<4xf32>, tensor<f32>, tensor<f32>) -> (tensor<f32>, tensor<4xf32>, tensor<f32>, tensor<4xf32>)
  return %r#0, %r#1, %r#2, %r#3 : tensor<f32>, tensor<4xf32>, tensor<f32>, tensor<4xf32>
}

// Reverse mode: the primal scan stacks the residuals of each iteration (the
// carry and cos) as extra ys; x is read again from xs (not stacked); the
// transposed scan runs in reverse with the carry's cotangent and w's
// accumulated cotangent as carries, and xs' cotangents as ys.
// CHECK-LABEL: func.func @vjp(
// CHECK:        %[[Z:.*]] = mlax.constant dense<0.000000e+00> : tensor<f32>
// CHECK:        %[[P:.*]]:4 = mlax.scan(%arg0) over(%arg1) length = 4 : (tensor<f32>, tensor<4xf32>) -> (tensor<f32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK:          %[[COS:.*]] = mlax.cosine
// CHECK:          mlax.return %{{.*}}, %{{.*}}, %{{.*}}, %[[COS]]
// CHECK:        %[[T:.*]]:3 = mlax.scan(%arg3, %[[Z]]) over(%[[P]]#2, %[[P]]#3, %arg1, %arg4) length = 4 reverse : (tensor<f32>, tensor<f32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<f32>, tensor<f32>, tensor<4xf32>)
// CHECK-NEXT:   ^bb0(%[[CT:.*]]: tensor<f32>, %[[ACC:.*]]: tensor<f32>, %[[RC:.*]]: tensor<f32>, %[[RCOS:.*]]: tensor<f32>, %[[RX:.*]]: tensor<f32>, %[[CTY:.*]]: tensor<f32>):
// CHECK:          %[[G:.*]] = mlax.multiply %[[CTY]], %[[RCOS]]
// CHECK:          %[[GN:.*]] = mlax.add %[[CT]], %[[G]]
// CHECK:          %[[GX:.*]] = mlax.multiply %[[RC]], %[[GN]]
// CHECK:          %[[GC:.*]] = mlax.multiply %[[GN]], %[[RX]]
// CHECK:          %[[GW:.*]] = mlax.add %[[ACC]], %[[GN]]
// CHECK:          mlax.return %[[GC]], %[[GW]], %[[GX]]
// CHECK:        return %[[P]]#0, %[[P]]#1, %[[T]]#0, %[[T]]#2, %[[T]]#1
func.func @vjp(%c0: tensor<f32>, %xs: tensor<4xf32>, %w: tensor<f32>, %ct: tensor<f32>, %cty: tensor<4xf32>) -> (tensor<f32>, tensor<4xf32>, tensor<f32>, tensor<4xf32>, tensor<f32>) {
  %r:5 = mlax.vjp @rnn(%c0, %xs, %w) cotangents(%ct, %cty) active = [0, 1, 2] : (tensor<f32>, tensor<4xf32>, tensor<f32>, tensor<f32>, tensor<4xf32>) -> (tensor<f32>, tensor<4xf32>, tensor<f32>, tensor<4xf32>, tensor<f32>)
  return %r#0, %r#1, %r#2, %r#3, %r#4 : tensor<f32>, tensor<4xf32>, tensor<f32>, tensor<4xf32>, tensor<f32>
}

// Batching over xs only (batch on axis 0 of a (3, 4) xs): the batch goes
// after the scanned dimension; the carry becomes batched through the body,
// the ys are batched at dimension 1.
// CHECK-LABEL: func.func @vmap_xs(
// CHECK-DAG:    %[[XT:.*]] = mlax.transpose %arg1, dims = [1, 0] : (tensor<3x4xf32>) -> tensor<4x3xf32>
// CHECK-DAG:    %[[B:.*]] = mlax.broadcast_in_dim %arg0, dims = [] : (tensor<f32>) -> tensor<3xf32>
// CHECK:        %[[S:.*]]:2 = mlax.scan(%[[B]]) over(%[[XT]]) length = 4 : (tensor<3xf32>, tensor<4x3xf32>) -> (tensor<3xf32>, tensor<4x3xf32>)
// CHECK-NEXT:   ^bb0(%{{.*}}: tensor<3xf32>, %{{.*}}: tensor<3xf32>):
// CHECK:        mlax.transpose %[[S]]#1, dims = [1, 0] : (tensor<4x3xf32>) -> tensor<3x4xf32>
func.func @vmap_xs(%c0: tensor<f32>, %xs: tensor<3x4xf32>, %w: tensor<f32>) -> (tensor<3xf32>, tensor<3x4xf32>) {
  %r:2 = mlax.vmap @rnn(%c0, %xs, %w) in_dims = [-1, 0, -1] out_dims = [0, 0] size = 3 : (tensor<f32>, tensor<3x4xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<3x4xf32>)
  return %r#0, %r#1 : tensor<3xf32>, tensor<3x4xf32>
}

// Batching over a closed-over value only: xs stay unbatched.
// CHECK-LABEL: func.func @vmap_w(
// CHECK:        mlax.scan(%{{.*}}) over(%arg1) length = 4 : (tensor<2xf32>, tensor<4xf32>) -> (tensor<2xf32>, tensor<4x2xf32>)
func.func @vmap_w(%c0: tensor<f32>, %xs: tensor<4xf32>, %w: tensor<2xf32>) -> (tensor<2xf32>, tensor<2x4xf32>) {
  %r:2 = mlax.vmap @rnn(%c0, %xs, %w) in_dims = [-1, -1, 0] out_dims = [0, 0] size = 2 : (tensor<f32>, tensor<4xf32>, tensor<2xf32>) -> (tensor<2xf32>, tensor<2x4xf32>)
  return %r#0, %r#1 : tensor<2xf32>, tensor<2x4xf32>
}

// A broadcast constant in the body is recomputed by the linear part, not
// stacked per iteration: the primal scan stores only tanh and 1 - tanh.
func.func private @bcast(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0:1 = mlax.scan(%x) over() length = 3 : (tensor<4xf32>) -> (tensor<4xf32>) {
  ^bb0(%c: tensor<4xf32>):
    %k = mlax.constant dense<1.0e-03> : tensor<f32>
    %b = mlax.broadcast_in_dim %k, dims = [] : (tensor<f32>) -> tensor<4xf32>
    %t = mlax.tanh %c : tensor<4xf32>
    %m = mlax.multiply %t, %b : tensor<4xf32>
    mlax.return %m : tensor<4xf32>
  }
  return %0#0 : tensor<4xf32>
}
func.func @bcast_vjp(%x: tensor<4xf32>, %ct: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.vjp @bcast(%x) cotangents(%ct) active = [0] : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}
// CHECK-LABEL: func.func @bcast_vjp(
// CHECK:        mlax.scan(%arg0) over() length = 3 : (tensor<4xf32>) -> (tensor<4xf32>, tensor<3x4xf32>, tensor<3x4xf32>)
// CHECK:        mlax.scan(%arg1) over(%{{.*}}, %{{.*}}) length = 3 reverse
