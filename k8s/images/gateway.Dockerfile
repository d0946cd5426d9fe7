# Build from the repository root: docker build -f k8s/images/gateway.Dockerfile --build-arg ORT_FLAVOUR=Cpu -t pointrend-gateway .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG ORT_FLAVOUR=Cpu
WORKDIR /src
COPY . .
RUN dotnet publish src/PointRend.Gateway -c Release -o /app -p:OnnxRuntimeFlavour=${ORT_FLAVOUR}

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
EXPOSE 50051
ENV ASPNETCORE_URLS=http://0.0.0.0:50051
ENTRYPOINT ["dotnet", "PointRend.Gateway.dll"]
