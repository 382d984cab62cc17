//===- SlotUnflatten.h - C constructors for pytree unflatten --------------===//
#ifndef MLAX_PYTHON_SLOTUNFLATTEN_H
#define MLAX_PYTHON_SLOTUNFLATTEN_H

#include "nanobind/nanobind.h"

/// Adds `slot_unflattener(cls, aux_slot, child_slots)` to `m`.
void mlaxPopulateSlotUnflatten(nanobind::module_ &m);

#endif // MLAX_PYTHON_SLOTUNFLATTEN_H
