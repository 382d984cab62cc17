//===- LowerLinalg.cpp - linear algebra ops to platform kernels -----------===//
//
// On CPU the matrix ops call the LAPACK handlers jaxlib registers with
// XLA's FFI (`lapack_<s|d|c|z><routine>_ffi`): operands and results in
// column-major layout, the LAPACK character options as ui8 attributes in
// `mhlo.backend_config`, leading dimensions declared as batch dimensions
// through `num_batch_dims`. Elsewhere (and for element types LAPACK lacks)
// cholesky, triangular_solve and fft become StableHLO's ops.
//
//===----------------------------------------------------------------------===//
#include "passes/LowerLinalg.h"

#include "dialect/MlaxOps.h"
#include "dialect/rules/MatrixUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mlax;

namespace {
Attribute opaque(MLIRContext *ctx, StringRef data) {
  return OpaqueAttr::get(StringAttr::get(ctx, "stablehlo"), data,
                         NoneType::get(ctx));
}

/// LAPACK's type prefix (s, d, c, z), or "" where LAPACK has no routine.
StringRef lapackPrefix(Type type) {
  Type element = getElementTypeOrSelf(type);
  if (element.isF32())
    return "s";
  if (element.isF64())
    return "d";
  if (auto c = dyn_cast<ComplexType>(element))
    return c.getElementType().isF32()   ? "c"
           : c.getElementType().isF64() ? "z"
                                        : "";
  return "";
}

/// XLA's minor-to-major layout: column-major matrices (dimension rank-2
/// fastest) for the arrays with `matrixRank` dims, row-major otherwise.
Attribute layout(MLIRContext *ctx, RankedTensorType type, int64_t matrixRank) {
  int64_t rank = type.getRank();
  SmallVector<int64_t> order;
  if (rank == matrixRank && rank >= 2) {
    order = {rank - 2, rank - 1};
    for (int64_t d = rank - 3; d >= 0; --d)
      order.push_back(d);
  } else {
    for (int64_t d = rank - 1; d >= 0; --d)
      order.push_back(d);
  }
  auto indexType = RankedTensorType::get({rank}, IndexType::get(ctx));
  return DenseIntElementsAttr::get(indexType, order);
}

struct LapackCall {
  StringRef routine; // e.g. "potrf"
  SmallVector<Value> operands;
  SmallVector<Type> results;
  SmallVector<NamedAttribute> options; // mhlo.backend_config entries
  SmallVector<std::pair<int64_t, int64_t>> aliases; // (result, operand)
  int64_t batchDims = 0;
  int64_t matrixRank = 0; // rank of the matrix operands/results
};

/// Emits the custom call of `call` for element type `element`.
Operation *emitLapack(OpBuilder &b, Location loc, Type element,
                      LapackCall &call) {
  MLIRContext *ctx = b.getContext();
  OperationState state(loc, "stablehlo.custom_call");
  state.addOperands(call.operands);
  state.addTypes(call.results);
  std::string target =
      ("lapack_" + lapackPrefix(element) + call.routine + "_ffi").str();
  SmallVector<Attribute> operandLayouts, resultLayouts, aliases;
  for (Value v : call.operands)
    operandLayouts.push_back(
        layout(ctx, cast<RankedTensorType>(v.getType()), call.matrixRank));
  for (Type t : call.results)
    resultLayouts.push_back(
        layout(ctx, cast<RankedTensorType>(t), call.matrixRank));
  for (auto [result, operand] : call.aliases) {
    std::string tuple =
        call.results.size() > 1 ? "[" + std::to_string(result) + "]" : "[]";
    aliases.push_back(
        opaque(ctx, "output_operand_alias<output_tuple_indices = " + tuple +
                        ", operand_index = " + std::to_string(operand) +
                        ", operand_tuple_indices = []>"));
  }
  state.addAttribute("api_version", b.getI32IntegerAttr(1));
  state.addAttribute("backend_config", b.getStringAttr(""));
  state.addAttribute("call_target_name", b.getStringAttr(target));
  state.addAttribute("called_computations", b.getArrayAttr({}));
  state.addAttribute("has_side_effect", b.getBoolAttr(false));
  state.addAttribute("operand_layouts", b.getArrayAttr(operandLayouts));
  state.addAttribute("result_layouts", b.getArrayAttr(resultLayouts));
  if (!aliases.empty())
    state.addAttribute("output_operand_aliases", b.getArrayAttr(aliases));
  state.addAttribute("mhlo.backend_config", b.getDictionaryAttr(call.options));
  state.addAttribute(
      "mhlo.frontend_attributes",
      b.getDictionaryAttr(b.getNamedAttr(
          "num_batch_dims", b.getStringAttr(std::to_string(call.batchDims)))));
  return b.create(state);
}

NamedAttribute charOption(OpBuilder &b, StringRef name, char c) {
  return b.getNamedAttr(
      name, b.getIntegerAttr(b.getIntegerType(8, /*isSigned=*/false), c));
}

/// NaNs of `type` (NaN + NaN i for complex).
Value nansOf(RuleBuilder &r, RankedTensorType type) {
  if (auto c = dyn_cast<ComplexType>(type.getElementType())) {
    Value part = r.constant(type.clone(c.getElementType()), std::nan(""));
    return ComplexOp::create(r.builder(), r.getLoc(), type, part, part);
  }
  return r.constant(type, std::nan(""));
}

/// x where LAPACK's `info` (one i32 per matrix) is 0 (>= 0 with
/// `allowPositive`), NaN elsewhere.
Value nanWhereFailed(RuleBuilder &r, Value info, Value x,
                     bool allowPositive = false) {
  auto type = cast<RankedTensorType>(x.getType());
  auto infoType = cast<RankedTensorType>(info.getType());
  Value ok = r.compare(allowPositive ? ComparisonDirection::GE
                                     : ComparisonDirection::EQ,
                       info, r.zerosLike(info));
  SmallVector<int64_t> dims;
  for (int64_t d = 0; d < infoType.getRank(); ++d)
    dims.push_back(d);
  Value okFull = BroadcastInDimOp::create(
      r.builder(), r.getLoc(), type.clone(r.builder().getI1Type()), ok, dims);
  return r.select(okFull, x, nansOf(r, type));
}

RankedTensorType infoType(OpBuilder &b, RankedTensorType matrices) {
  return RankedTensorType::get(matrices.getShape().drop_back(2),
                               b.getI32Type());
}

void lowerCholesky(CholeskyOp op, bool cpu) {
  OpBuilder b(op);
  RuleBuilder r(b, op.getLoc());
  auto type = cast<RankedTensorType>(op.getType());
  Value factor;
  if (cpu && !lapackPrefix(type).empty()) {
    LapackCall call{"potrf", {op.getOperand()}, {type, infoType(b, type)}};
    call.options.push_back(charOption(b, "uplo", 'L'));
    call.aliases.push_back({0, 0});
    call.batchDims = type.getRank() - 2;
    call.matrixRank = type.getRank();
    Operation *potrf = emitLapack(b, op.getLoc(), type, call);
    factor = nanWhereFailed(r, potrf->getResult(1), potrf->getResult(0));
  } else {
    OperationState state(op.getLoc(), "stablehlo.cholesky");
    state.addOperands(op.getOperand());
    state.addTypes(type);
    state.addAttribute("lower", b.getBoolAttr(true));
    factor = b.create(state)->getResult(0);
  }
  // The factorization leaves the upper triangle as it was.
  op.replaceAllUsesWith(
      keepWhere(r, triangleMask(r, factor, /*lower=*/true, 0), factor));
  op.erase();
}

void lowerTriangularSolve(TriangularSolveOp op, bool cpu) {
  OpBuilder b(op);
  auto type = cast<RankedTensorType>(op.getType());
  Operation *solve;
  if (cpu && !lapackPrefix(type).empty()) {
    LapackCall call{"trsm", {op.getA(), op.getB()}, {type}};
    char trans = op.getTransposeA() == Transpose::NO_TRANSPOSE ? 'N'
                 : op.getTransposeA() == Transpose::TRANSPOSE  ? 'T'
                                                               : 'C';
    call.options = {charOption(b, "diag", op.getUnitDiagonal() ? 'U' : 'N'),
                    charOption(b, "side", op.getLeftSide() ? 'L' : 'R'),
                    charOption(b, "trans_x", trans),
                    charOption(b, "uplo", op.getLower() ? 'L' : 'U')};
    call.aliases.push_back({0, 1});
    call.batchDims = type.getRank() - 2;
    call.matrixRank = type.getRank();
    solve = emitLapack(b, op.getLoc(), type, call);
  } else {
    OperationState state(op.getLoc(), "stablehlo.triangular_solve");
    state.addOperands({op.getA(), op.getB()});
    state.addTypes(type);
    state.addAttribute("left_side", b.getBoolAttr(op.getLeftSide()));
    state.addAttribute("lower", b.getBoolAttr(op.getLower()));
    state.addAttribute("unit_diagonal", b.getBoolAttr(op.getUnitDiagonal()));
    state.addAttribute(
        "transpose_a",
        opaque(b.getContext(),
               ("transpose " + stringifyTranspose(op.getTransposeA())).str()));
    solve = b.create(state);
  }
  op.replaceAllUsesWith(solve->getResult(0));
  op.erase();
}

RankedTensorType matrixType(RankedTensorType like, int64_t rows, int64_t cols) {
  SmallVector<int64_t> shape(like.getShape().drop_back(2));
  shape.append({rows, cols});
  return like.clone(shape);
}

LapackCall matrixCall(StringRef routine, RankedTensorType a,
                      ArrayRef<Value> operands, ArrayRef<Type> results) {
  LapackCall call{routine, SmallVector<Value>(operands),
                  SmallVector<Type>(results)};
  call.batchDims = a.getRank() - 2;
  call.matrixRank = a.getRank();
  return call;
}

bool isComplex(Type type) {
  return isa<ComplexType>(getElementTypeOrSelf(type));
}

void lowerEigh(EighOp op) {
  OpBuilder b(op);
  RuleBuilder r(b, op.getLoc());
  auto a = cast<RankedTensorType>(op.getOperand().getType());
  LapackCall call =
      matrixCall(isComplex(a) ? "heevd" : "syevd", a, {op.getOperand()},
                 {a, op.getValues().getType(), infoType(b, a)});
  call.options = {charOption(b, "mode", 'V'),
                  charOption(b, "uplo", op.getLower() ? 'L' : 'U')};
  call.aliases.push_back({0, 0});
  Operation *evd = emitLapack(b, op.getLoc(), a, call);
  Value info = evd->getResult(2);
  op.getVectors().replaceAllUsesWith(
      nanWhereFailed(r, info, evd->getResult(0)));
  op.getValues().replaceAllUsesWith(nanWhereFailed(r, info, evd->getResult(1)));
  op.erase();
}

void lowerSvd(SvdOp op) {
  OpBuilder b(op);
  RuleBuilder r(b, op.getLoc());
  auto a = cast<RankedTensorType>(op.getOperand().getType());
  int64_t m = a.getDimSize(a.getRank() - 2), n = a.getShape().back();
  int64_t k = std::min(m, n);
  bool full = op.getFullMatrices();
  Type u = matrixType(a, m, full ? m : k), vt = matrixType(a, full ? n : k, n);
  LapackCall call =
      matrixCall("gesdd", a, {op.getOperand()},
                 {a, op.getResults()[0].getType(), u, vt, infoType(b, a)});
  char mode = !op.getComputeUv() ? 'N' : full ? 'A' : 'S';
  call.options = {charOption(b, "mode", mode)};
  call.aliases.push_back({0, 0});
  Operation *gesdd = emitLapack(b, op.getLoc(), a, call);
  Value info = gesdd->getResult(4);
  for (auto [i, res] : llvm::enumerate(op.getResults()))
    res.replaceAllUsesWith(nanWhereFailed(r, info, gesdd->getResult(1 + i)));
  op.erase();
}

/// geqrf: (R with the reflectors below it, taus).
Operation *emitGeqrf(OpBuilder &b, Location loc, Value x) {
  auto a = cast<RankedTensorType>(x.getType());
  int64_t m = a.getDimSize(a.getRank() - 2), n = a.getShape().back();
  SmallVector<int64_t> tauShape(a.getShape().drop_back(2));
  tauShape.push_back(std::min(m, n));
  LapackCall call = matrixCall("geqrf", a, {x}, {a, a.clone(tauShape)});
  call.aliases.push_back({0, 0});
  return emitLapack(b, loc, a, call);
}

/// orgqr / ungqr: the product of the reflectors in x's lower part.
Value emitHouseholderProduct(OpBuilder &b, Location loc, Value x, Value taus) {
  auto a = cast<RankedTensorType>(x.getType());
  LapackCall call =
      matrixCall(isComplex(a) ? "ungqr" : "orgqr", a, {x, taus}, {a});
  call.aliases.push_back({0, 0});
  return emitLapack(b, loc, a, call)->getResult(0);
}

Value sliceMatrix(RuleBuilder &r, Value x, int64_t rows, int64_t cols) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> start(rank, 0), limit(type.getShape()), strides(rank, 1);
  limit[rank - 2] = rows;
  limit[rank - 1] = cols;
  if (ArrayRef<int64_t>(limit) == type.getShape())
    return x;
  return SliceOp::create(r.builder(), r.getLoc(), x, start, limit, strides)
      .getResult();
}

