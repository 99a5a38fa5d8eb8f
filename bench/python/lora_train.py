"""PyTorch side of `npm run bench -- lora`.

LoRA written in plain PyTorch (no PEFT library): the base model (the GPT-2 of gpt2_train.py, or a
Llama written here with Hugging Face's layout and names) is frozen, and each adapted layer computes
base(x) + scaling · B(A(x)) with A [r, in] and B [out, r], as HF PEFT's LoRA Linear does with
dropout 0. The base weights and the adapter's initial A and B are the ones the peft.js side saved,
so both start from the same model; AdamW trains only A and B.

Usage: lora_train.py gpt2|llama DIR THREADS WARMUP_STEPS TIMED_STEPS
DIR holds config.json, model.safetensors, adapter/ (adapter_config.json, adapter_model.safetensors),
batches.bin and bench.json, as gpt2_train.py's. Prints one JSON line, as gpt2_train.py does.
"""

import json
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

from gpt2_train import GPT2LMHeadModel, load_safetensors, load_weights, read_bench_dir, timed_training


class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(n))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class LlamaAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        hidden = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.kv_heads = cfg.get("num_key_value_heads") or self.heads
        self.head_dim = cfg.get("head_dim") or hidden // self.heads
        self.q_proj = nn.Linear(hidden, self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(hidden, self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(hidden, self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, hidden, bias=False)

    def forward(self, x, cos, sin):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        groups = self.heads // self.kv_heads
        k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
        scores = q @ k.transpose(-2, -1) / self.head_dim**0.5
        causal = torch.ones(t, t, dtype=torch.bool).tril()
        y = scores.masked_fill(~causal, float("-inf")).softmax(dim=-1) @ v
        return self.o_proj(y.transpose(1, 2).reshape(b, t, -1))


class LlamaMLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        hidden, inner = cfg["hidden_size"], cfg["intermediate_size"]
        self.gate_proj = nn.Linear(hidden, inner, bias=False)
        self.up_proj = nn.Linear(hidden, inner, bias=False)
        self.down_proj = nn.Linear(inner, hidden, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        eps = cfg.get("rms_norm_eps", 1e-6)
        self.self_attn = LlamaAttention(cfg)
        self.mlp = LlamaMLP(cfg)
        self.input_layernorm = RMSNorm(cfg["hidden_size"], eps)
        self.post_attention_layernorm = RMSNorm(cfg["hidden_size"], eps)

    def forward(self, x, cos, sin):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return x + self.mlp(self.post_attention_layernorm(x))


class LlamaModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList(LlamaDecoderLayer(cfg) for _ in range(cfg["num_hidden_layers"]))
        self.norm = RMSNorm(cfg["hidden_size"], cfg.get("rms_norm_eps", 1e-6))


class LlamaForCausalLM(nn.Module):
    """Hugging Face's Llama (plain RoPE, no dropout), with its parameter names."""

    def __init__(self, cfg):
        super().__init__()
        self.model = LlamaModel(cfg)
        self.tied = cfg.get("tie_word_embeddings", False)
        self.lm_head = None if self.tied else nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)
        heads = cfg["num_attention_heads"]
        head_dim = cfg.get("head_dim") or cfg["hidden_size"] // heads
        self.inv_freq = 1.0 / (cfg.get("rope_theta", 10000.0) ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))

    def forward(self, ids):
        t = ids.shape[1]
        freqs = torch.arange(t, dtype=torch.float32)[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos(), emb.sin()
        x = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            x = layer(x, cos, sin)
        x = self.model.norm(x)
        logits = x @ self.model.embed_tokens.weight.t() if self.lm_head is None else self.lm_head(x)
        return F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))


def load_llama_weights(model, tensors):
    own = model.state_dict()
    seen = set()
    for name, value in tensors.items():
        if name == "lm_head.weight" and model.lm_head is None:
            continue
        if name not in own or tuple(own[name].shape) != tuple(value.shape):
            raise KeyError(f"lora_train: unexpected tensor {name} {list(value.shape)}")
        own[name].copy_(value.to(torch.float32))
        seen.add(name)
    missing = set(own) - seen
    if missing:
        raise KeyError(f"lora_train: missing tensors {sorted(missing)}")


class LoraLinear(nn.Module):
    """base(x) + scaling · (x Aᵀ) Bᵀ; `base` is a frozen nn.Linear or GPT-2 Conv1D."""

    def __init__(self, base, a, b, scaling):
        super().__init__()
        self.base = base
        self.lora_A = nn.Parameter(a.clone())
        self.lora_B = nn.Parameter(b.clone())
        self.scaling = scaling

    def forward(self, x):
        return self.base(x) + (x @ self.lora_A.t()) @ self.lora_B.t() * self.scaling


def inject_lora(model, adapter_dir, strip):
    """Wraps every layer the adapter file names; returns the LoRA parameters (the only ones that train)."""
    with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
        config = json.load(f)
    scaling = config["lora_alpha"] / config["r"]
    tensors = load_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"))
    for p in model.parameters():
        p.requires_grad_(False)
    params = []
    suffix = ".lora_A.weight"
    for key in sorted(k for k in tensors if k.endswith(suffix)):
        path = key[: -len(suffix)]
        for prefix in strip:
            if path.startswith(prefix):
                path = path[len(prefix) :]
        parent_name, _, child = path.rpartition(".")
        parent = model.get_submodule(parent_name)
        wrapped = LoraLinear(getattr(parent, child), tensors[key].float(), tensors[key[: -len(suffix)] + ".lora_B.weight"].float(), scaling)
        setattr(parent, child, wrapped)
        params += [wrapped.lora_A, wrapped.lora_B]
    if not params:
        raise ValueError(f"lora_train: no lora_A weights in {adapter_dir}")
    return params


def main():
    arch, directory = sys.argv[1], sys.argv[2]
    threads, warmup, timed = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    cfg, setup, batches = read_bench_dir(directory)
    weights = load_safetensors(os.path.join(directory, "model.safetensors"))
    if arch == "gpt2":
        model = GPT2LMHeadModel(cfg)
        strip = ["base_model.model.", "transformer."]
        with torch.no_grad():
            load_weights(model, weights)
    elif arch == "llama":
        model = LlamaForCausalLM(cfg)
        strip = ["base_model.model."]
        with torch.no_grad():
            load_llama_weights(model, weights)
    else:
        raise ValueError(f"lora_train: unknown architecture {arch}")
    del weights
    params = inject_lora(model, os.path.join(directory, "adapter"), strip)
    print(json.dumps(timed_training(model, params, batches, setup, threads, warmup, timed)))


if __name__ == "__main__":
    main()
