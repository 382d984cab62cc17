//===- ConvRules.cpp - rules of mlax.convolution --------------------------===//
//
// JAX's rules (lax/convolution.py): the JVP of a bilinear op; the
// transposes for lhs (a convolution of the cotangent with the spatially
// reversed kernel, strides and lhs dilation swapped) and for rhs (a
// convolution of lhs with the cotangent, the groups turned into batch
// groups), with the paddings JAX derives; batching folds the batch
// dimension into the batch or feature dimensions of the convolution and
// splits it out of the result.
//
//===----------------------------------------------------------------------===//
#include "dialect/ConvParams.h"
#include "dialect/rules/RuleBuilder.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::mlax;

namespace {
int64_t dilate(int64_t n, int64_t d) { return n == 0 ? 0 : (n - 1) * d + 1; }

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

/// JAX's _reshape_axis_into: moves dimension `src` next to `dst` (an index
/// among the other dimensions) and merges it into it, src outermost.
Value reshapeAxisInto(RuleBuilder &r, int64_t src, int64_t dst, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> perm;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (i != src)
      perm.push_back(i);
  perm.insert(perm.begin() + dst, src);
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (i != src)
      shape.push_back(type.getDimSize(i));
  shape[dst] *= type.getDimSize(src);
  return r.reshape(r.transpose(x, perm), type.clone(shape));
}

/// JAX's _reshape_axis_out_of: splits dimension `src` into (size1, rest).
Value reshapeAxisOutOf(RuleBuilder &r, int64_t src, int64_t size1, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(type.getShape());
  int64_t size2 = shape[src] / size1;
  shape[src] = size2;
  shape.insert(shape.begin() + src, size1);
  return r.reshape(x, type.clone(shape));
}

SmallVector<int64_t> swapFirstTwo(ArrayRef<int64_t> spec) {
  SmallVector<int64_t> out(spec);
  std::swap(out[0], out[1]);
  return out;
}

SmallVector<int64_t> spatial(ArrayRef<int64_t> shape, ArrayRef<int64_t> spec) {
  SmallVector<int64_t> out;
  for (int64_t d : spec.drop_front(2))
    out.push_back(shape[d]);
  return out;
}
} // namespace

LogicalResult ConvolutionOp::jvp(OpBuilder &b, ArrayRef<Value> t,
                                 SmallVectorImpl<Value> &out) {
  RuleBuilder r(b, getLoc());
  ConvParams p = ConvParams::of(*this);
  Value fromLhs = t[0] ? p.build(b, getLoc(), t[0], getRhs()) : Value();
  Value fromRhs = t[1] ? p.build(b, getLoc(), getLhs(), t[1]) : Value();
  out.push_back(r.addTangents({fromLhs, fromRhs}));
  return success();
}

LogicalResult ConvolutionOp::transpose(OpBuilder &b, ArrayRef<Value> operands,
                                       ArrayRef<Value> ct,
                                       SmallVectorImpl<Value> &out) {
  bool lhsLinear = !operands[0], rhsLinear = !operands[1];
  if (lhsLinear && rhsLinear)
    return emitOpError("is not linear in its tangent operands (both operands "
                       "depend on tangents); it cannot be transposed");
  RuleBuilder r(b, getLoc());
  ConvParams p = ConvParams::of(*this);
  Value g = ct[0];
  int64_t s = p.numSpatial();
  ArrayRef<int64_t> lhsShape = shapeOf(getLhs()), rhsShape = shapeOf(getRhs());
  SmallVector<int64_t> inSp = spatial(lhsShape, p.lhsSpec);
  SmallVector<int64_t> winSp = spatial(rhsShape, p.rhsSpec);
  SmallVector<int64_t> outSp = spatial(shapeOf(g), p.outSpec);
  if (lhsLinear) {
    Value rhs = operands[1];
    ConvParams q = p;
    if (p.featureGroups > 1 || p.batchGroups > 1) {
      int64_t groups = std::max(p.featureGroups, p.batchGroups);
      rhs = reshapeAxisOutOf(r, p.rhsSpec[0], groups, rhs);
      rhs = reshapeAxisInto(r, p.rhsSpec[0], p.rhsSpec[1], rhs);
      q.featureGroups = groups;
    }
    q.batchGroups = 1;
    q.lhsSpec = p.outSpec;
    q.rhsSpec = swapFirstTwo(p.rhsSpec);
    q.outSpec = p.lhsSpec;
    q.strides = p.lhsDilation;
    q.lhsDilation = p.strides;
    q.padding.clear();
    for (int64_t i = 0; i < s; ++i) {
      int64_t lhsD = dilate(inSp[i], p.lhsDilation[i]);
      int64_t rhsD = dilate(winSp[i], p.rhsDilation[i]);
      int64_t outD = dilate(outSp[i], p.strides[i]);
      int64_t before = rhsD - p.padding[2 * i] - 1;
      q.padding.push_back(before);
      q.padding.push_back(lhsD + rhsD - 1 - outD - before);
    }
    SmallVector<int64_t> rev(p.rhsSpec.begin() + 2, p.rhsSpec.end());
    Value reversed = ReverseOp::create(b, getLoc(), rhs, rev);
    Value res = q.build(b, getLoc(), g, reversed);
    if (p.batchGroups > 1) {
      res = reshapeAxisOutOf(r, p.lhsSpec[1], p.batchGroups, res);
      res = reshapeAxisInto(r, p.lhsSpec[1], p.lhsSpec[0], res);
    }
    out.push_back(res);
  } else {
    out.push_back(Value());
  }
  if (rhsLinear) {
    if (cast<RankedTensorType>(g.getType()).getNumElements() == 0) {
      out.push_back(r.zerosLike(getRhs()));
      return success();
    }
    ConvParams q = p;
    if (p.batchGroups > 1) {
      q.featureGroups = p.batchGroups;
      q.batchGroups = 1;
    } else if (p.featureGroups > 1) {
      q.batchGroups = p.featureGroups;
      q.featureGroups = 1;
    }
    q.lhsSpec = swapFirstTwo(p.lhsSpec);
    q.rhsSpec = swapFirstTwo(p.outSpec);
    q.outSpec = swapFirstTwo(p.rhsSpec);
    q.strides = p.rhsDilation;
    q.rhsDilation = p.strides;
    q.padding.clear();
    for (int64_t i = 0; i < s; ++i) {
      int64_t lhsD = dilate(inSp[i], p.lhsDilation[i]);
      int64_t rhsD = dilate(winSp[i], p.rhsDilation[i]);
      int64_t outD = dilate(outSp[i], p.strides[i]);
      int64_t lo = p.padding[2 * i];
      q.padding.push_back(lo);
      q.padding.push_back((outD - lhsD) + (rhsD - lo - 1));
    }
    out.push_back(q.build(b, getLoc(), operands[0], g));
  } else {
    out.push_back(Value());
  }
  return success();
}