void lowerQr(QrOp op) {
  // JAX's qr lowering: geqrf, then Q from the reflectors (padded to m
  // columns for a complete Q of a tall matrix).
  OpBuilder b(op);
  RuleBuilder r(b, op.getLoc());
  auto a = cast<RankedTensorType>(op.getOperand().getType());
  int64_t m = a.getDimSize(a.getRank() - 2), n = a.getShape().back();
  Operation *geqrf = emitGeqrf(b, op.getLoc(), op.getOperand());
  Value factors = geqrf->getResult(0), taus = geqrf->getResult(1);
  Value q, rr = factors;
  if (m < n) {
    q = emitHouseholderProduct(b, op.getLoc(), sliceMatrix(r, factors, m, m),
                               taus);
  } else if (op.getFullMatrices() && m > n) {
    int64_t rank = a.getRank();
    SmallVector<int64_t> lo(rank, 0), hi(rank, 0), interior(rank, 0);
    hi[rank - 1] = m - n;
    Value zero = r.constant(RankedTensorType::get({}, a.getElementType()), 0);
    Value padded =
        PadOp::create(b, op.getLoc(), factors, zero, lo, hi, interior);
    q = emitHouseholderProduct(b, op.getLoc(), padded, taus);
  } else {
    q = emitHouseholderProduct(b, op.getLoc(), factors, taus);
    rr = sliceMatrix(r, factors, n, n);
  }
  op.getQ().replaceAllUsesWith(q);
  op.getR().replaceAllUsesWith(
      keepWhere(r, triangleMask(r, rr, /*lower=*/false, 0), rr));
  op.erase();
}

