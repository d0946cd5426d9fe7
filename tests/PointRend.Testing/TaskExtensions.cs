using System.Runtime.CompilerServices;

namespace PointRend.Testing;

public static class TaskExtensions
{
    /// <summary>
    /// Generous compared with grpc-dotnet's 5 s: inference runs on a CPU shared with training and builds,
    /// and a hung call should fail the test, not stall CI.
    /// </summary>
    public static readonly TimeSpan DefaultTimeoutSpan = TimeSpan.FromSeconds(60);

    public static Task DefaultTimeout(this Task task, [CallerFilePath] string? file = null, [CallerLineNumber] int line = 0) =>
        task.WaitAsync(DefaultTimeoutSpan).ContinueWith(t => Rethrow(t, file, line), TaskScheduler.Default).Unwrap();

    public static async Task<T> DefaultTimeout<T>(this Task<T> task, [CallerFilePath] string? file = null, [CallerLineNumber] int line = 0)
    {
        try
        {
            return await task.WaitAsync(DefaultTimeoutSpan);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"timed out after {DefaultTimeoutSpan} at {file}:{line}", ex);
        }
    }

    private static Task Rethrow(Task t, string? file, int line) => t.Exception?.InnerException is TimeoutException te
        ? Task.FromException(new TimeoutException($"timed out after {DefaultTimeoutSpan} at {file}:{line}", te))
        : t;
}
