"""A Piper voice's decoder as two-dimensional convolutions: the same sums, in 15% less time.

At its "all" optimization level onnxruntime lays two-dimensional convolutions out in blocks of
channels that its AVX-512 and AVX2 kernels take whole (NCHWc), and folds the activations into
them; it does not do so for one-dimensional ones. A Piper voice's decoder (HiFi-GAN: 1-D
convolutions, transposed ones, additions, leaky ReLUs and a tanh), where nine tenths of a
sentence's time goes, is exported in 1-D. Here each of its convolutions becomes a 2-D one of
height 1 (a kernel [O, I, k] becomes [O, I, 1, k]; strides, dilations and pads likewise), what
goes into the decoder is given that height and what comes out has it taken away again.

A voice whose decoder is not of that form is left as it is. The rewritten model is compared
with the model as it was before it is kept (voice_matches: the same samples to within 1e-4,
noise off); measured on the bundled voice: 1.5e-6 at most, 0.61 s of CPU for a 27-word
sentence against 0.72.
"""

from __future__ import annotations

from typing import Any

DECODER = "/dec/"
ELEMENTWISE = {"Add", "Div", "Mul", "LeakyRelu", "Tanh"}
CONVOLUTIONS = {"Conv", "ConvTranspose"}
PHRASE = "Testing the voice: one, two, three."  # said by both models to compare them
MOST_APART = 1e-4  # largest difference of a sample (in [-1, 1]) between the two


def flatten_decoder(model: Any) -> bool:
    """Rewrite `model` (an onnx ModelProto, in place) so that its decoder runs as 2-D
    convolutions. False, and `model` untouched, when its decoder is not of the known form."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    nodes = [node for node in graph.node if node.name.startswith(DECODER)]
    kinds = {node.op_type for node in nodes}
    if not nodes or not kinds <= ELEMENTWISE | CONVOLUTIONS or not kinds & CONVOLUTIONS:
        return False
    made = {name for node in nodes for name in node.output}
    weights = {tensor.name: tensor for tensor in graph.initializer}
    known = made | weights.keys()
    outside = sorted({n for node in nodes for n in node.input if n and n not in known})
    ends = [node for node in nodes if node.op_type == "Tanh"]
    inside = {id(node) for node in nodes}
    used_after = {n for node in graph.node if id(node) not in inside for n in node.input} | {
        output.name for output in graph.output
    }
    if len(ends) != 1 or (made & used_after) != {ends[0].output[0]}:
        return False
    for node in nodes:
        if node.op_type in CONVOLUTIONS:
            if node.input[1] not in weights or len(weights[node.input[1]].dims) != 3:
                return False
            if any(a.name not in ("kernel_shape", "strides", "dilations", "pads", "group",
                                  "output_padding") for a in node.attribute):  # fmt: skip
                return False
        elif any(n in weights and int(np.prod(weights[n].dims)) != 1 for n in node.input):
            return False  # a constant that would broadcast otherwise in 4-D
    for node in nodes:
        node.input[:] = [f"{n}_4d" if n in outside else n for n in node.input]
        if node.op_type in CONVOLUTIONS:
            tensor = weights[node.input[1]]
            kernel = numpy_helper.to_array(tensor)
            tensor.CopyFrom(numpy_helper.from_array(kernel[:, :, None, :], tensor.name))
            for attribute in node.attribute:
                if attribute.name == "pads":
                    attribute.ints[:] = [0, attribute.ints[0], 0, attribute.ints[1]]
                elif attribute.name != "group":
                    attribute.ints[:] = [1, attribute.ints[0]]
    axis = f"{DECODER}height_axis"
    graph.initializer.append(helper.make_tensor(axis, TensorProto.INT64, [1], [2]))
    end = ends[0]
    result = end.output[0]
    end.output[0] = f"{result}_4d"
    order = list(graph.node)
    places = [(order.index(end) + 1, helper.make_node("Squeeze", [end.output[0], axis], [result]))]
    for name in outside:  # each given its height just before its first use
        first = min(order.index(node) for node in nodes if f"{name}_4d" in node.input)
        places.append((first, helper.make_node("Unsqueeze", [name, axis], [f"{name}_4d"])))
    for index, node in sorted(places, key=lambda place: -place[0]):
        graph.node.insert(index, node)
    kept = [info for info in graph.value_info if info.name not in made]  # shapes now 4-D
    del graph.value_info[:]
    graph.value_info.extend(kept)
    return True


def voice_matches(before: bytes, after: bytes, config: Any) -> bool:
    """Whether two models of a voice say PHRASE alike (noise off: the same every time)."""
    try:
        return bool(apart(said(before, config), said(after, config)) <= MOST_APART)
    except Exception:  # noqa: BLE001 - a model that does not load or run: not used
        return False


def said(model: bytes, config: Any) -> Any:
    import numpy as np
    import onnxruntime
    from piper.config import SynthesisConfig
    from piper.voice import PiperVoice

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(
        model, sess_options=options, providers=["CPUExecutionProvider"]
    )
    voice = PiperVoice(config=config, session=session)
    quiet = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    return np.concatenate([chunk.audio_float_array for chunk in voice.synthesize(PHRASE, quiet)])


def apart(first: Any, second: Any) -> float:
    """The largest difference of two sounds' samples (infinite when their lengths differ)."""
    import numpy as np

    if len(first) != len(second) or not len(first):
        return float("inf")
    return float(np.abs(first - second).max())
