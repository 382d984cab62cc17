//===- MlaxInterfaces.cpp - transformation rule interfaces
//-----------------===//
#include "dialect/MlaxInterfaces.h"

#include "dialect/MlaxInterfaces.cpp.inc"
