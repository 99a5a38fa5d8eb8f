"""PyTorch peers of `npm run bench -- cuda` (run only on a machine with an NVIDIA GPU).

Usage: cuda_peers.py gemm N [N ...]
         median ms of torch.matmul on n × n operands: float32 (TF32 off), TF32, bfloat16 (cuBLAS)
       cuda_peers.py lora DIR WARMUP STEPS
         transformers' GPT2LMHeadModel from DIR (the weights peft.js saved), HF PEFT LoRA on c_attn
         (r and alpha from DIR/bench.json), AdamW; the batches in DIR/batches.bin (int32 [N, B, T])
Prints one JSON line.
"""

import json
import os
import sys
import time

import torch


def median(values):
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def time_cuda(fn, warmup=3, runs=10):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    samples = []
    for _ in range(runs):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        samples.append(start.elapsed_time(end))
    return median(samples)


def gemm(sizes):
    out = {"torch": torch.__version__, "device": torch.cuda.get_device_name(0), "ms": {}}
    for n in sizes:
        row = {}
        for fmt in ("float32", "tf32", "bfloat16"):
            torch.backends.cuda.matmul.allow_tf32 = fmt == "tf32"
            dtype = torch.bfloat16 if fmt == "bfloat16" else torch.float32
            a = torch.rand(n, n, device="cuda", dtype=dtype)
            b = torch.rand(n, n, device="cuda", dtype=dtype)
            row[fmt] = time_cuda(lambda: torch.matmul(a, b))
        out["ms"][str(n)] = row
    torch.backends.cuda.matmul.allow_tf32 = False
    return out


def lora(directory, warmup, steps):
    from peft import LoraConfig, get_peft_model
    from transformers import GPT2LMHeadModel

    with open(os.path.join(directory, "bench.json")) as f:
        setup = json.load(f)
    n, b, t = setup["batches"], setup["batchSize"], setup["seqLen"]
    ids = torch.frombuffer(bytearray(open(os.path.join(directory, "batches.bin"), "rb").read()), dtype=torch.int32)
    batches = ids.view(n, b, t).long().cuda()
    model = GPT2LMHeadModel.from_pretrained(directory).cuda()
    config = LoraConfig(r=setup["r"], lora_alpha=setup["alpha"], target_modules=["c_attn"], lora_dropout=0.0, fan_in_fan_out=True)
    model = get_peft_model(model, config)
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=setup["lr"], weight_decay=0.0)
    with torch.no_grad():
        initial = model(input_ids=batches[0], labels=batches[0]).loss.item()
    times, losses = [], []
    for i in range(warmup + steps):
        x = batches[i % n]
        torch.cuda.synchronize()
        start = time.perf_counter()
        loss = model(input_ids=x, labels=x).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    return {"torch": torch.__version__, "stepMs": median(times), "initialLoss": initial, "losses": losses}


if __name__ == "__main__":
    if sys.argv[1] == "gemm":
        print(json.dumps(gemm([int(n) for n in sys.argv[2:]])))
    else:
        print(json.dumps(lora(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
