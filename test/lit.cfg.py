# lit configuration for mlax's FileCheck tests.
import os

import lit.formats

config.name = "MLAX"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mlax_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "python"]

for tool_dir in (config.mlax_tools_dir, config.llvm_tools_dir):
    config.environment["PATH"] = os.pathsep.join((tool_dir, config.environment.get("PATH", "")))
