"""fwd+bwd img/s of candidate encoders at one thread (batch 64), to budget the short runs."""
import sys, time, torch
sys.path.insert(0, "/work/scratch/enc")
from models import Encoder, Decoder, macs
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
for arch, size in [("c4", 64), ("c4", 112), ("c4x", 96), ("c4x", 112), ("c4x", 128), ("c4w", 112), ("c5", 128)]:
    enc = Encoder(arch, "gem"); dec = Decoder()
    params = sum(p.numel() for p in enc.parameters())
    m = macs(enc, size)
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()))
    x = torch.randn(64, 3, size, size)
    enc.train()
    for i in range(4):
        if i == 1: t = time.perf_counter()
        z = enc(x); loss = z.pow(2).mean() + dec(z).pow(2).mean()
        opt.zero_grad(); loss.backward(); opt.step()
    dt = (time.perf_counter() - t) / 3
    print(f"{arch} {size}px params {params/1e6:.2f}M MACs {m/1e6:.0f}M train {64/dt:.0f} img/s", flush=True)
