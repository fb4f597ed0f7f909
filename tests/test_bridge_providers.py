"""Where the bridge runs, chosen at run time (edgealign._providers.choose).

The device lists are built by hand here: no machine running the suite has an NPU. The
choice reads only what onnxruntime's OrtEpDevice carries (provider name, device type); the
real devices of this machine go through the same function in test_bridge_static.py.
"""

import logging

import pytest

from edgealign._providers import PROVIDER_ENV, Device, choose, devices, summary

CPU = "CPUExecutionProvider"
OV = "OpenVINOExecutionProvider"
HERE = [Device(CPU, "CPU", handle=object()), Device(OV, "CPU", "Intel", "CPU", object()),
        Device(OV, "GPU", "Intel", "GPU", object())]
OV_NPU = Device(OV, "NPU", "Intel", "NPU", object())
QNN_NPU = Device("QNNExecutionProvider", "NPU", "Qualcomm", handle=object())


@pytest.fixture(autouse=True)
def _no_override(monkeypatch):
    monkeypatch.delenv(PROVIDER_ENV, raising=False)


def test_an_npu_is_preferred_and_runs_the_static_graph():
    choice = choose([*HERE, OV_NPU], [CPU])
    assert (choice.device, choice.static, choice.providers) == (OV_NPU, True, (OV, CPU))
    assert choose([*HERE, OV_NPU, QNN_NPU], [CPU]).device == QNN_NPU


def test_without_an_npu_the_cpu_runs_the_packed_graph():
    choice = choose(HERE, [CPU])
    assert (choice.device, choice.static, choice.providers) == (None, False, (CPU,))
    # an accelerator built into onnxruntime (a CUDA build) still comes before the CPU
    assert choose(HERE, ["CUDAExecutionProvider", CPU]).providers == ("CUDAExecutionProvider", CPU)


def test_an_npu_without_a_static_graph_says_how_to_get_one(caplog):
    with caplog.at_level(logging.WARNING, logger="edgealign.bridge"):
        choice = choose([*HERE, OV_NPU], [CPU], has_static=False)
    assert choice.providers == (CPU,) and "--static" in caplog.text


@pytest.mark.parametrize("request_, label, static", [
    ("openvino", f"{OV}:GPU", True),             # the provider's most capable device
    (f"{OV}:CPU", f"{OV}:CPU", True),
    ("openvino:cpu", f"{OV}:CPU", True),
    ("cpu", CPU, False),
    (CPU, CPU, False),
])
def test_a_request_picks_its_device(request_, label, static):
    choice = choose(HERE, [CPU], [request_])
    assert (choice.label, choice.static) == (label, static)


def test_the_environment_overrides_and_providers_override_it(monkeypatch):
    monkeypatch.setenv(PROVIDER_ENV, "QNNExecutionProvider, openvino:cpu")
    assert choose([*HERE, OV_NPU], [CPU]).label == f"{OV}:CPU"  # the first one offered
    assert choose([*HERE, OV_NPU], [CPU], ["cpu"]).label == CPU


def test_unknown_requests_fall_back_to_the_cpu_and_say_so(caplog):
    with caplog.at_level(logging.WARNING, logger="edgealign.bridge"):
        choice = choose(HERE, [CPU], ["QNNExecutionProvider", "openvino:npu"])
    assert choice.providers == (CPU,) and choice.device is None
    assert "none of" in caplog.text and f"{OV}:CPU" in caplog.text


def test_this_machine_lists_the_cpu_and_a_summary_for_doctor():
    listed = devices()
    assert any(d.provider == CPU and d.kind == "CPU" for d in listed)
    info = summary()
    assert info["choice"] and info["graph"] in ("packed", "static") and f"{CPU}:CPU" in info["devices"]