LogicalResult ConvolutionOp::batch(OpBuilder &b, ArrayRef<Value> operands,
                                   ArrayRef<int64_t> dims, int64_t n,
                                   SmallVectorImpl<Value> &results,
                                   SmallVectorImpl<int64_t> &resultDims) {
  RuleBuilder r(b, getLoc());
  ConvParams p = ConvParams::of(*this);
  Value lhs = operands[0], rhs = operands[1];
  int64_t lb = dims[0], rb = dims[1];
  if (lb >= 0 && rb >= 0) {
    Value newLhs;
    ConvParams q = p;
    if (p.batchGroups > 1) {
      newLhs = reshapeAxisInto(r, lb, p.lhsSpec[0], lhs);
      q.batchGroups *= n;
    } else {
      newLhs = reshapeAxisInto(r, lb, p.lhsSpec[1], lhs);
      q.featureGroups *= n;
    }
    Value newRhs = reshapeAxisInto(r, rb, p.rhsSpec[0], rhs);
    Value res = q.build(b, getLoc(), newLhs, newRhs);
    results.push_back(reshapeAxisOutOf(r, p.outSpec[1], n, res));
    resultDims.push_back(p.outSpec[1]);
    return success();
  }
  if (lb >= 0) {
    Value newLhs;
    if (p.batchGroups == 1) {
      newLhs = reshapeAxisInto(r, lb, p.lhsSpec[0], lhs);
    } else {
      newLhs = reshapeAxisOutOf(r, p.lhsSpec[0] + (lb <= p.lhsSpec[0]),
                                p.batchGroups, lhs);
      newLhs = reshapeAxisInto(r, lb + (p.lhsSpec[0] < lb), p.lhsSpec[0] + 1,
                               newLhs);
      newLhs = reshapeAxisInto(r, p.lhsSpec[0], p.lhsSpec[0], newLhs);
    }
    Value res = p.build(b, getLoc(), newLhs, rhs);
    results.push_back(reshapeAxisOutOf(r, p.outSpec[0], n, res));
    resultDims.push_back(p.outSpec[0]);
    return success();
  }
  if (p.featureGroups == 1 && p.batchGroups == 1) {
    Value newRhs = reshapeAxisInto(r, rb, p.rhsSpec[0], rhs);
    Value res = p.build(b, getLoc(), lhs, newRhs);
    results.push_back(reshapeAxisOutOf(r, p.outSpec[1], n, res));
    resultDims.push_back(p.outSpec[1]);
    return success();
  }
  // Groups must stay outermost in the output features: factor them out of
  // rhs, fold the batch into what remains, and undo it on the result.
  int64_t groups = p.featureGroups > 1 ? p.featureGroups : p.batchGroups;
  Value newRhs =
      reshapeAxisOutOf(r, p.rhsSpec[0] + (rb <= p.rhsSpec[0]), groups, rhs);
  newRhs =
      reshapeAxisInto(r, rb + (p.rhsSpec[0] < rb), p.rhsSpec[0] + 1, newRhs);
  newRhs = reshapeAxisInto(r, p.rhsSpec[0], p.rhsSpec[0], newRhs);
  Value res = p.build(b, getLoc(), lhs, newRhs);
  res = reshapeAxisOutOf(r, p.outSpec[1], groups, res);
  res = reshapeAxisOutOf(r, p.outSpec[1] + 1, n, res);
  res = reshapeAxisInto(r, p.outSpec[1], p.outSpec[1] + 1, res);
  results.push_back(res);
  resultDims.push_back(p.outSpec[1]);
  return success();
}
