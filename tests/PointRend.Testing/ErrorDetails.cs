using Xunit;

namespace PointRend.Testing;

/// <summary>What every error message a caller reads must be: words, not bytes or internals.</summary>
public static class ErrorDetails
{
    private static readonly string[] Internals = ["Exception", "   at ", "StackExchange", "127.0.0.1:", "stream", "Stb"];

    public static void AssertClean(string message)
    {
        Assert.False(string.IsNullOrWhiteSpace(message), "empty error message");
        Assert.DoesNotContain(message, char.IsControl);
        foreach (var word in Internals)
        {
            Assert.DoesNotContain(word, message, StringComparison.Ordinal);
        }
    }
}