/// The permutation that applying row swaps i <-> pivots[i] (i = 0, 1, ...)
/// makes of 0..m-1: a loop over the pivots, each step swapping two entries
/// of every batch element (found by comparing with an iota).
Value pivotsToPermutation(RuleBuilder &r, Value pivots, int64_t m) {
  OpBuilder &b = r.builder();
  Location loc = r.getLoc();
  auto pivType = cast<RankedTensorType>(pivots.getType());
  int64_t rank = pivType.getRank(), k = pivType.getShape().back();
  SmallVector<int64_t> permShape(pivType.getShape().drop_back());
  permShape.push_back(m);
  auto permType = pivType.clone(permShape);
  Value perm = IotaOp::create(b, loc, permType, rank - 1);
  if (k == 0)
    return perm;
  SmallVector<Value> init{r.i32(0), perm, pivots};
  SmallVector<Type> types(ValueRange(init).getTypes());
  SmallVector<Location> locs(types.size(), loc);
  auto loop = WhileOp::create(b, loc, types, init);
  loop.setTripCount(k);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&loop.getCond(), {}, types, locs);
    ReturnOp::create(b, loc,
                     ValueRange{r.compare(ComparisonDirection::LT,
                                          blk->getArgument(0), r.i32(k))});
  }
  {
    OpBuilder::InsertionGuard guard(b);
    Block *blk = b.createBlock(&loop.getBody(), {}, types, locs);
    Value i = blk->getArgument(0), p = blk->getArgument(1);
    Value piv = blk->getArgument(2);
    SmallVector<Value> starts(rank - 1, r.i32(0));
    starts.push_back(i);
    SmallVector<int64_t> sizes(permShape);
    sizes.back() = 1;
    auto column = [&](Value x) {
      return DynamicSliceOp::create(b, loc, x, starts, sizes).getResult();
    };
    Value pi = column(p), j = column(piv);
    auto colType = permType.clone(sizes);
    SmallVector<int64_t> dims;
    for (int64_t d = 0; d < rank; ++d)
      dims.push_back(d);
    auto spread = [&](Value col) {
      return BroadcastInDimOp::create(b, loc, permType, r.reshape(col, colType),
                                      dims)
          .getResult();
    };
    Value atJ =
        r.compare(ComparisonDirection::EQ,
                  IotaOp::create(b, loc, permType, rank - 1), spread(j));
    // p[j] before the swap, then p[j] = p[i] and p[i] = old p[j].
    Value pj = r.reduceSum(r.select(atJ, p, r.zerosLike(p)), {rank - 1});
    p = r.select(atJ, spread(pi), p);
    p = DynamicUpdateSliceOp::create(b, loc, p, r.reshape(pj, colType), starts)
            .getResult();
    ReturnOp::create(b, loc, ValueRange{r.add(i, r.i32(1)), p, piv});
  }
  return loop.getResult(1);
}

