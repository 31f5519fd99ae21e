#!/bin/bash
# Build llama.cpp (vendored in llama-cpp-python 0.3.36 = llama.cpp 0c1e57098) as static libs, CPU only,
# then the oracle program against it.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
LCP=${LCP:-/tmp/lcp}
SRC=$LCP/llama_cpp_python-0.3.36/vendor/llama.cpp
BLD=$LCP/build
if [ ! -d "$SRC" ]; then
  mkdir -p $LCP
  pip download --no-deps --no-binary :all: llama-cpp-python==0.3.36 -d $LCP
  tar xzf $LCP/llama_cpp_python-0.3.36.tar.gz -C $LCP
fi
if [ ! -f $BLD/src/libllama.a ]; then
  cmake -S $SRC -B $BLD -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF -DLLAMA_CURL=OFF \
     -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF \
     -DLLAMA_BUILD_COMMON=ON -DGGML_OPENMP=OFF
  cmake --build $BLD --target llama -j2
fi
mkdir -p $HERE/build
g++ -std=c++17 -O1 -g0 -o $HERE/build/oracle $HERE/oracle.cpp \
   -I$SRC/include -I$SRC/ggml/include -I$SRC/src \
   $BLD/src/libllama.a $BLD/ggml/src/libggml.a $BLD/ggml/src/libggml-cpu.a $BLD/ggml/src/libggml-base.a \
   -lpthread -ldl -lm
echo "built $HERE/build/oracle"
