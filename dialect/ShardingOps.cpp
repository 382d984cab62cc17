//===- ShardingOps.cpp - sharding helpers and verifiers of the sharding ops
//===//
#include "dialect/MlaxOps.h"
#include "dialect/Sharding.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::mlax;

//===----------------------------------------------------------------------===//
// Meshes and shardings
//===----------------------------------------------------------------------===//

LogicalResult
mlir::mlax::verifyMeshAxes(ArrayRef<int64_t> mesh, ArrayRef<int64_t> axes,
                           function_ref<InFlightDiagnostic()> emitError) {
  if (mesh.empty())
    return emitError() << "mesh must have at least one axis";
  // XLA's device assignments are dense tables: bound the mesh (which also
  // keeps the products below from overflowing).
  constexpr int64_t kMaxDevices = int64_t(1) << 20;
  int64_t total = 1;
  for (int64_t size : mesh) {
    if (size < 1)
      return emitError() << "mesh axis sizes must be positive, got " << size;
    if (size > kMaxDevices || (total *= size) > kMaxDevices)
      return emitError() << "mesh has more than " << kMaxDevices << " devices";
  }
  SmallVector<bool> seen(mesh.size(), false);
  for (int64_t a : axes) {
    if (a < 0 || a >= static_cast<int64_t>(mesh.size()))
      return emitError() << "mesh axis " << a << " out of range for a mesh of "
                         << mesh.size() << " axes";
    if (seen[a])
      return emitError() << "mesh axis " << a << " is used more than once";
    seen[a] = true;
  }
  return success();
}

FailureOr<MeshSharding>
MeshSharding::get(ArrayRef<int64_t> mesh, Attribute specAttr, int64_t rank,
                  function_ref<InFlightDiagnostic()> emitError) {
  auto spec = dyn_cast_or_null<ArrayAttr>(specAttr);
  if (!spec)
    return emitError() << "spec must be an array of i64 arrays";
  if (static_cast<int64_t>(spec.size()) != rank)
    return emitError() << "spec has " << spec.size()
                       << " entries for a tensor of rank " << rank;
  MeshSharding s;
  s.mesh.assign(mesh.begin(), mesh.end());
  SmallVector<int64_t> all;
  for (Attribute entry : spec) {
    auto axes = dyn_cast<DenseI64ArrayAttr>(entry);
    if (!axes)
      return emitError() << "spec entries must be i64 arrays";
    s.spec.emplace_back(axes.asArrayRef());
    llvm::append_range(all, axes.asArrayRef());
  }
  if (failed(verifyMeshAxes(mesh, all, emitError)))
    return failure();
  return s;
}

MeshSharding MeshSharding::of(ArrayRef<int64_t> mesh, ArrayAttr spec) {
  MeshSharding s;
  s.mesh.assign(mesh.begin(), mesh.end());
  for (Attribute entry : spec)
    s.spec.emplace_back(cast<DenseI64ArrayAttr>(entry).asArrayRef());
  return s;
}

int64_t mlir::mlax::groupSize(ArrayRef<int64_t> mesh, ArrayRef<int64_t> axes) {
  int64_t n = 1;
  for (int64_t a : axes)
    n *= mesh[a];
  return n;
}

int64_t MeshSharding::numDevices() const {
  int64_t n = 1;
  for (int64_t size : mesh)
    n *= size;
  return n;
}

int64_t MeshSharding::shards(unsigned dim) const {
  return groupSize(mesh, spec[dim]);
}

SmallVector<int64_t> MeshSharding::unmentionedAxes() const {
  SmallVector<bool> used(mesh.size(), false);
  for (const auto &axes : spec)
    for (int64_t a : axes)
      used[a] = true;
  SmallVector<int64_t> out;
  for (int64_t a = 0, e = mesh.size(); a < e; ++a)
    if (!used[a])
      out.push_back(a);
  return out;
}

namespace {
/// Row-major strides of the mesh.
SmallVector<int64_t> meshStrides(ArrayRef<int64_t> mesh) {
  SmallVector<int64_t> strides(mesh.size(), 1);
  for (int64_t a = static_cast<int64_t>(mesh.size()) - 2; a >= 0; --a)
    strides[a] = strides[a + 1] * mesh[a + 1];
  return strides;
}

/// Adds to `coords` the coordinates along `axes` of row-major index `i`.
void scatterIndex(ArrayRef<int64_t> mesh, ArrayRef<int64_t> axes, int64_t i,
                  SmallVectorImpl<int64_t> &coords) {
  for (int64_t k = static_cast<int64_t>(axes.size()) - 1; k >= 0; --k) {
    coords[axes[k]] = i % mesh[axes[k]];
    i /= mesh[axes[k]];
  }
}
} // namespace

