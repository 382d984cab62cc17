//===- MlaxShardingOps.td - sharding and collective ops -------*- tablegen -*-===//
//
// A sharding is a device mesh (`mesh`: the size of each axis; devices are
// the partitions 0..N-1 of the program, in the mesh's row-major order) and,
// per tensor dimension, the mesh axes that split it (`spec`, an array of
// i64 arrays, major axis first; mesh axes in no entry replicate). Export
// writes XLA's sharding strings (docs/sharding.md). Collectives name the
// mesh axes they run over (`axes`) and act on per-device (manual) values,
// between full_to_shard and shard_to_full.
//
//===----------------------------------------------------------------------===//

#ifndef MLAX_SHARDING_OPS_TD
#define MLAX_SHARDING_OPS_TD

class Mlax_ShardingOp<string mnemonic, list<Trait> traits = []> :
    Mlax_Op<mnemonic, traits # [Pure]> {
  let hasVerifier = 1;
}

def Mlax_ShardingConstraintOp : Mlax_ShardingOp<"sharding_constraint", [
    SameOperandsAndResultType, Mlax_JvpOpInterface, Mlax_LinearInOperands,
    Mlax_OwnTranspose, Mlax_OwnBatch]> {
  let summary = "Constrains the sharding of a value (lax.with_sharding_constraint)";
  let description = [{
    The identity; XLA's partitioner lays the value out as `spec` says,
    except along `unspecified_dims` (left to propagation). Linear: the JVP
    constrains the tangent, the transpose the cotangent; batching leaves the
    batch dimension unspecified. Exported as XLA's `Sharding` custom call.
  }];
  let arguments = (ins Mlax_Tensor:$operand, DenseI64ArrayAttr:$mesh,
      ArrayAttr:$spec, DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$unspecified_dims);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($result)";
}

def Mlax_FullToShardOp : Mlax_ShardingOp<"full_to_shard", [
    Mlax_JvpOpInterface, Mlax_LinearInOperands, Mlax_OwnTranspose, Mlax_OwnBatch]> {
  let summary = "Enters a manual (per-device) region: the local shard of a value";
  let description = [{
    The result is the block of the operand that each device holds under
    `spec` (dimension d divided by the product of the sizes of spec[d]'s
    axes), as shard_map's body sees its inputs. Transpose: the per-device
    cotangents are summed over the mesh axes the spec does not name (JAX's
    rule for replicated inputs), then reassembled by shard_to_full.
    Exported as XLA's Sharding + SPMDFullToShardShape custom calls.
  }];
  let arguments = (ins Mlax_Tensor:$operand, DenseI64ArrayAttr:$mesh, ArrayAttr:$spec);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` functional-type($operand, $result)";
}

def Mlax_ShardToFullOp : Mlax_ShardingOp<"shard_to_full", [
    Mlax_JvpOpInterface, Mlax_LinearInOperands, Mlax_OwnTranspose, Mlax_OwnBatch]> {
  let summary = "Leaves a manual region: the value whose shards the devices hold";
  let description = [{
    Reassembles per-device blocks laid out as `spec` says (shard_map's
    out_specs); along mesh axes the spec does not name the blocks are taken
    to be equal. Transpose: full_to_shard of the cotangent divided by the
    number of devices along those axes (the psum of the inputs' transposes
    adds them back). Exported as Sharding + SPMDShardToFullShape.
  }];
  let arguments = (ins Mlax_Tensor:$operand, DenseI64ArrayAttr:$mesh, ArrayAttr:$spec);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` functional-type($operand, $result)";
}

def Mlax_AllReduceOp : Mlax_ShardingOp<"all_reduce", [SameOperandsAndResultType,
    Elementwise, Mlax_BatchOpInterface, Mlax_OwnJvp, Mlax_OwnTranspose]> {
  let summary = "Reduces a value over the devices of mesh axes (lax.psum / pmax / pmin)";
  let description = [{
    Every device along `axes` gets the sum (ADD), MAX or MIN of their
    values (the enum of reduce_window's monoids).
    sum is linear and transposes to itself (with full_to_shard and
    shard_to_full's rules this is JAX's unchecked shard_map
    differentiation); max / min have JAX's JVP (the tangent of the
    selected device, shared equally on ties). Exported as
    stablehlo.all_reduce over the replica groups of `axes`.
  }];
  let arguments = (ins Mlax_Tensor:$operand, DenseI64ArrayAttr:$mesh,
      DenseI64ArrayAttr:$axes, Mlax_WindowReduction:$kind);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = "$kind $operand attr-dict `:` type($result)";
}

