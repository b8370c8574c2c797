"""A synthetic 2-hour barcode file (24 fps, k=8) in barcode_mpi's layout, for timing."""
import sys
import h5py
import numpy as np

n, k = 2 * 3600 * 24, 8
rng = np.random.default_rng(1)
t = np.arange(n) / 24.0
base = (127 + 120 * np.sin(np.outer(t / 600.0, [1.0, 1.3, 1.7]))).astype(np.float32)
palette = np.clip(base[:, None, :] + rng.normal(0, 30, (n, k, 3)), 0, 255).astype(np.float32)
w = rng.random((n, k)).astype(np.float32)
w = -np.sort(-w / w.sum(axis=1, keepdims=True), axis=1)
with h5py.File(sys.argv[1], "w") as f:
    f["frames/index"] = np.arange(n, dtype=np.int64)
    f["frames/pts"] = np.arange(n, dtype=np.int64) * 1000
    f["frames/time"] = t
    done = np.ones(n, np.uint8); done[1000:1100] = 0
    f["frames/done"] = done
    f["color/dominant"] = np.round(palette[:, 0]).astype(np.uint8)
    f["color/mean"] = np.round(palette.mean(axis=1)).astype(np.uint8)
    f["color/palette"] = palette
    f["color/weights"] = w
    f["color/inertia"] = np.zeros(n)
    f["color/iterations"] = np.zeros(n, np.int32)
    # Each frame squeezed to a column of 90 rows (the smooth style): a vertical ramp of its
    # dominant colour.
    ramp = np.linspace(0.4, 1.0, 90, dtype=np.float32)[None, :, None]
    f["color/column"] = np.round(palette[:, :1, :] * ramp).astype(np.uint8)
    movie = np.clip(127 + 120 * np.sin(np.arange(16 * 3).reshape(16, 3)), 0, 255)
    f["movie/palette"] = movie.astype(np.float32)
    f["movie/weights"] = np.full(16, 1 / 16)
    f["movie/labels"] = (np.arange(n * k).reshape(n, k) % 16).astype(np.uint8)
    f.attrs["tool"] = "synthetic"
    f.attrs["k"] = np.int64(k)
    f.attrs["frame_rate"] = 24.0
    f.attrs["options"] = 'k = 8\nnote = "quoted"'
