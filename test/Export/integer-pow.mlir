// RUN: mlax-translate --mlax-to-stablehlo %s | FileCheck %s

// integer_pow has no StableHLO op: it is exported as JAX lowers it, by
// repeated squaring (x^5 = x * (x^2)^2) and 1 / x^-n for negative n.

// CHECK-LABEL: func.func @pow5
// CHECK-NEXT:   %[[X2:.*]] = "stablehlo.multiply"(%arg0, %arg0)
// CHECK-NEXT:   %[[X4:.*]] = "stablehlo.multiply"(%[[X2]], %[[X2]])
// CHECK-NEXT:   %[[X5:.*]] = "stablehlo.multiply"(%arg0, %[[X4]])
// CHECK-NEXT:   return %[[X5]]
func.func @pow5(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = mlax.integer_pow %x, 5 : tensor<3xf32>
  return %0 : tensor<3xf32>
}

// CHECK-LABEL: func.func @pow_neg3
// CHECK-NEXT:   %[[X2:.*]] = "stablehlo.multiply"(%arg0, %arg0)
// CHECK-NEXT:   %[[X3:.*]] = "stablehlo.multiply"(%arg0, %[[X2]])
// CHECK-NEXT:   %[[ONE:.*]] = "stablehlo.constant"() {value = dense<1.000000e+00> : tensor<f64>}
// CHECK-NEXT:   %[[R:.*]] = "stablehlo.divide"(%[[ONE]], %[[X3]])
// CHECK-NEXT:   return %[[R]]
func.func @pow_neg3(%x: tensor<f64>) -> tensor<f64> {
  %0 = mlax.integer_pow %x, -3 : tensor<f64>
  return %0 : tensor<f64>
}

// CHECK-LABEL: func.func @pow0
// CHECK-NEXT:   %[[ONE:.*]] = "stablehlo.constant"() {value = dense<1> : tensor<2xi32>}
// CHECK-NEXT:   return %[[ONE]]
func.func @pow0(%x: tensor<2xi32>) -> tensor<2xi32> {
  %0 = mlax.integer_pow %x, 0 : tensor<2xi32>
  return %0 : tensor<2xi32>
}
