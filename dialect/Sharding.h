//===- Sharding.h - device meshes, shardings and replica groups -*- C++ -*-===//
//
// The one place that turns the `mesh` / `spec` / `axes` attributes of the
// sharding ops (and of `mlax.sharding` function attributes) into device
// positions: XLA sharding strings, replica groups, axis indices.
//
//===----------------------------------------------------------------------===//
#ifndef MLAX_DIALECT_SHARDING_H
#define MLAX_DIALECT_SHARDING_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/SmallVector.h"
#include <string>

namespace mlir::mlax {

/// A mesh (axis sizes; device positions in row-major order) and, per
/// tensor dimension, the mesh axes splitting it (major first).
struct MeshSharding {
  SmallVector<int64_t> mesh;
  SmallVector<SmallVector<int64_t>> spec;

  /// Reads `spec` for a tensor of `rank`; diagnostics through `emitError`.
  static FailureOr<MeshSharding>
  get(ArrayRef<int64_t> mesh, Attribute spec, int64_t rank,
      function_ref<InFlightDiagnostic()> emitError);
  /// The sharding of a verified op's `mesh` / `spec` attributes.
  static MeshSharding of(ArrayRef<int64_t> mesh, ArrayAttr spec);
  int64_t numDevices() const;
  /// How many blocks dimension `dim` is split into.
  int64_t shards(unsigned dim) const;
  /// Mesh axes no dimension names (the value is replicated along them).
  SmallVector<int64_t> unmentionedAxes() const;
  /// XLA's sharding string ("{replicated}", "{devices=[...]...}").
  std::string hloString() const;
};

/// Checks that `mesh` sizes are positive and `axes` distinct axes of it.
LogicalResult verifyMeshAxes(ArrayRef<int64_t> mesh, ArrayRef<int64_t> axes,
                             function_ref<InFlightDiagnostic()> emitError);
/// The number of devices along `axes`.
int64_t groupSize(ArrayRef<int64_t> mesh, ArrayRef<int64_t> axes);
/// The device positions of each group of devices that differ only along
/// `axes`, each ordered by the row-major index along `axes`.
SmallVector<SmallVector<int64_t>> replicaGroups(ArrayRef<int64_t> mesh,
                                                ArrayRef<int64_t> axes);
/// A spec attribute from per-dimension axis lists.
ArrayAttr specAttr(Builder &b, ArrayRef<SmallVector<int64_t>> spec);
/// `spec` with an unsplit dimension inserted at `dim` (batching).
ArrayAttr insertUnsplitDim(ArrayAttr spec, int64_t dim);
/// `type` with a dimension of size `n` inserted at `dim`.
RankedTensorType insertDim(Type type, int64_t dim, int64_t n);

} // namespace mlir::mlax

#endif // MLAX_DIALECT_SHARDING_H
