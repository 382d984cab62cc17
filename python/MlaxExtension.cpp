//===- MlaxExtension.cpp - nanobind module of the mlax dialect
//-------------===//
//
// Only C API types cross this boundary (MLIR is built without RTTI and
// exceptions; this translation unit has both).
//
//===----------------------------------------------------------------------===//
#include "DispatchFunction.h"
#include "SlotUnflatten.h"
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
  mlaxPopulateSlotUnflatten(mlaxM);
  mlaxPopulateDispatchFunction(mlaxM);

  mlaxM.def(
      "register_dialects",
      [](MlirContext context) { mlaxRegisterAndLoadDialects(context); },
      nb::arg("context").none() = nb::none(),
      "Registers and loads the mlax and func dialects (with func's inliner "
      "extension) in a context.");

  mlaxM.def("register_passes", &mlaxRegisterPasses,
            "Registers the passes mlax pipelines use.");

  auto checked = [](MlirOperation result, const char *what) {
    if (mlirOperationIsNull(result))
      throw nb::value_error((std::string(what) +
                             " could not be built (see the diagnostics above)")
                                .c_str());
    return result;
  };
  mlaxM.def(
      "build_jvp_function",
      [checked](MlirOperation func, std::vector<int64_t> active,
                const std::string &name) {
        return checked(
            mlaxBuildJvpFunction(func, active.data(),
                                 static_cast<intptr_t>(active.size()),
                                 mlirStringRefCreate(name.data(), name.size())),
            "JVP function");
      },
      nb::arg("func"), nb::arg("active"), nb::arg("name"),
      "Builds the JVP function of a call-free func.func next to it.");
  mlaxM.def(
      "build_vjp_function",
      [checked](MlirOperation func, std::vector<int64_t> active,
                const std::string &name) {
        return checked(
            mlaxBuildVjpFunction(func, active.data(),
                                 static_cast<intptr_t>(active.size()),
                                 mlirStringRefCreate(name.data(), name.size())),
            "VJP function");
      },
      nb::arg("func"), nb::arg("active"), nb::arg("name"),
      "Builds the VJP function of a call-free func.func next to it.");
  mlaxM.def(
      "transpose_linear_function",
      [checked](MlirOperation func, int64_t numConstant,
                const std::string &name) {
        return checked(mlaxTransposeLinearFunction(
                           func, numConstant,
                           mlirStringRefCreate(name.data(), name.size())),
                       "transposed function");
      },
      nb::arg("func"), nb::arg("num_constant"), nb::arg("name"),
      "Transposes a func.func linear in its arguments after num_constant.");

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

  mlaxM.def(
      "structural_key",
      [](MlirOperation op) {
        std::string key;
        mlaxOperationStructuralKey(
            op,
            [](MlirStringRef s, void *data) {
              static_cast<std::string *>(data)->append(s.data, s.length);
            },
            &key);
        return nb::bytes(key.data(), key.size());
      },
      nb::arg("op"),
      "Bytes equal for two operations of this context exactly when their "
      "structure is (names, attributes, types, operands, regions; not "
      "locations): the executable cache's key.");
}
