"""Runs ONNX's own checker (Debian's python3-onnx) on the .onnx files in a directory.

The files come from the Ember.Onnx tests:
    EMBER_ONNX_EXPORT_DIR=/tmp/onnx dotnet test tests/Ember.Onnx.Tests --filter CheckerFixtureTests
    /usr/bin/python3 tools/golden/onnx_check.py /tmp/onnx --write tests/Ember.Onnx.Tests/Golden/onnx_checker.json
Without --write it only checks (as .ci/run does) and exits 1 if any file fails. The fixture records, per file name,
"ok" or the checker's message; the C# test requires "ok" for every model it exports.
"""
import json
import os
import sys

import onnx
import onnx.checker


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit("usage: onnx_check.py DIR [--write FIXTURE.json]")
    directory = args[0]
    fixture = args[args.index("--write") + 1] if "--write" in args else None
    results = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".onnx"):
            continue
        model = onnx.load(os.path.join(directory, name))
        try:
            onnx.checker.check_model(model, full_check=True)
            results[name] = "ok"
        except Exception as e:  # the checker raises ValidationError (and shape inference errors)
            results[name] = f"{type(e).__name__}: {e}".strip()
    failed = {k: v for k, v in results.items() if v != "ok"}
    print(f"onnx {onnx.__version__}: {len(results) - len(failed)} of {len(results)} files pass onnx.checker")
    for name, message in failed.items():
        print(f"  {name}: {message}")
    if fixture:
        with open(fixture, "w") as f:
            json.dump({"onnx_version": onnx.__version__, "full_check": True, "checked": results}, f, indent=1,
                      sort_keys=True)
            f.write("\n")
    if not results or failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
