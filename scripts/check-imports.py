#!/usr/bin/env python3
"""Fails when a Swift file imports a module its target does not declare as a dependency.

SwiftPM's `--explicit-target-dependency-import-check` does not catch this on Linux: a module that
arrives through another dependency (NIOCore through JunctionServer) compiles, until that
dependency changes. This compares every `import` of every source and test target with the
target's declared dependencies in `swift package dump-package`.

A product named X of package P provides the modules of the targets P's manifest lists for X
(read from the checkout in .build/checkouts when there is one), and always module X itself.
Toolchain modules (Foundation, Testing, Glibc, ...) need no declaration.

Usage: scripts/check-imports.py [--package-json FILE]   (FILE: saved `swift package dump-package`)
"""

import argparse
import json
import os
import re
import subprocess
import sys

TOOLCHAIN_MODULES = {
    "Swift", "_Concurrency", "_StringProcessing", "Foundation", "FoundationEssentials",
    "FoundationInternationalization", "FoundationNetworking", "FoundationXML", "CoreFoundation",
    "Dispatch", "Glibc", "Musl", "Darwin", "Android", "WinSDK", "ucrt", "os", "XCTest", "Testing",
    "Synchronization", "Observation", "RegexBuilder", "Distributed",
}

IMPORT = re.compile(
    r"^\s*(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?"
    r"import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([A-Za-z_][A-Za-z0-9_]*)"
)
LIBRARY = re.compile(r"\.library\(\s*name:\s*\"([^\"]+)\"[^)]*?targets:\s*\[([^\]]*)\]", re.S)


def module_name(target_name):
    """SwiftPM's c99name: `junction-bench` is imported as `junction_bench`."""
    return re.sub(r"[^A-Za-z0-9_]", "_", target_name)


def product_modules(package_root, package, product, cache):
    """The modules a product provides, from its package's manifest when it is checked out."""
    if package not in cache:
        cache[package] = {}
        checkouts = os.path.join(package_root, ".build", "checkouts")
        if os.path.isdir(checkouts):
            for entry in os.listdir(checkouts):
                manifest = os.path.join(checkouts, entry, "Package.swift")
                if entry.lower() == package.lower() and os.path.isfile(manifest):
                    with open(manifest, encoding="utf-8") as file:
                        text = file.read()
                    for name, targets in LIBRARY.findall(text):
                        cache[package][name] = {module_name(t) for t in re.findall(r"\"([^\"]+)\"", targets)}
    return cache[package].get(product, set()) | {module_name(product)}


def declared_modules(target, package_root, cache):
    modules = set()
    for dependency in target.get("dependencies", []):
        if "byName" in dependency or "target" in dependency:
            name = (dependency.get("byName") or dependency.get("target"))[0]
            modules.add(module_name(name))
        elif "product" in dependency:
            product, package = dependency["product"][0], dependency["product"][1]
            modules |= product_modules(package_root, package or product, product, cache)
    return modules


def target_directory(target, package_root):
    if target.get("path"):
        return os.path.join(package_root, target["path"])
    base = "Tests" if target["type"] == "test" else "Sources"
    return os.path.join(package_root, base, target["name"])


def swift_files(directory, excluded):
    for root, _, files in os.walk(directory):
        for name in sorted(files):
            path = os.path.join(root, name)
            if name.endswith(".swift") and not any(path.startswith(e) for e in excluded):
                yield path


def imports_of(path):
    """Module names imported by a file, with line numbers (comments and strings are not parsed
    beyond skipping `//` lines and `/* */` blocks)."""
    in_block_comment = False
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            stripped = line.strip()
            if in_block_comment:
                in_block_comment = "*/" not in stripped
                continue
            if stripped.startswith("/*"):
                in_block_comment = "*/" not in stripped
                continue
            match = IMPORT.match(line)
            if match:
                yield number, match.group(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package-json", help="a saved `swift package dump-package` (default: run it)")
    parser.add_argument("--package-path", default=os.path.join(os.path.dirname(__file__), ".."))
    arguments = parser.parse_args()
    package_root = os.path.abspath(arguments.package_path)

    if arguments.package_json:
        with open(arguments.package_json, encoding="utf-8") as file:
            package = json.load(file)
    else:
        dumped = subprocess.run(
            ["swift", "package", "--package-path", package_root, "dump-package"],
            check=True, capture_output=True, text=True)
        package = json.loads(dumped.stdout)

    cache = {}
    local_modules = {module_name(t["name"]) for t in package["targets"]}
    problems = 0
    checked = 0
    for target in package["targets"]:
        if target["type"] not in ("regular", "executable", "test"):
            continue
        directory = target_directory(target, package_root)
        excluded = [os.path.join(directory, e) for e in target.get("exclude", [])]
        allowed = declared_modules(target, package_root, cache) | TOOLCHAIN_MODULES
        allowed.add(module_name(target["name"]))
        for path in swift_files(directory, excluded):
            checked += 1
            for number, module in imports_of(path):
                if module in allowed:
                    continue
                problems += 1
                kind = "target" if module in local_modules else "product"
                print(
                    f"{os.path.relpath(path, package_root)}:{number}: imports {module}, which target "
                    f"'{target['name']}' does not declare (add the {kind} to its dependencies in Package.swift)")
    if problems:
        print(f"check-imports: {problems} undeclared import(s)", file=sys.stderr)
        return 1
    print(f"check-imports: every import of {checked} files is a declared dependency of its target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
