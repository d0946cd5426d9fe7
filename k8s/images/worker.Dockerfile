# CPU worker image (Microsoft.ML.OnnxRuntime), used by k8s/base and k8s/overlays/keda. The GPU worker has its own
# file, worker-gpu.Dockerfile (k8s/overlays/gpu). Build from the repository root:
#   docker build -f k8s/images/worker.Dockerfile -t pointrend-worker .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish workers/PointRend.Worker -c Release -r linux-x64 --self-contained false -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0
WORKDIR /app
COPY --from=build /app .
EXPOSE 9090
USER $APP_UID
ENTRYPOINT ["dotnet", "PointRend.Worker.dll"]
