# Writes loss.golden.json: PyTorch (Debian's torch 1.13, float64) values and autograd
# gradients for the three losses, an oracle independent of the TypeScript references.
# Run:  /usr/bin/python3 src/engine/kernels/loss/loss_golden.py
import json, math, os, torch
import torch.nn.functional as F

torch.manual_seed(1)
T = dict(dtype=torch.float64)
flat = lambda t: t.detach().flatten().tolist()
out = dict(torch=torch.__version__)

# L2 normalise: y = F.normalize(x), gradient of dot(y, up)
x = torch.randn(3, 5, **T, requires_grad=True)
up = torch.randn(3, 5, **T)
y = F.normalize(x, dim=-1)
(y * up).sum().backward()
out['l2norm'] = dict(n=3, d=5, x=flat(x), up=flat(up), y=flat(y), dx=flat(x.grad))

# symmetric InfoNCE with a learnable temperature, dLoss = 0.7
n, d = 5, 4
img = F.normalize(torch.randn(n, d, **T), dim=-1).requires_grad_()
txt = F.normalize(torch.randn(n, d, **T), dim=-1).requires_grad_()
log_tau = torch.tensor([math.log(0.05)], **T, requires_grad=True)
logits = img @ txt.T / log_tau.exp()
lab = torch.arange(n)
loss = (F.cross_entropy(logits, lab) + F.cross_entropy(logits.T, lab)) / 2
(0.7 * loss).backward()
out['infonce'] = dict(n=n, d=d, img=flat(img), txt=flat(txt), logTau=log_tau.item(), dLoss=0.7,
                      loss=loss.item(), dImg=flat(img.grad), dTxt=flat(txt.grad), dLogTau=log_tau.grad.item())

# next-token cross-entropy with ignored rows, dLoss = 1.5
n, h, v = 6, 4, 9
hid = torch.randn(n, h, **T, requires_grad=True)
W = torch.randn(v, h, **T, requires_grad=True)
labels = torch.tensor([3, -100, 0, 8, -100, 5])
loss = F.cross_entropy(hid @ W.T, labels, ignore_index=-100)
lse = torch.logsumexp(hid @ W.T, dim=-1)
(1.5 * loss).backward()
out['cross_entropy'] = dict(n=n, hidden=h, vocab=v, h=flat(hid), W=flat(W), labels=labels.tolist(), dLoss=1.5,
                            loss=loss.item(), lse=flat(lse), dh=flat(hid.grad), dW=flat(W.grad))

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'loss.golden.json'), 'w') as f:
    json.dump(out, f)