std::string MeshSharding::hloString() const {
  SmallVector<int64_t> tiles;
  bool split = false;
  for (unsigned d = 0; d < spec.size(); ++d) {
    tiles.push_back(shards(d));
    split |= tiles.back() > 1;
  }
  if (!split)
    return "{replicated}";
  // The tile assignment lists devices tile by tile (row-major over the
  // tiles, then over the replicas along the unmentioned axes).
  SmallVector<int64_t> rest = unmentionedAxes();
  int64_t replicas = groupSize(mesh, rest);
  SmallVector<int64_t> strides = meshStrides(mesh);
  SmallVector<int64_t> dims(tiles);
  if (replicas > 1)
    dims.push_back(replicas);
  SmallVector<int64_t> devices;
  int64_t total = numDevices();
  SmallVector<int64_t> coords(mesh.size(), 0), index(dims.size(), 0);
  for (int64_t n = 0; n < total; ++n) {
    for (unsigned d = 0; d < spec.size(); ++d)
      scatterIndex(mesh, spec[d], index[d], coords);
    if (replicas > 1)
      scatterIndex(mesh, rest, index.back(), coords);
    int64_t pos = 0;
    for (unsigned a = 0; a < mesh.size(); ++a)
      pos += coords[a] * strides[a];
    devices.push_back(pos);
    for (int64_t d = static_cast<int64_t>(dims.size()) - 1; d >= 0; --d) {
      if (++index[d] < dims[d])
        break;
      index[d] = 0;
    }
  }
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "{devices=[";
  llvm::interleave(dims, os, ",");
  os << "]";
  llvm::interleave(devices, os, ",");
  if (replicas > 1)
    os << " last_tile_dim_replicate";
  os << "}";
  return s;
}

