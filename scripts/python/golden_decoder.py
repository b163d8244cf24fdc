#!/usr/bin/env python3
"""Golden state for the decoder + LoRA, from an INDEPENDENT reference: PyTorch (Debian's
python3-torch), float64, written from the Hugging Face Llama / PEFT LoRA definitions
(LlamaRMSNorm, rotate_half RoPE, repeat_kv GQA, SwiGLU MLP, lora_B(lora_A(x)) * alpha/r).

Writes src/engine/model/decoder/golden/decoder_golden.safetensors: every weight, the batch
(ids, positions, key mask, soft-prompt source rows, labels), the upstream gradient on the
final normed states, and the results: loss, final normed states, every LoRA gradient and the
soft-prompt gradient. All tensors F32 (ids are small integers, exact in F32).

Run: /usr/bin/python3 scripts/python/golden_decoder.py   (torch is not needed by CI: the
fixture is committed; tests read it).
"""
import json, math, os, struct
import torch

torch.manual_seed(1234)
dt = torch.float64
H, I, L, HQ, HKV, D, V = 32, 48, 2, 4, 2, 8, 61
R, ALPHA, THETA, EPS = 4, 8.0, 10000.0, 1e-5
B, T = 2, 7
lengths = [7, 5]                       # sequence 1 is right-padded by 2
MODULES = ["q", "k", "v", "o", "gate", "up", "down"]
shapes = {"q": (HQ * D, H), "k": (HKV * D, H), "v": (HKV * D, H), "o": (H, HQ * D),
          "gate": (I, H), "up": (I, H), "down": (H, I)}

def rn(*s, scale=1.0):
    return (torch.randn(*s, dtype=dt) * scale)

W = {"embed": rn(V, H, scale=0.5), "final_norm": 1 + rn(H, scale=0.1), "lm_head": rn(V, H, scale=0.3)}
for l in range(L):
    W[f"L{l}.input_norm"] = 1 + rn(H, scale=0.1)
    W[f"L{l}.post_norm"] = 1 + rn(H, scale=0.1)
    for m in MODULES:
        o, i = shapes[m]
        W[f"L{l}.{m}"] = rn(o, i, scale=1 / math.sqrt(i))
lora = {}
for l in range(L):
    for m in MODULES:
        o, i = shapes[m]
        lora[f"L{l}.{m}.A"] = rn(R, i, scale=1 / math.sqrt(i)).requires_grad_()
        lora[f"L{l}.{m}.B"] = rn(o, R, scale=0.2).requires_grad_()   # non-zero so dA != 0
extra = rn(2, H, scale=0.5).requires_grad_()                          # two soft-prompt vectors
for v_ in W.values():
    v_.requires_grad_()                                               # full-parameter grads too (pretraining)

ids = torch.randint(0, V, (B, T))
positions = torch.arange(T).repeat(B, 1)
key_mask = torch.tensor([[1 if t < lengths[b] else 0 for t in range(T)] for b in range(B)])
src_index = torch.full((B, T), -1)
src_index[:, 1] = 0; src_index[:, 2] = 1                              # rows 1,2 take soft prompts
labels = torch.full((B, T), -100)
for b in range(B):
    for t in range(3, lengths[b] - 1):
        labels[b, t] = ids[b, t + 1]
upstream = torch.zeros(B, T, H, dtype=dt)                            # dLoss/dnormed at the last real token
for b in range(B):
    upstream[b, lengths[b] - 1] = rn(H)

def rmsnorm(x, w):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS))

def rope(x, heads):                                                   # x [B,T,heads,D]
    inv = 1.0 / (THETA ** (torch.arange(0, D, 2, dtype=dt) / D))
    ang = positions[..., None].to(dt) * inv                           # [B,T,D/2]
    emb = torch.cat([ang, ang], -1)[:, :, None, :]
    cos, sin = emb.cos(), emb.sin()
    x1, x2 = x[..., : D // 2], x[..., D // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin

def linear(x, l, m):
    y = x @ W[f"L{l}.{m}"].T
    return y + (x @ lora[f"L{l}.{m}.A"].T) @ lora[f"L{l}.{m}.B"].T * (ALPHA / R)

use_src = (src_index >= 0)[..., None]
h = torch.where(use_src, extra[src_index.clamp(min=0)], W["embed"][ids])
causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
allowed = causal[None, None] & key_mask[:, None, None, :].bool()     # [B,1,T,T]
for l in range(L):
    a = rmsnorm(h, W[f"L{l}.input_norm"])
    q = rope(linear(a, l, "q").view(B, T, HQ, D), HQ)
    k = rope(linear(a, l, "k").view(B, T, HKV, D), HKV)
    v = linear(a, l, "v").view(B, T, HKV, D)
    k = k.repeat_interleave(HQ // HKV, dim=2); v = v.repeat_interleave(HQ // HKV, dim=2)
    s = torch.einsum("bthd,bshd->bhts", q, k) / math.sqrt(D)
    s = s.masked_fill(~allowed, float("-inf"))
    p = torch.softmax(s, -1)
    o = torch.einsum("bhts,bshd->bthd", p, v).reshape(B, T, HQ * D)
    h = h + linear(o, l, "o")
    m_ = rmsnorm(h, W[f"L{l}.post_norm"])
    g = linear(m_, l, "gate"); u = linear(m_, l, "up")
    h = h + linear(torch.nn.functional.silu(g) * u, l, "down")
normed = rmsnorm(h, W["final_norm"])
logits = normed @ W["lm_head"].T
ce = torch.nn.functional.cross_entropy(logits.view(-1, V), labels.view(-1), ignore_index=-100)
total = ce + (normed * upstream).sum()
total.backward()

out = {}
def put(name, t):
    out[name] = t.detach().to(torch.float32).contiguous()
for k_, v_ in W.items(): put(f"w.{k_}", v_)
for k_, v_ in lora.items(): put(f"lora.{k_}", v_)
put("extra", extra)
put("in.ids", ids.view(-1)); put("in.positions", positions.view(-1)); put("in.key_mask", key_mask.view(-1))
put("in.src_index", src_index.view(-1)); put("in.labels", labels.view(-1)); put("in.upstream", upstream.view(B * T, H))
put("out.ce_loss", ce.view(1)); put("out.normed", normed.view(B * T, H))
for k_, v_ in lora.items(): put(f"grad.lora.{k_}", v_.grad)
put("grad.extra", extra.grad)
for k_, v_ in W.items(): put(f"grad.w.{k_}", v_.grad)

meta = {"format": "discern-golden-decoder", "version": "1", "torch": torch.__version__,
        "dims": json.dumps({"hidden": H, "intermediate": I, "layers": L, "heads": HQ, "kvHeads": HKV,
                            "headDim": D, "vocab": V, "ropeTheta": THETA, "rmsEps": EPS}),
        "lora": json.dumps({"rank": R, "alpha": ALPHA, "modules": MODULES}), "batch": json.dumps({"batch": B, "seqLen": T})}
header, off, blobs = {"__metadata__": meta}, 0, []
for k_, t in out.items():
    b = t.numpy().tobytes()
    header[k_] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
    off += len(b); blobs.append(b)
hb = json.dumps(header, separators=(",", ":")).encode()
hb += b" " * ((8 - len(hb) % 8) % 8)
path = os.path.join(os.path.dirname(__file__), "../../src/engine/model/decoder/golden/decoder_golden.safetensors")
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(hb))); f.write(hb); [f.write(b) for b in blobs]
print(f"wrote {os.path.normpath(path)}: {len(out)} tensors, ce={ce.item():.6f}")
