"""Write the small Fashion-MNIST slice the data tests read, and its expected values.

Produces (from Debian's dataset-fashion-mnist, /usr/share/datasets/fashion-mnist):
  tests/Ember.Tests/Fixtures/fashion-mnist/train-images-idx3-ubyte.gz   first 200 training images (gzip)
  tests/Ember.Tests/Fixtures/fashion-mnist/train-labels-idx1-ubyte.gz   their labels (gzip)
  tests/Ember.Tests/Fixtures/fashion-mnist/t10k-images-idx3-ubyte       first 100 test images (uncompressed)
  tests/Ember.Tests/Fixtures/fashion-mnist/t10k-labels-idx1-ubyte       their labels (uncompressed)
  tests/Ember.Tests/Golden/fashion_mnist_slice.json                     counts, labels, per-image pixel sums, sha256 of the source files

Both compressed and plain IDX files are in the slice so the tests cover both readers. Standard library only.
Run from the repo root:  /usr/bin/python3 tools/golden/data_fixtures.py
"""
import gzip
import hashlib
import json
import os
import struct

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = "/usr/share/datasets/fashion-mnist"
OUT = os.path.join(REPO_ROOT, "tests", "Ember.Tests", "Fixtures", "fashion-mnist")
GOLDEN = os.path.join(REPO_ROOT, "tests", "Ember.Tests", "Golden", "fashion_mnist_slice.json")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">i", raw[:4])
    rank = magic & 0xFF
    dims = list(struct.unpack(">" + "i" * rank, raw[4:4 + 4 * rank]))
    return dims, raw[4 + 4 * rank:]


def write_idx(path, dims, data, compress):
    payload = struct.pack(">i", 0x800 | len(dims)) + struct.pack(">" + "i" * len(dims), *dims) + data
    if compress:
        # mtime=0: byte-for-byte reproducible output
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as f:
            f.write(payload)
    else:
        with open(path, "wb") as f:
            f.write(payload)
    print("wrote", os.path.relpath(path, REPO_ROOT), os.path.getsize(path), "bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    golden = {"source": SRC, "sha256": {}}
    for split, n, compress in (("train", 200, True), ("t10k", 100, False)):
        img_name, lab_name = f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte"
        for name in (img_name, lab_name):
            with open(os.path.join(SRC, name + ".gz"), "rb") as f:
                golden["sha256"][name + ".gz"] = hashlib.sha256(f.read()).hexdigest()
        idims, ipix = read_idx(os.path.join(SRC, img_name + ".gz"))
        ldims, labs = read_idx(os.path.join(SRC, lab_name + ".gz"))
        h, w = idims[1], idims[2]
        ipix, labs = ipix[: n * h * w], labs[:n]
        ext = ".gz" if compress else ""
        write_idx(os.path.join(OUT, img_name + ext), [n, h, w], ipix, compress)
        write_idx(os.path.join(OUT, lab_name + ext), [n], labs, compress)
        golden[split] = {
            "full_count": idims[0],
            "count": n,
            "height": h,
            "width": w,
            "labels": list(labs),
            "pixel_sums": [sum(ipix[i * h * w:(i + 1) * h * w]) for i in range(n)],
            "total_pixel_sum": sum(ipix),
            "first_image_row_14": list(ipix[14 * w: 15 * w]),
        }
    with open(GOLDEN, "w", newline="\n") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print("wrote", os.path.relpath(GOLDEN, REPO_ROOT))


if __name__ == "__main__":
    main()