def Mlax_AllGatherOp : Mlax_ShardingOp<"all_gather", [Mlax_JvpOpInterface,
    Mlax_LinearInOperands, Mlax_OwnTranspose, Mlax_OwnBatch]> {
  let summary = "Concatenates the values of the devices of mesh axes (lax.all_gather, tiled)";
  let description = [{
    Along `all_gather_dim`, in the order of the devices' indices along
    `axes`. Transposes to reduce_scatter.
  }];
  let arguments = (ins Mlax_Tensor:$operand, DenseI64ArrayAttr:$mesh,
      DenseI64ArrayAttr:$axes, ConfinedAttr<I64Attr, [IntNonNegative]>:$all_gather_dim);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` functional-type($operand, $result)";
}

def Mlax_ReduceScatterOp : Mlax_ShardingOp<"reduce_scatter", [Mlax_JvpOpInterface,
    Mlax_LinearInOperands, Mlax_OwnTranspose, Mlax_OwnBatch]> {
  let summary = "Sums over mesh axes and keeps each device's block (lax.psum_scatter, tiled)";
  let description = [{
    Device i of the group gets block i of the sum along
    `scatter_dimension`. Transposes to all_gather.
  }];
  let arguments = (ins Mlax_Tensor:$operand, DenseI64ArrayAttr:$mesh,
      DenseI64ArrayAttr:$axes, ConfinedAttr<I64Attr, [IntNonNegative]>:$scatter_dimension);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` functional-type($operand, $result)";
}

def Mlax_CollectivePermuteOp : Mlax_ShardingOp<"collective_permute", [
    SameOperandsAndResultType, Elementwise, Mlax_BatchOpInterface,
    Mlax_JvpOpInterface, Mlax_LinearInOperands, Mlax_OwnTranspose]> {
  let summary = "Sends each device's value to another along mesh axes (lax.ppermute)";
  let description = [{
    `pairs` lists (source, target) indices along `axes`, flattened; a
    device no pair targets gets zeros. Transposes to the inverse
    permutation.
  }];
  let arguments = (ins Mlax_Tensor:$operand, DenseI64ArrayAttr:$mesh,
      DenseI64ArrayAttr:$axes, DenseI64ArrayAttr:$pairs);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($result)";
}

def Mlax_AllToAllOp : Mlax_ShardingOp<"all_to_all", [Mlax_JvpOpInterface,
    Mlax_LinearInOperands, Mlax_OwnTranspose, Mlax_OwnBatch]> {
  let summary = "Splits a dimension over the devices of mesh axes and concatenates along another (lax.all_to_all, tiled)";
  let description = [{
    Block j of `split_dimension` goes to device j of the group; the blocks a
    device receives are concatenated along `concat_dimension` in the
    senders' order. Transposes to the all_to_all with the dimensions
    swapped.
  }];
  let arguments = (ins Mlax_Tensor:$operand, DenseI64ArrayAttr:$mesh,
      DenseI64ArrayAttr:$axes, ConfinedAttr<I64Attr, [IntNonNegative]>:$split_dimension,
      ConfinedAttr<I64Attr, [IntNonNegative]>:$concat_dimension);
  let results = (outs Mlax_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` functional-type($operand, $result)";
}

def Mlax_AxisIndexOp : Mlax_ShardingOp<"axis_index", [Mlax_JvpOpInterface,
    Mlax_ZeroDerivative]> {
  let summary = "This device's index along mesh axes (lax.axis_index)";
  let description = [{
    An i32 scalar: the row-major index of the device's coordinates along
    `axes`. Exported as arithmetic on stablehlo.partition_id.
  }];
  let arguments = (ins DenseI64ArrayAttr:$mesh, DenseI64ArrayAttr:$axes);
  let results = (outs 0DTensorOf<[I32]>:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
}

#endif // MLAX_SHARDING_OPS_TD
