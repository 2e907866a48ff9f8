import sys, time, torch
sys.path.insert(0, "/work/scratch/enc")
from models import Encoder
torch.set_num_threads(1)
for cl in (False, True, False, True):
    enc = Encoder("c4x", "gem"); opt = torch.optim.AdamW(enc.parameters())
    x = torch.randn(128, 3, 112, 112)
    if cl:
        enc = enc.to(memory_format=torch.channels_last); x = x.contiguous(memory_format=torch.channels_last)
    enc.train()
    for i in range(4):
        if i == 1: t = time.perf_counter(); c = time.process_time()
        loss = enc(x).pow(2).mean(); opt.zero_grad(); loss.backward(); opt.step()
    print("channels_last" if cl else "nchw", round(3 * 128 / (time.process_time() - c)), "img/cpu-s", flush=True)
