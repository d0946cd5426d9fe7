using System.Runtime.CompilerServices;

namespace PointRend.Testing;

/// <summary>Waits for a condition the system guarantees eventually, bounded by the default test timeout.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, [CallerArgumentExpression(nameof(condition))] string? what = null)
    {
        var until = DateTime.UtcNow + TaskExtensions.DefaultTimeoutSpan;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"not true within {TaskExtensions.DefaultTimeoutSpan}: {what}");
            }

            await Task.Delay(20);
        }
    }

    public static Task UntilAsync(Func<bool> condition, [CallerArgumentExpression(nameof(condition))] string? what = null) =>
        UntilAsync(() => Task.FromResult(condition()), what);
}
