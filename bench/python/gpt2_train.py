"""PyTorch side of `npm run bench -- train`.

Builds a GPT-2 language model with the Hugging Face GPT-2 layout (Conv1D weights stored [in, out],
tied input and output embeddings, tanh GELU, pre-norm blocks), loads the weights the peft.js side
saved, and times full fine-tuning steps (AdamW, gradient clipping) on the same batches.

Usage: gpt2_train.py DIR THREADS WARMUP_STEPS TIMED_STEPS
       gpt2_train.py check CASE_DIR   (compares the logits with Hugging Face's on a golden GPT-2 case)
DIR holds config.json, model.safetensors, batches.bin (int32, [N, B, T]) and bench.json
({"batches": N, "batchSize": B, "seqLen": T, "lr": ..., "weightDecay": ..., "maxGradNorm": ...}).
Prints one JSON line: threads, torch version, loss before training, tokens/s, step ms, losses.
"""

import json
import math
import os
import resource
import struct
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

SAFETENSORS_DTYPES = {
    "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64,
    "I64": torch.int64, "I32": torch.int32,
}


def load_safetensors(path):
    """The tensors of a .safetensors file: an 8-byte little-endian header length, a JSON header, raw data."""
    with open(path, "rb") as f:
        blob = f.read()
    (header_len,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + header_len])
    data = memoryview(blob)[8 + header_len :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = SAFETENSORS_DTYPES[info["dtype"]]
        flat = torch.frombuffer(bytearray(data[start:end]), dtype=dtype) if end > start else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(info["shape"])
    return tensors


class Conv1D(nn.Module):
    """HF GPT-2's linear layer: y = x W + b with W stored [in, out]."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).reshape(*x.shape[:-1], -1)


class Attention(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.n_head = n_head
        self.c_attn = Conv1D(n_embd, 3 * n_embd)
        self.c_proj = Conv1D(n_embd, n_embd)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        q, k, v = (y.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for y in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(c // self.n_head)
        causal = torch.ones(t, t, dtype=torch.bool).tril()
        scores = scores.masked_fill(~causal, float("-inf"))
        y = scores.softmax(dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).reshape(b, t, c))


class MLP(nn.Module):
    def __init__(self, n_embd, n_inner):
        super().__init__()
        self.c_fc = Conv1D(n_embd, n_inner)
        self.c_proj = Conv1D(n_inner, n_embd)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, n_inner, eps):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd, eps=eps)
        self.attn = Attention(n_embd, n_head)
        self.ln_2 = nn.LayerNorm(n_embd, eps=eps)
        self.mlp = MLP(n_embd, n_inner)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT2LMHeadModel(nn.Module):
    """Dropout is left out: the bench configures every dropout probability to zero."""

    def __init__(self, cfg):
        super().__init__()
        n_embd, eps = cfg["n_embd"], cfg.get("layer_norm_epsilon", 1e-5)
        n_inner = cfg.get("n_inner") or 4 * n_embd
        self.wte = nn.Embedding(cfg["vocab_size"], n_embd)
        self.wpe = nn.Embedding(cfg["n_positions"], n_embd)
        self.h = nn.ModuleList(Block(n_embd, cfg["n_head"], n_inner, eps) for _ in range(cfg["n_layer"]))
        self.ln_f = nn.LayerNorm(n_embd, eps=eps)
        tied = cfg.get("tie_word_embeddings", True)
        self.lm_head = None if tied else nn.Linear(n_embd, cfg["vocab_size"], bias=False)

    def logits(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1]))
        for block in self.h:
            x = block(x)
        x = self.ln_f(x)
        return x @ self.wte.weight.t() if self.lm_head is None else self.lm_head(x)

    def forward(self, ids):
        logits = self.logits(ids)
        # HF's causal-LM loss: position i predicts token i + 1
        return F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))


def load_weights(model, tensors):
    """Copies HF GPT-2 tensors (with or without the `transformer.` prefix) into the model; all must match."""
    own = model.state_dict()
    seen = set()
    for name, value in tensors.items():
        key = name[len("transformer.") :] if name.startswith("transformer.") else name
        if (key == "lm_head.weight" and model.lm_head is None) or key.endswith(".attn.bias") or key.endswith(".attn.masked_bias"):
            continue  # tied to wte, or the causal-mask buffer of old checkpoints
        if key not in own:
            raise KeyError(f"gpt2_train: unexpected tensor {name}")
        if tuple(own[key].shape) != tuple(value.shape):
            raise ValueError(f"gpt2_train: {name} has shape {list(value.shape)}, expected {list(own[key].shape)}")
        own[key].copy_(value.to(torch.float32))
        seen.add(key)
    missing = set(own) - seen
    if missing:
        raise KeyError(f"gpt2_train: missing tensors {sorted(missing)}")


def check_against_hf(case):
    """Max |logits − HF's| / max |HF's| on a golden GPT-2 case (weights, input ids and HF's logits)."""
    with open(os.path.join(case, "base_config.json")) as f:
        cfg = json.load(f)
    model = GPT2LMHeadModel(cfg)
    with torch.no_grad():
        load_weights(model, load_safetensors(os.path.join(case, "base_model.safetensors")))
        ids = load_safetensors(os.path.join(case, "input.safetensors"))["input_ids"].long()
        expected = load_safetensors(os.path.join(case, "output.safetensors"))["out_base"]
        got = model.logits(ids)
    print(json.dumps({"maxRelDiff": ((got - expected).abs().max() / expected.abs().max()).item()}))


def timed_training(model, params, batches, setup, threads, warmup, timed, max_grad_norm=None):
    """Times AdamW steps over the batches (cycled) after `warmup` untimed ones; the JSON dict to print."""
    torch.set_num_threads(threads)
    n, b, t = batches.shape
    with torch.no_grad():
        initial_loss = model(batches[0]).item()
    optimizer = torch.optim.AdamW(params, lr=setup["lr"], weight_decay=setup["weightDecay"])
    losses = []

    def step(i):
        optimizer.zero_grad(set_to_none=True)
        loss = model(batches[i % n])
        loss.backward()
        if max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
        optimizer.step()
        losses.append(loss.item())

    for i in range(warmup):
        step(i)
    times = []
    for i in range(warmup, warmup + timed):
        start = time.perf_counter()
        step(i)
        times.append(time.perf_counter() - start)
    times.sort()
    median = times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2
    return {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "initialLoss": initial_loss,
        "stepMs": median * 1000,
        "tokensPerSecond": b * t / median,
        "losses": losses,
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def read_bench_dir(directory):
    """config.json, bench.json and batches.bin ([N, B, T] int32, as int64) of a bench folder."""
    with open(os.path.join(directory, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(directory, "bench.json")) as f:
        setup = json.load(f)
    n, b, t = setup["batches"], setup["batchSize"], setup["seqLen"]
    with open(os.path.join(directory, "batches.bin"), "rb") as f:
        batches = torch.frombuffer(bytearray(f.read()), dtype=torch.int32).reshape(n, b, t).long()
    return cfg, setup, batches


def main():
    if sys.argv[1] == "check":
        check_against_hf(sys.argv[2])
        return
    directory, threads, warmup, timed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    cfg, setup, batches = read_bench_dir(directory)
    model = GPT2LMHeadModel(cfg)
    with torch.no_grad():
        load_weights(model, load_safetensors(os.path.join(directory, "model.safetensors")))
    result = timed_training(model, list(model.parameters()), batches, setup, threads, warmup, timed, setup["maxGradNorm"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
