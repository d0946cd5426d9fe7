# Build from the repository root. For GPU nodes: --build-arg ORT_FLAVOUR=Gpu and a CUDA 12 + cuDNN 9 runtime base
# (e.g. --build-arg RUNTIME=nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04 with the .NET runtime installed on top).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG ORT_FLAVOUR=Cpu
WORKDIR /src
COPY . .
RUN dotnet publish workers/PointRend.Worker -c Release -o /app -p:OnnxRuntimeFlavour=${ORT_FLAVOUR}

FROM mcr.microsoft.com/dotnet/runtime:10.0
WORKDIR /app
COPY --from=build /app .
ENTRYPOINT ["dotnet", "PointRend.Worker.dll"]
