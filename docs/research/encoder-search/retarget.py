"""Re-calibrate a trained encoder's BatchNorm statistics at another input side (the nets are fully
convolutional with global pooling), to measure the input resolution without retraining.

    python retarget.py runs/X/final.pt --size 128 --out runs/X/final128.pt
"""
import argparse
import sys

import torch

sys.path.insert(0, "/work/scratch/enc")
import common  # noqa: E402
from train import load_encoder, recalibrate_bn  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("ckpt")
ap.add_argument("--size", type=int, required=True)
ap.add_argument("--out", required=True)
args = ap.parse_args()
torch.set_num_threads(1)
enc, cfg = load_encoder(args.ckpt)
images = common.load_images(common.train_paths(), max(args.size + args.size // 4, 128))
recalibrate_bn(enc, images, args.size)
cfg = {**cfg, "size": args.size, "retargeted_from": args.ckpt}
torch.save({"config": cfg, "encoder": enc.state_dict()}, args.out)
print("saved", args.out)
