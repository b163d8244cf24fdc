# Writes adamw.golden.json: an independent oracle for adamw.ref.ts, made with PyTorch.
# Run with Debian's torch:  /usr/bin/python3 src/engine/kernels/optim/adamw_golden.py
# Two tensors, 6 steps, float64, lr changing every step (as a schedule does), clipping active
# on some steps (max_norm below the gradient norm) and not on others.
import json, os, torch

torch.manual_seed(0)
shapes = [(3, 5), (7,)]
params = [torch.randn(s, dtype=torch.float64, requires_grad=True) for s in shapes]
init = [p.detach().clone().flatten().tolist() for p in params]
cfg = dict(beta1=0.9, beta2=0.95, eps=1e-6, weightDecay=0.1)
opt = torch.optim.AdamW(params, lr=1e-2, betas=(cfg['beta1'], cfg['beta2']), eps=cfg['eps'],
                        weight_decay=cfg['weightDecay'])
steps = []
for t in range(1, 7):
    lr = 1e-2 * (0.5 + 0.1 * t)
    max_norm = [0.5, 100.0][t % 2]
    for g in opt.param_groups:
        g['lr'] = lr
    grads = [torch.randn(s, dtype=torch.float64) * (t) for s in shapes]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    opt.step()
    steps.append(dict(step=t, lr=lr, maxNorm=max_norm, totalNorm=float(total),
                      grads=[g.flatten().tolist() for g in grads],
                      params=[p.detach().flatten().tolist() for p in params],
                      exp_avg=[opt.state[p]['exp_avg'].flatten().tolist() for p in params],
                      exp_avg_sq=[opt.state[p]['exp_avg_sq'].flatten().tolist() for p in params]))
out = dict(torch=torch.__version__, config=cfg, shapes=shapes, init=init, steps=steps)
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'adamw.golden.json'), 'w') as f:
    json.dump(out, f)
