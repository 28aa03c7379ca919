import time, numpy as np, lucid, cProfile, pstats
from lucid import nn
m = nn.LSTM(64, 128, num_layers=2)
x = lucid.randn(50, 8, 64, requires_grad=True)
def run():
    m.zero_grad(); out = m(x)[0]; out.sum().backward()
for _ in range(2): run()
ts=[]
for _ in range(5):
    t0=time.perf_counter(); run(); ts.append(time.perf_counter()-t0)
print("lstm", min(ts)*1e3, np.median(ts)*1e3)
cProfile.run('run()', '/tmp/attn/prof2')
pstats.Stats('/tmp/attn/prof2').sort_stats('tottime').print_stats(15)