void lowerLu(LuOp op) {
  OpBuilder b(op);
  RuleBuilder r(b, op.getLoc());
  auto a = cast<RankedTensorType>(op.getOperand().getType());
  int64_t m = a.getDimSize(a.getRank() - 2);
  LapackCall call = matrixCall("getrf", a, {op.getOperand()},
                               {a, op.getPivots().getType(), infoType(b, a)});
  call.aliases.push_back({0, 0});
  Operation *getrf = emitLapack(b, op.getLoc(), a, call);
  // LAPACK's pivots are 1-based; info > 0 (a zero pivot) still factors.
  Value pivots = r.sub(getrf->getResult(1), r.onesLike(getrf->getResult(1)));
  op.getLu().replaceAllUsesWith(nanWhereFailed(r, getrf->getResult(2),
                                               getrf->getResult(0),
                                               /*allowPositive=*/true));
  op.getPivots().replaceAllUsesWith(pivots);
  op.getPermutation().replaceAllUsesWith(pivotsToPermutation(r, pivots, m));
  op.erase();
}

void lowerEig(EigOp op) {
  OpBuilder b(op);
  RuleBuilder r(b, op.getLoc());
  auto a = cast<RankedTensorType>(op.getOperand().getType());
  auto w = cast<RankedTensorType>(op.getResults()[0].getType());
  auto v = a.clone(w.getElementType());
  bool real = !isComplex(a);
  SmallVector<Type> types;
  if (real)
    types.append(2, w.clone(a.getElementType()));
  else
    types.push_back(w);
  types.append({v, v, infoType(b, a)});
  LapackCall call = matrixCall("geev", a, {op.getOperand()}, types);
  call.options = {charOption(b, "compute_left",
                             op.getComputeLeftEigenvectors() ? 'V' : 'N'),
                  charOption(b, "compute_right",
                             op.getComputeRightEigenvectors() ? 'V' : 'N')};
  Operation *geev = emitLapack(b, op.getLoc(), a, call);
  unsigned next = real ? 2 : 1;
  Value values = geev->getResult(0);
  if (real)
    values = ComplexOp::create(b, op.getLoc(), w, geev->getResult(0),
                               geev->getResult(1));
  Value info = geev->getResult(next + 2);
  SmallVector<Value> results{nanWhereFailed(r, info, values)};
  if (op.getComputeLeftEigenvectors())
    results.push_back(nanWhereFailed(r, info, geev->getResult(next)));
  if (op.getComputeRightEigenvectors())
    results.push_back(nanWhereFailed(r, info, geev->getResult(next + 1)));
  op.replaceAllUsesWith(results);
  op.erase();
}

