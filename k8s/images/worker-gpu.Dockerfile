# GPU worker image, used by k8s/overlays/gpu: the GPU flavour (-p:OnnxRuntimeFlavour=Gpu, i.e.
# Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31.0; the same publish as .ci/gpu-flavour, which CI builds and tests) on a CUDA
# runtime. ONNX Runtime 1.31's CUDA provider links CUDA 13 (libcudart.so.13, libcublas.so.13, libcublasLt.so.13,
# libcurand.so.10) and uses cuDNN 9, so the base must be a CUDA 13 + cuDNN 9 runtime, and the node's NVIDIA driver
# must support CUDA 13. Build from the repository root:
#   docker build -f k8s/images/worker-gpu.Dockerfile -t pointrend-worker-gpu .
# Not built on the development machines (no container engine there): the CUDA tag below is the intended one, check
# it against the registry when building.
ARG CUDA_IMAGE=nvidia/cuda:13.0.0-cudnn-runtime-ubuntu24.04

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish workers/PointRend.Worker -c Release -r linux-x64 --self-contained false -p:OnnxRuntimeFlavour=Gpu -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0 AS dotnet

FROM ${CUDA_IMAGE}
# The .NET runtime from Microsoft's image, plus what it needs from Ubuntu 24.04 (globalization is invariant: no ICU).
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libssl3t64 libstdc++6 zlib1g \
    && rm -rf /var/lib/apt/lists/* \
    && ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
    && groupadd --gid 1654 app && useradd --uid 1654 --gid 1654 --no-create-home app
ENV DOTNET_RUNNING_IN_CONTAINER=true
WORKDIR /app
COPY --from=build /app .
EXPOSE 9090
USER 1654
# With Inference__ExecutionProvider=cuda (the overlay sets it), a node without a working CUDA 13 stops the worker at
# start with the missing library named; with auto it would log one line and run on CPU.
ENTRYPOINT ["dotnet", "PointRend.Worker.dll"]
