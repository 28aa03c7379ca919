import time, math, numpy as np, torch, lucid
from lucid.nn.functional.linear import linear
torch.set_num_threads(1)
T,N,I,H=50,8,64,128
def cell(g, c):
    s = g.sigmoid()
    i = s[:, :H]; f = s[:, H:2*H]; o = s[:, 3*H:]
    gg = g[:, 2*H:3*H].tanh()
    c = f*c + i*gg
    return o * c.tanh(), c
def steps_direct(P):
    return [P[t] for t in range(P.shape[0])]
def steps_blocks(P):
    T = P.shape[0]; b = max(1, math.isqrt(T))
    out=[]
    for s in range(0, T, b):
        blk = P[s:s+b]
        out.extend(blk[j] for j in range(blk.shape[0]))
    return out
def layer_big(x, wih, whh, bih, bhh, split):
    P = linear(x, wih, bih + bhh)
    h = lucid.zeros(N,H); c = lucid.zeros(N,H); outs=[]; whhT = whh.T
    for p in split(P):
        h, c = cell(p + h @ whhT, c); outs.append(h)
    return lucid.stack(outs, 0)
def layer_step(xs, wih, whh, bih, bhh):
    h = lucid.zeros(N,H); c = lucid.zeros(N,H); outs=[]
    whhT = whh.T; wihT = wih.T; b = bih+bhh
    for x_t in xs:
        h, c = cell(x_t @ wihT + b + h @ whhT, c); outs.append(h)
    return outs
rng=np.random.default_rng(0)
def P_(*s): return lucid.tensor(rng.standard_normal(s).astype(np.float32)*0.1, requires_grad=True)
w = [P_(4*H,I),P_(4*H,H),P_(4*H),P_(4*H),P_(4*H,H),P_(4*H,H),P_(4*H),P_(4*H)]
x = P_(T,N,I)
def run_direct():
    y = layer_big(x, *w[:4], steps_direct); y = layer_big(y, *w[4:], steps_direct); y.sum().backward()
def run_blocks():
    y = layer_big(x, *w[:4], steps_blocks); y = layer_big(y, *w[4:], steps_blocks); y.sum().backward()
def run_step():
    xs=[x[t] for t in range(T)]
    y = layer_step(xs, *w[:4]); y = layer_step(y, *w[4:]); lucid.stack(y,0).sum().backward()
tl = torch.nn.LSTM(I,H,2)
xt = torch.randn(T,N,I, requires_grad=True)
def run_torch():
    y,_ = tl(xt); y.sum().backward()
fs=(run_direct, run_blocks, run_step, run_torch)
for f in fs: f()
res={f.__name__:[] for f in fs}
for _ in range(7):
    for f in fs:
        t0=time.perf_counter(); f(); res[f.__name__].append(time.perf_counter()-t0)
for k,v in res.items(): print(k, round(min(v)*1e3,1), round(np.median(v)*1e3,1))
import cProfile, pstats
cProfile.run('run_blocks()', '/tmp/attn/prof')
pstats.Stats('/tmp/attn/prof').sort_stats('tottime').print_stats(25)
