namespace PointRend.Worker;

internal static partial class WorkerLog
{
    [LoggerMessage(1, LogLevel.Information, "Loaded {Count} models from {Path}", EventName = "ModelsReady")]
    public static partial void ModelsReady(ILogger logger, int count, string path);

    [LoggerMessage(2, LogLevel.Information, "Worker {Consumer} consuming jobs from Redis at {Endpoints}", EventName = "WorkerStarted")]
    public static partial void Started(ILogger logger, string consumer, string endpoints);

    [LoggerMessage(3, LogLevel.Information, "Worker {Consumer} stopped; unfinished jobs stay pending for other workers", EventName = "WorkerStopped")]
    public static partial void Stopped(ILogger logger, string consumer);
}
