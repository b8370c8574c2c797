#!/usr/bin/python3
"""scikit-learn's k-means on the same raw rgb24 tiles as build/kmeans_bench, for comparison.

usage: bench_sklearn.py TILES.raw WIDTH HEIGHT [--k 8] [--restarts 20] [--frames F]

Clusters each frame's pixels (as float64, sklearn's native dtype) with
KMeans(n_clusters=k, init='k-means++', n_init=restarts) and prints one line of key=value pairs in
the format of kmeans_bench: frames, total seconds and ms per frame of fitting (wall), frames per
second and mean inertia. Run it with Debian's /usr/bin/python3 (python3-sklearn).
"""

import argparse
import time

import numpy as np
from sklearn.cluster import KMeans


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tiles")
    parser.add_argument("width", type=int)
    parser.add_argument("height", type=int)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--restarts", type=int, default=20)
    parser.add_argument("--frames", type=int, default=None)
    args = parser.parse_args()

    frame_bytes = args.width * args.height * 3
    data = np.fromfile(args.tiles, dtype=np.uint8)
    frames = data.size // frame_bytes
    if args.frames is not None:
        frames = min(frames, args.frames)
    if frames < 1:
        parser.error(f"no whole frame of {frame_bytes} bytes in {args.tiles}")
    tiles = data[: frames * frame_bytes].reshape(frames, args.width * args.height, 3)

    inertia = []
    start = time.perf_counter()
    for index, tile in enumerate(tiles):
        model = KMeans(n_clusters=args.k, init="k-means++", n_init=args.restarts,
                       random_state=index)
        model.fit(tile.astype(np.float64))
        inertia.append(model.inertia_)
    seconds = time.perf_counter() - start

    print(f"frames={frames} k={args.k} restarts={args.restarts} total_s={seconds:.4f} "
          f"ms_per_frame={1000 * seconds / frames:.3f} fps={frames / seconds:.2f} "
          f"mean_inertia={np.mean(inertia):.6g}")


if __name__ == "__main__":
    main()
