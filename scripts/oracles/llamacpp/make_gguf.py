#!/usr/bin/env python3
"""Build a weight-less GGUF for one HF config.json, using llama.cpp's OWN conversion code for the metadata.

  make_gguf.py <config.json> <out_dir> [--name NAME]

1. Metadata: llama.cpp's conversion/ package (the code behind convert_hf_to_gguf.py, vendored in
   llama-cpp-python 0.3.36 / llama.cpp 0c1e57098) is imported (with a stub `torch`, no weights) and the
   model class's prepare_metadata() -> set_gguf_parameters() is run exactly as `convert_hf_to_gguf.py
   --vocab-only` would, except that set_vocab() is replaced by a tiny 512-token SentencePiece-style vocab
   (tokenizer files are not available; the vocab does not influence the KV cache). The config is read the
   same way convert does (transformers 4.57.6 AutoConfig(...).to_dict(), fallback: raw config.json).
2. Tensors: llama.cpp itself is asked which tensors it needs: `oracle probe` loads the GGUF with
   llama_model_params.no_alloc=true; every "missing tensor 'X'" / "tensor 'X' has wrong shape; expected ..."
   error adds/fixes one tensor info, until the model loads. All tensors are F32; the file is extended with
   ftruncate to the size the tensor offsets require (a sparse file: no disk blocks, no data read).
Outputs: <out_dir>/<name>.gguf, <name>.meta.json (metadata keys written by the conversion code),
<name>.tensors.json (discovered tensor list).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
LLAMA_DIR = Path(os.environ.get("LLAMA_DIR", "/tmp/lcp/llama_cpp_python-0.3.36/vendor/llama.cpp"))
ORACLE = Path(os.environ.get("ORACLE_BIN", str(HERE / "build" / "oracle")))

# transformers first (so it does not see the torch stub), then the stub, then llama.cpp's gguf-py + conversion
import transformers  # noqa: E402,F401
from transformers import AutoConfig  # noqa: E402,F401
sys.path.insert(0, str(HERE / "torchstub"))
sys.path.insert(0, str(LLAMA_DIR / "gguf-py"))
sys.path.insert(0, str(LLAMA_DIR))
import gguf  # noqa: E402
from conversion import get_model_class, ModelBase  # noqa: E402

N_VOCAB = 512


def tiny_vocab(self):
    w = self.gguf_writer
    toks = ["<unk>", "<s>", "</s>"] + [f"<0x{i:02X}>" for i in range(256)]
    toks += [f"tok{i}" for i in range(N_VOCAB - len(toks))]
    types = [2, 3, 3] + [6] * 256 + [1] * (N_VOCAB - 259)
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    w.add_token_list(toks)
    w.add_token_scores([0.0] * N_VOCAB)
    w.add_token_types(types)
    w.add_unk_token_id(0)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)


def gen_metadata(config_path: Path, name: str, workdir: Path):
    cfg = json.loads(config_path.read_text())
    patched = []
    if not cfg.get("architectures"):
        # falcon-7b.json was generated from FalconConfig() defaults and lacks "architectures";
        # the published hub file says ["FalconForCausalLM"]
        if cfg.get("model_type") == "falcon":
            cfg["architectures"] = ["FalconForCausalLM"]
            patched.append("added architectures=['FalconForCausalLM'] (missing in the vendored file)")
    d = workdir / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.json").write_text(json.dumps(cfg, indent=1))
    hf_arch = cfg["architectures"][0]
    cls = get_model_class(hf_arch)
    ModelBase.index_tensors = lambda self, remote_hf_model_id=None: {}
    m = cls(d, gguf.LlamaFileType.MOSTLY_F16, d / "out.gguf", eager=True)
    m.set_vocab = tiny_vocab.__get__(m)
    m.prepare_metadata(vocab_only=True)
    kv = dict(m.gguf_writer.kv_data[0])
    meta = {}
    for k, v in kv.items():
        val = v.value
        if isinstance(val, (bytes, bytearray)):
            val = val.decode("utf-8", "replace")
        if isinstance(val, list) and len(val) > 64:
            val = f"<array of {len(val)}>"
        try:
            json.dumps(val)
        except TypeError:
            val = repr(val)
        meta[k] = {"value": val, "type": v.type.name}
    return m.gguf_writer.arch, kv, meta, patched, hf_arch, cls.__name__, m.hparams


def write_gguf(path: Path, arch: str, kv: dict, tensors: dict[str, list[int]]):
    w = gguf.GGUFWriter(path, arch)
    w.kv_data = [dict(kv)]
    for tname, ne in tensors.items():
        nb = 4
        for x in ne:
            nb *= x
        # add_tensor_info takes the numpy-order shape (reversed ggml ne)
        w.add_tensor_info(tname, list(reversed(ne)), gguf.np.float32, nb, raw_dtype=gguf.GGMLQuantizationType.F32)
    w.write_header_to_file(path)
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    f = w.fout[0]
    f.flush()
    off = f.tell()
    align = w.data_alignment
    data_off = (off + align - 1) // align * align
    total = 0
    for ti in w.tensors[0].values():
        total += (ti.nbytes + align - 1) // align * align
    f.truncate(data_off + total)
    w.close()


RE_MISSING = re.compile(r"(?:missing tensor '([^']+)'|tensor '([^']+)' not found)")
RE_SHAPE = re.compile(r"tensor '([^']+)' has wrong shape; expected ([0-9, ]+), got")


def layer_key(n):
    return re.sub(r"^blk\.\d+\.", "blk.*.", n)


def discover(path: Path, arch, kv, max_iter=20000, log=None):
    tensors: dict[str, list[int]] = {}
    last_shape_by_key: dict[str, list[int]] = {}
    it = 0
    while it < max_iter:
        it += 1
        write_gguf(path, arch, kv, tensors)
        r = subprocess.run([str(ORACLE), "probe", str(path)], capture_output=True, text=True)
        out = r.stdout.strip()
        if out == "OK":
            return tensors, it, None
        msg = out[4:] if out.startswith("ERR ") else out + r.stderr[-500:]
        mm = RE_MISSING.search(msg)
        ms = RE_SHAPE.search(msg)
        if ms:
            tn = ms.group(1)
            ne = [int(x) for x in ms.group(2).split(",")]
            if tensors.get(tn) == ne:
                return tensors, it, f"shape loop on {tn}: {msg}"
            tensors[tn] = ne
            last_shape_by_key[layer_key(tn)] = ne
        elif mm:
            tn = mm.group(1) or mm.group(2)
            if tn in tensors:
                return tensors, it, f"missing-loop on {tn}: {msg}"
            tensors[tn] = list(last_shape_by_key.get(layer_key(tn), [1]))
        else:
            return tensors, it, msg
    return tensors, it, "max_iter"


def add_optional_tensors(arch: str, kv: dict, tensors: dict[str, list[int]]) -> list[str]:
    """Tensors that llama.cpp loads as TENSOR_NOT_REQUIRED (so the probe never asks for them) but whose
    graph code dereferences them unconditionally (found by segfaults in graph_reserve)."""
    added = []
    def kvv(k):
        return kv[f"{arch}.{k}"].value
    if arch == "phi3":
        n_embd = kvv("embedding_length"); n_head = kvv("attention.head_count"); n_head_kv = kvv("attention.head_count_kv")
        n_gqa = n_embd // n_head * n_head_kv
        for t in list(tensors):
            m = re.match(r"blk\.(\d+)\.attn_norm\.weight$", t)
            if m:
                nm = f"blk.{m.group(1)}.attn_qkv.weight"
                if nm not in tensors:
                    tensors[nm] = [n_embd, n_embd + 2 * n_gqa]; added.append(nm)
    if arch in ("nemotron_h", "nemotron_h_moe"):
        for t, ne in list(tensors.items()):
            m = re.match(r"blk\.(\d+)\.ssm_conv1d\.weight$", t)
            if m:
                nm = f"blk.{m.group(1)}.ssm_conv1d.bias"
                if nm not in tensors:
                    tensors[nm] = [ne[1]]; added.append(nm)
    return added


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("out_dir")
    ap.add_argument("--name")
    ap.add_argument("--set", action="append", default=[],
                    help="KEY=VALUE: override one metadata key after conversion (variant GGUFs, e.g. falcon MQA)")
    a = ap.parse_args()
    cfgp = Path(a.config)
    name = a.name or cfgp.stem
    out = Path(a.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="mkgguf_"))
    rec = {"config": name, "config_file": str(cfgp)}
    try:
        arch, kv, meta, patched, hf_arch, cls_name, hparams = gen_metadata(cfgp, name, work)
    except Exception as e:  # conversion itself refused this config
        import traceback
        rec.update(status="convert_failed", error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc()[-3000:])
        (out / f"{name}.meta.json").write_text(json.dumps(rec, indent=1))
        print(json.dumps({"config": name, "status": "convert_failed", "error": rec["error"]}))
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for kvs in a.set:
        k, v = kvs.split("=", 1)
        old = kv.get(k)
        vt = old.type if old is not None else gguf.GGUFValueType.UINT32
        pv = float(v) if vt in (gguf.GGUFValueType.FLOAT32, gguf.GGUFValueType.FLOAT64) else (v if vt == gguf.GGUFValueType.STRING else int(v))
        kv[k] = gguf.GGUFValue(pv, vt)
        meta[k] = {"value": pv, "type": vt.name, "overridden_from": (old.value if old is not None else None)}
    rec["set_overrides"] = a.set
    rec.update(status="metadata_ok", gguf_arch=arch, hf_arch=hf_arch, convert_class=cls_name,
               config_patches=patched, metadata=meta,
               hparams_seen_by_convert={k: hparams.get(k) for k in sorted(hparams) if isinstance(hparams.get(k), (int, float, str, bool, type(None), list)) and not (isinstance(hparams.get(k), list) and len(hparams.get(k)) > 128)})
    gpath = out / f"{name}.gguf"
    tpath = out / f"{name}.tensors.json"
    tensors = None
    if tpath.exists():
        tensors = json.loads(tpath.read_text())
        write_gguf(gpath, arch, kv, tensors)
        r = subprocess.run([str(ORACLE), "probe", str(gpath)], capture_output=True, text=True)
        if r.stdout.strip() != "OK":
            tensors = None
    if tensors is None:
        tensors, n_it, err = discover(gpath, arch, kv)
        rec["discovery_iterations"] = n_it
        if err:
            rec.update(status="load_failed", error=err)
            (out / f"{name}.meta.json").write_text(json.dumps(rec, indent=1))
            print(json.dumps({"config": name, "status": "load_failed", "error": err[:500]}))
            return 1
        added = add_optional_tensors(arch, kv, tensors)
        if added:
            write_gguf(gpath, arch, kv, tensors)
            r = subprocess.run([str(ORACLE), "probe", str(gpath)], capture_output=True, text=True)
            if r.stdout.strip() != "OK":
                rec.update(status="load_failed", error="after optional tensors: " + r.stdout)
                (out / f"{name}.meta.json").write_text(json.dumps(rec, indent=1))
                print(json.dumps({"config": name, "status": "load_failed", "error": rec["error"][:500]}))
                return 1
        rec["optional_tensors_added"] = len(added)
        tpath.write_text(json.dumps(tensors))
    rec["n_tensors"] = len(tensors)
    rec["status"] = "ok"
    (out / f"{name}.meta.json").write_text(json.dumps(rec, indent=1))
    print(json.dumps({"config": name, "status": "ok", "arch": arch, "n_tensors": len(tensors)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
