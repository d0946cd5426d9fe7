using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/PointRend.Benchmarks -- --filter '*'   (see docs/benchmarks.md)
BenchmarkSwitcher.FromAssembly(typeof(PointRend.Benchmarks.RefinementBenchmarks).Assembly).Run(args);