void lowerSchur(SchurOp op) {
  OpBuilder b(op);
  RuleBuilder r(b, op.getLoc());
  auto a = cast<RankedTensorType>(op.getOperand().getType());
  auto values =
      RankedTensorType::get(a.getShape().drop_back(), a.getElementType());
  // gees: (T, Z, w (wr, wi for real), sdim, info).
  SmallVector<Type> types{a, a, values};
  if (!isComplex(a))
    types.push_back(values);
  types.append({infoType(b, a), infoType(b, a)});
  LapackCall call = matrixCall("gees", a, {op.getOperand()}, types);
  call.options = {
      charOption(b, "mode", op.getComputeSchurVectors() ? 'V' : 'N'),
      charOption(b, "sort", 'N')};
  call.aliases.push_back({0, 0});
  Operation *gees = emitLapack(b, op.getLoc(), a, call);
  Value info = gees->getResult(gees->getNumResults() - 1);
  for (auto [i, res] : llvm::enumerate(op.getResults()))
    res.replaceAllUsesWith(nanWhereFailed(r, info, gees->getResult(i)));
  op.erase();
}

void lowerFft(FftOp op) {
  OpBuilder b(op);
  OperationState state(op.getLoc(), "stablehlo.fft");
  state.addOperands(op.getOperand());
  state.addTypes(op.getType());
  state.addAttribute(
      "fft_type",
      opaque(b.getContext(),
             ("fft_type " + stringifyFftType(op.getFftType())).str()));
  state.addAttribute("fft_length", op.getFftLengthAttr());
  op.getResult().replaceAllUsesWith(b.create(state)->getResult(0));
  op.erase();
}
} // namespace

