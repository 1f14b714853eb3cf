#!/usr/bin/env python3
"""PyTorch CPU peer of `deno task bench`: bench-vgg and its binary twin, same shapes and steps.

Usage: python3 tools/bench/torch_bench.py --threads 2 --batch 64 --steps 8 --warmup 2 --width 32
Prints one JSON object: {"torch": version, "threads": n, "nets": {name: {train_ips, infer_ips}}}.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SwishSign(torch.autograd.Function):
    """sign(x) (sign(0)=+1) with the SignSwish pseudo-gradient beta*g(beta*x)."""

    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x)
        ctx.beta = beta
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, dy):
        (x,) = ctx.saved_tensors
        t = ctx.beta * x
        a = t.abs()
        u = torch.exp(-a)
        g = (2 - a * (1 - u) / (1 + u)) * (2 * u / (1 + u) ** 2)
        return dy * ctx.beta * g, None


def qsign(x, beta=5.0):
    return SwishSign.apply(x, beta)


class QConv(nn.Module):
    def __init__(self, cin, cout, binary, quant_input):
        super().__init__()
        self.w = nn.Parameter(torch.randn(cout, cin, 3, 3) * (2.0 / (9 * (cin + cout))) ** 0.5)
        self.binary, self.quant_input = binary, quant_input
        if binary:
            self.alpha = nn.Parameter(torch.ones(cout, 1, 1, 1))

    def forward(self, x):
        w = self.w
        if self.binary:
            w = self.alpha * qsign(w)
            if self.quant_input:
                x = qsign(x)
        return F.conv2d(x, w, padding=1)


class BenchVgg(nn.Module):
    def __init__(self, width=32, binary=False):
        super().__init__()
        widths = [width, width, 2 * width, 2 * width, 4 * width, 4 * width]
        self.convs, self.bns = nn.ModuleList(), nn.ModuleList()
        cin = 3
        for i, c in enumerate(widths):
            self.convs.append(QConv(cin, c, binary, i > 0))
            self.bns.append(nn.BatchNorm2d(c, eps=1e-3, momentum=0.01))
            cin = c
        self.binary = binary
        self.fc = nn.Linear(cin * 16, 10)
        if binary:
            self.alpha = nn.Parameter(torch.ones(10, 1))

    def forward(self, x):
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns)):
            if self.binary:
                # The lab's binary block order: conv, max-pool, batch norm, the next layer's sign.
                x = conv(x)
                if i % 2 == 1:
                    x = F.max_pool2d(x, 2)
                x = bn(x)
                continue
            x = F.relu(bn(conv(x)))
            if i % 2 == 1:
                x = F.max_pool2d(x, 2)
        x = x.permute(0, 2, 3, 1).flatten(1)  # NHWC flatten order, like tfjs
        if self.binary:
            return F.linear(qsign(x), self.alpha * qsign(self.fc.weight), self.fc.bias)
        return self.fc(x)


def bench(net, batch, steps, warmup):
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))
    net.train()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    train = batch / median_s(step, steps)
    net.eval()
    with torch.no_grad():
        for _ in range(warmup):
            net(x)
        infer = batch / median_s(lambda: net(x).sum().item(), steps)
    return {"train_ips": train, "infer_ips": infer}


def median_s(fn, n):
    """Median wall time of n calls, each timed on its own (same statistic as the Deno side)."""
    t = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return statistics.median(t)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--nets", default="bench-vgg,bench-vgg-binary")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "nets": {}}
    for name in a.nets.split(","):
        net = BenchVgg(a.width, binary=name.endswith("binary"))
        out["nets"][name] = bench(net, a.batch, a.steps, a.warmup)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
