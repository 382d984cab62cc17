//===- DispatchFunction.h - the C front of mlax's jitted functions --------===//
#ifndef MLAX_PYTHON_DISPATCHFUNCTION_H
#define MLAX_PYTHON_DISPATCHFUNCTION_H

#include "nanobind/nanobind.h"

/// Adds the `DispatchFunction` type to `m`.
void mlaxPopulateDispatchFunction(nanobind::module_ &m);

#endif // MLAX_PYTHON_DISPATCHFUNCTION_H