SmallVector<SmallVector<int64_t>>
mlir::mlax::replicaGroups(ArrayRef<int64_t> mesh, ArrayRef<int64_t> axes) {
  SmallVector<int64_t> others;
  for (int64_t a = 0, e = mesh.size(); a < e; ++a)
    if (!llvm::is_contained(axes, a))
      others.push_back(a);
  SmallVector<int64_t> strides = meshStrides(mesh);
  int64_t size = groupSize(mesh, axes), count = groupSize(mesh, others);
  SmallVector<SmallVector<int64_t>> groups;
  SmallVector<int64_t> coords(mesh.size(), 0);
  for (int64_t g = 0; g < count; ++g) {
    scatterIndex(mesh, others, g, coords);
    SmallVector<int64_t> group;
    for (int64_t i = 0; i < size; ++i) {
      scatterIndex(mesh, axes, i, coords);
      int64_t pos = 0;
      for (unsigned a = 0; a < mesh.size(); ++a)
        pos += coords[a] * strides[a];
      group.push_back(pos);
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

ArrayAttr mlir::mlax::specAttr(Builder &b,
                               ArrayRef<SmallVector<int64_t>> spec) {
  SmallVector<Attribute> entries;
  for (const auto &axes : spec)
    entries.push_back(b.getDenseI64ArrayAttr(axes));
  return b.getArrayAttr(entries);
}

ArrayAttr mlir::mlax::insertUnsplitDim(ArrayAttr spec, int64_t dim) {
  SmallVector<Attribute> entries(spec.getValue());
  Builder b(spec.getContext());
  entries.insert(entries.begin() + dim, b.getDenseI64ArrayAttr({}));
  return b.getArrayAttr(entries);
}

RankedTensorType mlir::mlax::insertDim(Type type, int64_t dim, int64_t n) {
  auto t = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(t.getShape());
  shape.insert(shape.begin() + dim, n);
  return RankedTensorType::get(shape, t.getElementType());
}

//===----------------------------------------------------------------------===//
// Verifiers
//===----------------------------------------------------------------------===//

namespace {
/// Checks `spec` against the operand (global) and the result (local) type
/// of full_to_shard / shard_to_full.
LogicalResult verifyShardShapes(Operation *op, ArrayRef<int64_t> mesh,
                                Attribute spec, Type globalType,
                                Type localType) {
  auto global = cast<RankedTensorType>(globalType);
  auto local = cast<RankedTensorType>(localType);
  auto emit = [&] { return op->emitOpError(); };
  auto s = MeshSharding::get(mesh, spec, global.getRank(), emit);
  if (failed(s))
    return failure();
  if (global.getElementType() != local.getElementType() ||
      global.getRank() != local.getRank())
    return op->emitOpError("the global and per-device types must have the "
                           "same element type and rank, got ")
           << global << " and " << local;
  for (int64_t d = 0; d < global.getRank(); ++d) {
    int64_t n = s->shards(d);
    if (global.getDimSize(d) % n != 0)
      return op->emitOpError("dimension ")
             << d << " of size " << global.getDimSize(d)
             << " is not divisible by the " << n << " devices splitting it";
    if (local.getDimSize(d) != global.getDimSize(d) / n)
      return op->emitOpError("per-device dimension ")
             << d << " must be " << global.getDimSize(d) / n << ", got "
             << local.getDimSize(d);
  }
  return success();
}

/// Checks a collective's axes; `size` gets the number of devices along them.
LogicalResult verifyCollective(Operation *op, ArrayRef<int64_t> mesh,
                               ArrayRef<int64_t> axes, int64_t &size) {
  if (axes.empty())
    return op->emitOpError("must run over at least one mesh axis");
  if (failed(verifyMeshAxes(mesh, axes, [&] { return op->emitOpError(); })))
    return failure();
  size = groupSize(mesh, axes);
  return success();
}

/// Checks that `result` is `operand` with dimension `dim` scaled by
/// `mul / div` (and `dim2` by `div2 / mul2` for all_to_all).
LogicalResult verifyResized(Operation *op, Type operandType, Type resultType,
                            int64_t dim, int64_t num, int64_t den,
                            int64_t dim2 = -1, int64_t num2 = 1,
                            int64_t den2 = 1) {
  auto in = cast<RankedTensorType>(operandType);
  auto out = cast<RankedTensorType>(resultType);
  if (dim >= in.getRank() || dim2 >= in.getRank())
    return op->emitOpError("dimension out of range for rank ") << in.getRank();
  SmallVector<int64_t> shape(in.getShape());
  if (shape[dim] % den != 0)
    return op->emitOpError("dimension ") << dim << " of size " << shape[dim]
                                         << " is not divisible by " << den;
  shape[dim] = shape[dim] / den * num;
  if (dim2 >= 0) {
    if (shape[dim2] % den2 != 0)
      return op->emitOpError("dimension ") << dim2 << " of size " << shape[dim2]
                                           << " is not divisible by " << den2;
    shape[dim2] = shape[dim2] / den2 * num2;
  }
  auto expected = RankedTensorType::get(shape, in.getElementType());
  if (out != expected)
    return op->emitOpError("result type must be ")
           << expected << ", got " << out;
  return success();
}
} // namespace

LogicalResult ShardingConstraintOp::verify() {
  auto type = cast<RankedTensorType>(getType());
  if (failed(MeshSharding::get(getMesh(), getSpec(), type.getRank(),
                               [&] { return emitOpError(); })))
    return failure();
  for (int64_t d : getUnspecifiedDims())
    if (d < 0 || d >= type.getRank())
      return emitOpError("unspecified dimension ")
             << d << " out of range for rank " << type.getRank();
  return success();
}

LogicalResult FullToShardOp::verify() {
  return verifyShardShapes(*this, getMesh(), getSpec(), getOperand().getType(),
                           getType());
}

LogicalResult ShardToFullOp::verify() {
  return verifyShardShapes(*this, getMesh(), getSpec(), getType(),
                           getOperand().getType());
}

LogicalResult AllReduceOp::verify() {
  int64_t size;
  return verifyCollective(*this, getMesh(), getAxes(), size);
}

LogicalResult AllGatherOp::verify() {
  int64_t size;
  if (failed(verifyCollective(*this, getMesh(), getAxes(), size)))
    return failure();
  return verifyResized(*this, getOperand().getType(), getType(),
                       getAllGatherDim(), size, 1);
}

LogicalResult ReduceScatterOp::verify() {
  int64_t size;
  if (failed(verifyCollective(*this, getMesh(), getAxes(), size)))
    return failure();
  return verifyResized(*this, getOperand().getType(), getType(),
                       getScatterDimension(), 1, size);
}

LogicalResult AllToAllOp::verify() {
  int64_t size;
  if (failed(verifyCollective(*this, getMesh(), getAxes(), size)))
    return failure();
  int64_t split = getSplitDimension(), concat = getConcatDimension();
  if (split == concat) {
    auto in = cast<RankedTensorType>(getOperand().getType());
    if (split < in.getRank() && in.getDimSize(split) % size != 0)
      return emitOpError("dimension ")
             << split << " of size " << in.getDimSize(split)
             << " is not divisible by " << size;
    return verifyResized(*this, in, getType(), split, 1, 1);
  }
  return verifyResized(*this, getOperand().getType(), getType(), split, 1, size,
                       concat, size, 1);
}

LogicalResult CollectivePermuteOp::verify() {
  int64_t size;
  if (failed(verifyCollective(*this, getMesh(), getAxes(), size)))
    return failure();
  ArrayRef<int64_t> pairs = getPairs();
  if (pairs.size() % 2 != 0)
    return emitOpError("pairs must hold (source, target) pairs, got ")
           << pairs.size() << " entries";
  SmallVector<bool> sources(size, false), targets(size, false);
  for (unsigned i = 0; i < pairs.size(); i += 2) {
    for (int64_t v : {pairs[i], pairs[i + 1]})
      if (v < 0 || v >= size)
        return emitOpError("device index ")
               << v << " out of range for " << size << " devices";
    if (sources[pairs[i]] || targets[pairs[i + 1]])
      return emitOpError("each device may send and receive at most once "
                         "(device ")
             << (sources[pairs[i]] ? pairs[i] : pairs[i + 1]) << ")";
    sources[pairs[i]] = targets[pairs[i + 1]] = true;
  }
  return success();
}

LogicalResult AxisIndexOp::verify() {
  int64_t size;
  return verifyCollective(*this, getMesh(), getAxes(), size);
}
