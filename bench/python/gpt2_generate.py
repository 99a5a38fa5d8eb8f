"""PyTorch side of `npm run bench -- generate`.

Greedy decoding with a KV cache on the GPT-2 of gpt2_train.py (Hugging Face's layout), loaded from
the weights the peft.js side uses: the prompt runs once, then each step runs one position against
the cached keys and values (torch.cat, as transformers' DynamicCache grows).

Usage: gpt2_generate.py MODEL_DIR PROMPTS_FILE BATCH PROMPT_LEN NEW_TOKENS THREADS RUNS
PROMPTS_FILE holds int32 prompts [BATCH, PROMPT_LEN]. Prints one JSON line: torch version, threads,
the median seconds of a whole generate, and the generated tokens of the last run.
"""

import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_train import GPT2LMHeadModel, load_safetensors, load_weights  # noqa: E402


def attention(attn, x, past):
    b, t, c = x.shape
    h = attn.n_head
    q, k, v = attn.c_attn(x).split(c, dim=2)
    q, k, v = (y.view(b, t, h, c // h).transpose(1, 2) for y in (q, k, v))
    if past is not None:
        k = torch.cat([past[0], k], dim=2)
        v = torch.cat([past[1], v], dim=2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(c // h)
    tk = k.shape[2]
    causal = torch.ones(t, tk, dtype=torch.bool).tril(diagonal=tk - t)
    scores = scores.masked_fill(~causal, float("-inf"))
    y = scores.softmax(dim=-1) @ v
    return attn.c_proj(y.transpose(1, 2).reshape(b, t, c)), (k, v)


def forward(model, ids, start, cache):
    x = model.wte(ids) + model.wpe(torch.arange(start, start + ids.shape[1]))
    new_cache = []
    for i, block in enumerate(model.h):
        a, kv = attention(block.attn, block.ln_1(x), cache[i] if cache else None)
        x = x + a
        x = x + block.mlp(block.ln_2(x))
        new_cache.append(kv)
    x = model.ln_f(x[:, -1:])
    logits = x @ model.wte.weight.t() if model.lm_head is None else model.lm_head(x)
    return logits[:, -1], new_cache


def generate(model, prompts, new_tokens):
    ids = prompts
    logits, cache = forward(model, ids, 0, None)
    out = []
    for step in range(new_tokens):
        token = logits.argmax(dim=-1, keepdim=True)
        out.append(token)
        if step + 1 < new_tokens:
            logits, cache = forward(model, token, prompts.shape[1] + step, cache)
    return torch.cat(out, dim=1)


def main():
    directory, prompts_file = sys.argv[1], sys.argv[2]
    batch, prompt_len, new_tokens, threads, runs = (int(a) for a in sys.argv[3:8])
    torch.set_num_threads(threads)
    with open(os.path.join(directory, "config.json")) as f:
        cfg = json.load(f)
    model = GPT2LMHeadModel(cfg)
    with open(prompts_file, "rb") as f:
        prompts = torch.frombuffer(bytearray(f.read()), dtype=torch.int32).reshape(batch, prompt_len).long()
    with torch.no_grad():
        load_weights(model, load_safetensors(os.path.join(directory, "model.safetensors")))
        generate(model, prompts, new_tokens)  # warm-up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            tokens = generate(model, prompts, new_tokens)
            times.append(time.perf_counter() - start)
    times.sort()
    print(json.dumps({"torch": torch.__version__, "threads": threads, "seconds": times[len(times) // 2], "tokens": tokens.tolist()}))


if __name__ == "__main__":
    main()
