#ifndef MLAX_PYTHON_OPS_TD
#define MLAX_PYTHON_OPS_TD
include "dialect/MlaxOps.td"
#endif
