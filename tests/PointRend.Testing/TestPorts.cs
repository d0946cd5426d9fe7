using System.Net;
using System.Net.Sockets;

namespace PointRend.Testing;

public static class TestPorts
{
    /// <summary>A loopback port that was free a moment ago (the OS hands out a fresh one; a race is possible but rare).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
