"""Smoke test of the runtime module alone: it holds all private jaxlib use."""

import numpy as np
from mlax._src import runtime

ADD = """
func.func @main(%a: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<3xf32> {
  %0 = "stablehlo.add"(%a, %b) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
"""


def test_compile_execute_roundtrip():
    exe = runtime.compile(ADD, num_outputs=1)
    a = runtime.to_device(np.array([1, 2, 3], np.float32))
    b = runtime.to_device(np.array([10, 20, 30], np.float32))
    (out,) = exe.execute([a, b])
    assert runtime.is_buffer(out)
    np.testing.assert_array_equal(runtime.to_host(out), [11, 22, 33])


def test_device_and_backend():
    assert runtime.backend().platform in ("cpu", "gpu", "cuda", "rocm", "tpu")
    assert runtime.default_device() in runtime.backend().local_devices()


def test_to_device_preserves_dtype_and_shape():
    for dt in (np.float32, np.int32, np.bool_, np.uint8, np.float16):
        x = np.arange(6).reshape(2, 3).astype(dt)
        buf = runtime.to_device(x)
        assert buf.shape == (2, 3) and np.dtype(buf.dtype) == np.dtype(dt)
        np.testing.assert_array_equal(runtime.to_host(buf), x)
