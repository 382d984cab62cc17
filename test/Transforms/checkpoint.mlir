// RUN: mlax-opt %s --mlax-expand-transforms --inline --symbol-dce --canonicalize --cse | FileCheck %s

// mlax.checkpoint (jax.checkpoint): linearization keeps only the residuals
// its saveable rules allow and recomputes the others in the backward pass,
// from an optimization barrier over the region's inputs (prevent_cse).

func.func private @nothing(%x: tensor<4xf32>, %w: tensor<4x4xf32>) -> tensor<4xf32> {
  %0 = mlax.checkpoint saveable = [] prevent_cse -> (tensor<4xf32>) {
    %d = mlax.dot_general %w, %x, batching_dims = [] x [], contracting_dims = [1] x [0] : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %t = mlax.tanh %d : tensor<4xf32>
    %s = mlax.sine %t : tensor<4xf32>
    mlax.return %s : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// Nothing saveable: the forward pass, then the whole body again from the
// barrier, its results feeding the cotangent computation.
// CHECK-LABEL: func.func @nothing_vjp(
// CHECK:        %[[D:.*]] = mlax.dot_general %arg1, %arg0
// CHECK:        %[[T:.*]] = mlax.tanh %[[D]]
// CHECK:        %[[S:.*]] = mlax.sine %[[T]]
// CHECK:        %[[B:.*]]:2 = mlax.optimization_barrier %arg1, %arg0 : tensor<4x4xf32>, tensor<4xf32>
// CHECK:        %[[RD:.*]] = mlax.dot_general %[[B]]#0, %[[B]]#1
// CHECK:        %[[RT:.*]] = mlax.tanh %[[RD]]
// CHECK:        mlax.cosine %[[RT]]
// CHECK-NOT:    %[[T]]
// CHECK:        return %[[S]]
func.func @nothing_vjp(%x: tensor<4xf32>, %w: tensor<4x4xf32>, %ct: tensor<4xf32>) -> (tensor<4xf32>, tensor<4x4xf32>) {
  %r:2 = mlax.vjp @nothing(%x, %w) cotangents(%ct) active = [1] : (tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4x4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4x4xf32>
}

func.func private @dots(%x: tensor<4xf32>, %w: tensor<4x4xf32>) -> tensor<4xf32> {
  %0 = mlax.checkpoint saveable = ["dots"] prevent_cse -> (tensor<4xf32>) {
    %d = mlax.dot_general %w, %x, batching_dims = [] x [], contracting_dims = [1] x [0] : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %t = mlax.tanh %d : tensor<4xf32>
    %s = mlax.sine %t : tensor<4xf32>
    mlax.return %s : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// Dots saveable: the forward dot passes the barrier, the tanh is recomputed
// from it; no second dot.
// CHECK-LABEL: func.func @dots_vjp(
// CHECK:        %[[D:.*]] = mlax.dot_general %arg1, %arg0
// CHECK:        %[[B:.*]]:2 = mlax.optimization_barrier %arg0, %[[D]] : tensor<4xf32>, tensor<4xf32>
// CHECK-NOT:    mlax.dot_general %arg1
// CHECK:        %[[RT:.*]] = mlax.tanh %[[B]]#1
// CHECK:        mlax.cosine %[[RT]]
// CHECK:        mlax.dot_general %{{.*}}, %[[B]]#0, batching_dims = [] x [], contracting_dims = [] x []
func.func @dots_vjp(%x: tensor<4xf32>, %w: tensor<4x4xf32>, %ct: tensor<4xf32>) -> (tensor<4xf32>, tensor<4x4xf32>) {
  %r:2 = mlax.vjp @dots(%x, %w) cotangents(%ct) active = [1] : (tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4x4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4x4xf32>
}

func.func private @named(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.checkpoint saveable = ["names:keep"] prevent_cse -> (tensor<4xf32>) {
    %a = mlax.sine %x : tensor<4xf32>
    %n = mlax.checkpoint_name %a, "keep" : tensor<4xf32>
    %b = mlax.exponential %n : tensor<4xf32>
    %c = mlax.exponential %b : tensor<4xf32>
    mlax.return %c : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// The named value is saved (the sine is not recomputed), the exp chain
// after it is recomputed from it.
// CHECK-LABEL: func.func @named_vjp(
// CHECK:        %[[A:.*]] = mlax.sine %arg0
// CHECK:        %[[N:.*]] = mlax.checkpoint_name %[[A]], "keep"
// CHECK:        %[[B:.*]]:2 = mlax.optimization_barrier %arg0, %[[N]] : tensor<4xf32>, tensor<4xf32>
// CHECK-NOT:    mlax.sine
// CHECK:        mlax.cosine %[[B]]#0
// CHECK:        mlax.exponential %[[B]]#1
func.func @named_vjp(%x: tensor<4xf32>, %ct: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.vjp @named(%x) cotangents(%ct) active = [0] : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

// JVP and vmap keep the region (a later linearization still sees it).
// CHECK-LABEL: func.func @nothing_jvp(
// CHECK:        %[[R:.*]]:2 = mlax.checkpoint saveable = [] prevent_cse -> (tensor<4xf32>, tensor<4xf32>)
// CHECK:          mlax.tanh
// CHECK:          mlax.return
func.func @nothing_jvp(%x: tensor<4xf32>, %w: tensor<4x4xf32>, %t: tensor<4x4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.jvp @nothing(%x, %w) tangents(%t) active = [1] : (tensor<4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @nothing_vmap(
// CHECK:        mlax.checkpoint saveable = [] prevent_cse -> (tensor<3x4xf32>)
// CHECK:          mlax.dot_general %arg1, %arg0, {{.*}} -> tensor<4x3xf32>
// CHECK:          mlax.return {{.*}} : tensor<3x4xf32>
func.func @nothing_vmap(%x: tensor<3x4xf32>, %w: tensor<4x4xf32>) -> tensor<3x4xf32> {
  %r = mlax.vmap @nothing(%x, %w) in_dims = [0, -1] out_dims = [0] size = 3 : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}

func.func private @barrier(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = mlax.optimization_barrier %x : tensor<4xf32>
  %1 = mlax.sine %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// optimization_barrier: one barrier of the primals, one of the tangents, and
// its transpose a barrier of the cotangents.
// CHECK-LABEL: func.func @barrier_vjp(
// CHECK:        %[[P:.*]] = mlax.optimization_barrier %arg0 : tensor<4xf32>
// CHECK:        %[[C:.*]] = mlax.cosine %[[P]]
// CHECK:        %[[M:.*]] = mlax.multiply %arg1, %[[C]]
// CHECK:        %[[T:.*]] = mlax.optimization_barrier %[[M]] : tensor<4xf32>
// CHECK:        return %{{.*}}, %[[T]]
func.func @barrier_vjp(%x: tensor<4xf32>, %ct: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = mlax.vjp @barrier(%x) cotangents(%ct) active = [0] : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}