LogicalResult mlir::mlax::lowerLinalg(Operation *root, StringRef platform) {
  bool cpu = platform == "cpu" || platform == "host";
  root->walk([&](CholeskyOp op) { lowerCholesky(op, cpu); });
  root->walk([&](TriangularSolveOp op) { lowerTriangularSolve(op, cpu); });
  root->walk([&](FftOp op) { lowerFft(op); });
  // The decompositions StableHLO lacks: LAPACK only, for now.
  WalkResult unsupported = root->walk([&](Operation *op) {
    if (!isa<EighOp, SvdOp, QrOp, LuOp, GeqrfOp, HouseholderProductOp, EigOp>(
            op))
      return WalkResult::advance();
    if (!cpu || lapackPrefix(op->getOperand(0).getType()).empty()) {
      op->emitOpError("has no kernel for element type ")
          << getElementTypeOrSelf(op->getOperand(0).getType())
          << " on platform '" << platform
          << "' (LAPACK on CPU takes f32, f64, complex<f32>, complex<f64>)";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (unsupported.wasInterrupted())
    return failure();
  root->walk([&](EighOp op) { lowerEigh(op); });
  root->walk([&](SvdOp op) { lowerSvd(op); });
  root->walk([&](QrOp op) { lowerQr(op); });
  root->walk([&](LuOp op) { lowerLu(op); });
  root->walk([&](EigOp op) { lowerEig(op); });
  root->walk([&](SchurOp op) { lowerSchur(op); });
  root->walk([&](GeqrfOp op) {
    OpBuilder b(op);
    Operation *geqrf = emitGeqrf(b, op.getLoc(), op.getOperand());
    op.replaceAllUsesWith(geqrf->getResults());
    op.erase();
  });
  root->walk([&](HouseholderProductOp op) {
    OpBuilder b(op);
    op.getResult().replaceAllUsesWith(
        emitHouseholderProduct(b, op.getLoc(), op.getA(), op.getTaus()));
    op.erase();
  });
  return success();
}
