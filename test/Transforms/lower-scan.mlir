// RUN: mlax-opt %s --mlax-lower-scan --canonicalize --cse | FileCheck %s

// A scan becomes a counted while loop carrying the counter, the carries and
// one buffer per y; iteration k reads slice k of xs and writes slice k of ys.
// CHECK-LABEL: func.func @forward(
// CHECK-DAG:    %[[ZEROS:.*]] = mlax.constant dense<0.000000e+00> : tensor<4x2xf32>
// CHECK-DAG:    %[[I0:.*]] = mlax.constant dense<0> : tensor<i32>
// CHECK:        %[[W:.*]]:3 = mlax.while(%[[I0]], %arg0, %[[ZEROS]]) {trip_count = 4 : i64} : tensor<i32>, tensor<2xf32>, tensor<4x2xf32> cond {
// CHECK:          mlax.compare LT
// CHECK:        } do {
// CHECK-NEXT:   ^bb0(%[[K:.*]]: tensor<i32>, %[[C:.*]]: tensor<2xf32>, %[[BUF:.*]]: tensor<4x2xf32>):
// CHECK:          %[[S:.*]] = mlax.dynamic_slice %arg1, starts(%[[K]], %{{.*}}), sizes = [1, 2]
// CHECK:          %[[X:.*]] = mlax.reshape %[[S]] : (tensor<1x2xf32>) -> tensor<2xf32>
// CHECK:          %[[N:.*]] = mlax.add %[[C]], %[[X]]
// CHECK:          %[[Y:.*]] = mlax.reshape %[[N]] : (tensor<2xf32>) -> tensor<1x2xf32>
// CHECK:          %[[U:.*]] = mlax.dynamic_update_slice %[[BUF]], %[[Y]], starts(%[[K]], %{{.*}})
// CHECK:          %[[K1:.*]] = mlax.add %[[K]]
// CHECK:          mlax.return %[[K1]], %[[N]], %[[U]]
// CHECK:        return %[[W]]#1, %[[W]]#2
func.func @forward(%c: tensor<2xf32>, %xs: tensor<4x2xf32>) -> (tensor<2xf32>, tensor<4x2xf32>) {
  %r:2 = mlax.scan(%c) over(%xs) length = 4 : (tensor<2xf32>, tensor<4x2xf32>) -> (tensor<2xf32>, tensor<4x2xf32>) {
  ^bb0(%a: tensor<2xf32>, %x: tensor<2xf32>):
    %n = mlax.add %a, %x : tensor<2xf32>
    mlax.return %n, %n : tensor<2xf32>, tensor<2xf32>
  }
  return %r#0, %r#1 : tensor<2xf32>, tensor<4x2xf32>
}

// Reversed: iteration k reads and writes position length-1-k.
// CHECK-LABEL: func.func @reversed(
// CHECK:        mlax.while
// CHECK:        } do {
// CHECK-NEXT:   ^bb0(%[[K:.*]]: tensor<i32>, %{{.*}}: tensor<f32>, %{{.*}}: tensor<3xf32>):
// CHECK:          %[[IDX:.*]] = mlax.subtract %{{.*}}, %[[K]] : tensor<i32>
// CHECK:          mlax.dynamic_slice %arg1, starts(%[[IDX]]), sizes = [1]
// CHECK:          mlax.dynamic_update_slice %{{.*}}, %{{.*}}, starts(%[[IDX]])
func.func @reversed(%c: tensor<f32>, %xs: tensor<3xf32>) -> (tensor<f32>, tensor<3xf32>) {
  %r:2 = mlax.scan(%c) over(%xs) length = 3 reverse : (tensor<f32>, tensor<3xf32>) -> (tensor<f32>, tensor<3xf32>) {
  ^bb0(%a: tensor<f32>, %x: tensor<f32>):
    %n = mlax.multiply %a, %x : tensor<f32>
    mlax.return %n, %a : tensor<f32>, tensor<f32>
  }
  return %r#0, %r#1 : tensor<f32>, tensor<3xf32>
}

// unroll = 2 over 5 iterations: two trips of two bodies, then one more.
// CHECK-LABEL: func.func @unrolled(
// CHECK:        %[[W:.*]]:2 = mlax.while({{.*}}) {trip_count = 2 : i64}
// CHECK:          mlax.compare LT, %{{.*}}, %{{.*}}, SIGNED
// CHECK:        } do {
// CHECK-COUNT-2:  mlax.sine
// CHECK:          mlax.return
// CHECK:        }
// CHECK:        %[[LAST:.*]] = mlax.sine %[[W]]#1
// CHECK:        return %[[LAST]]
func.func @unrolled(%c: tensor<f32>) -> tensor<f32> {
  %r = mlax.scan(%c) over() length = 5 {unroll = 2 : i64} : (tensor<f32>) -> tensor<f32> {
  ^bb0(%a: tensor<f32>):
    %n = mlax.sine %a : tensor<f32>
    mlax.return %n : tensor<f32>
  }
  return %r : tensor<f32>
}

// unroll >= length: straight-line code, no loop; length 0: the init.
// CHECK-LABEL: func.func @fully_unrolled(
// CHECK-NOT:    mlax.while
// CHECK-COUNT-3: mlax.sine
// CHECK:        return
// CHECK-LABEL: func.func @empty(
// CHECK-NEXT:   %[[Z:.*]] = mlax.constant dense<0.000000e+00> : tensor<0xf32>
// CHECK-NEXT:   return %arg0, %[[Z]]
func.func @fully_unrolled(%c: tensor<f32>) -> tensor<f32> {
  %r = mlax.scan(%c) over() length = 3 {unroll = 8 : i64} : (tensor<f32>) -> tensor<f32> {
  ^bb0(%a: tensor<f32>):
    %n = mlax.sine %a : tensor<f32>
    mlax.return %n : tensor<f32>
  }
  return %r : tensor<f32>
}
func.func @empty(%c: tensor<f32>, %xs: tensor<0xf32>) -> (tensor<f32>, tensor<0xf32>) {
  %r:2 = mlax.scan(%c) over(%xs) length = 0 : (tensor<f32>, tensor<0xf32>) -> (tensor<f32>, tensor<0xf32>) {
  ^bb0(%a: tensor<f32>, %x: tensor<f32>):
    mlax.return %a, %x : tensor<f32>, tensor<f32>
  }
  return %r#0, %r#1 : tensor<f32>, tensor<0xf32>
}
