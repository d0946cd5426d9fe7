# Gateway image, CPU flavour (Microsoft.ML.OnnxRuntime): in distributed mode the gateway loads and checks the models
# but the workers run them, so it never needs CUDA. Build from the repository root:
#   docker build -f k8s/images/gateway.Dockerfile -t pointrend-gateway .
# -r linux-x64 keeps only the Linux natives of ONNX Runtime (the package also ships Windows and macOS ones).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/PointRend.Gateway -c Release -r linux-x64 --self-contained false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
EXPOSE 50051 9090
ENV ASPNETCORE_URLS=http://0.0.0.0:50051
# The image's non-root user (uid 1654); k8s also sets runAsNonRoot and a read-only root filesystem.
USER $APP_UID
ENTRYPOINT ["dotnet", "PointRend.Gateway.dll"]
