"""Prints every group and dataset of the HDF5 files named on the command line, as read by h5py (the
reference HDF5 C library), as one JSON object per file: {path: {"dtype", "shape", "values"}} for datasets
and {path: "group"} for groups. Floats are written exactly (JSON numbers round-trip float64), non-finite
ones as the strings "nan", "inf" and "-inf"; strings are decoded from UTF-8. Used by nir-h5py.test.ts."""
import json
import math
import sys

import h5py


def value(x, kind):
    if kind == "string":
        return x.decode("utf-8") if isinstance(x, bytes) else str(x)
    if kind == "int64":
        return int(x)
    f = float(x)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return f


def kind_of(dataset):
    dt = dataset.dtype
    if dt.kind == "f":
        return "float%d" % (8 * dt.itemsize)
    if dt.kind == "i":
        return "int%d" % (8 * dt.itemsize)
    if dt.kind in ("S", "O", "U"):
        return "string"
    return "other:" + str(dt)


def dump(path):
    out = {}

    def visit(name, obj):
        key = "/" + name
        if isinstance(obj, h5py.Group):
            out[key] = "group"
            return
        kind = kind_of(obj)
        data = obj[()]
        flat = [data] if obj.shape == () else list(data.reshape(-1))
        out[key] = {"dtype": kind, "shape": list(obj.shape), "values": [value(x, kind) for x in flat]}

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return out


print(json.dumps({p: dump(p) for p in sys.argv[1:]}))
