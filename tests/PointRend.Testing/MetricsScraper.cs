using System.Globalization;

namespace PointRend.Testing;

/// <summary>Scrapes a Prometheus text endpoint over plain HTTP/1.1, as a Prometheus server would.</summary>
public static class MetricsScraper
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<string> ScrapeAsync(int port, string host = "127.0.0.1")
    {
        using var response = await Http.GetAsync(new Uri($"http://{host}:{port}/metrics"));
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of one series, e.g. <c>pointrend_worker_jobs_total{outcome="ok"}</c>; 0 when absent (not yet incremented).</summary>
    public static double Value(string text, string series)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line.AsSpan(series.Length + 1), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
