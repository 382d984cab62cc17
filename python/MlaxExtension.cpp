//===- MlaxExtension.cpp - nanobind module of the mlax dialect -------------===//
//
// Only C API types cross this boundary (MLIR is built without RTTI and
// exceptions; this translation unit has both).
//
//===----------------------------------------------------------------------===//
#include "capi/Mlax.h"
#include "mlir/Bindings/Python/Nanobind.h"
#include "mlir/Bindings/Python/NanobindAdaptors.h"
#include "nanobind/stl/string.h"
#include "nanobind/stl/vector.h"

#include <string>
#include <vector>

namespace nb = nanobind;

NB_MODULE(_mlaxDialects, m) {
  auto mlaxM = m.def_submodule("mlax");

  mlaxM.def(
      "register_dialects",
      [](MlirContext context) { mlaxRegisterAndLoadDialects(context); },
      nb::arg("context").none() = nb::none(),
      "Registers and loads the mlax and func dialects (with func's inliner "
      "extension) in a context.");

  mlaxM.def("register_passes", &mlaxRegisterPasses,
            "Registers the passes mlax pipelines use.");

  mlaxM.def(
      "build_jvp_function",
      [](MlirOperation func, std::vector<int64_t> active,
         const std::string &name) {
        MlirOperation result = mlaxBuildJvpFunction(
            func, active.data(), static_cast<intptr_t>(active.size()),
            mlirStringRefCreate(name.data(), name.size()));
        if (mlirOperationIsNull(result))
          throw nb::value_error("JVP function could not be built (see the "
                                "diagnostics above)");
        return result;
      },
      nb::arg("func"), nb::arg("active"), nb::arg("name"),
      "Builds the JVP function of a call-free func.func next to it.");

  mlaxM.def(
      "expand_transforms",
      [](MlirOperation module) {
        if (mlirLogicalResultIsFailure(mlaxExpandTransforms(module)))
          throw nb::value_error("mlax-expand-transforms failed (see the "
                                "diagnostics above)");
      },
      nb::arg("module"), "Runs mlax-expand-transforms on a module.");

  mlaxM.def(
      "export_stablehlo",
      [](MlirOperation module) {
        std::string text;
        MlirLogicalResult result = mlaxExportToStableHLO(
            module,
            [](MlirStringRef s, void *data) {
              static_cast<std::string *>(data)->append(s.data, s.length);
            },
            &text);
        if (mlirLogicalResultIsFailure(result))
          throw nb::value_error("module could not be exported to StableHLO "
                                "(see the diagnostics above)");
        return text;
      },
      nb::arg("module"), "Prints a module as StableHLO text.");
}
