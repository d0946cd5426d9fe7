namespace PointRend.Inference.Tests;

public sealed class EngineBuffersTests
{
    [Fact]
    public void BufferReturnedOnOneThread_IsRentedOnAnother()
    {
        // Issue 12: ArrayPool.Shared keeps a returned array on the returning thread, so tiles alternating between two
        // workers each kept a full set of engine buffers. A length no other test uses keeps this one's buffer its own.
        const int length = 1_234_567;
        var buffer = EngineBuffers.Rent(length);
        Assert.True(buffer.Length >= length);
        var returner = new Thread(() => EngineBuffers.Return(buffer));
        returner.Start();
        returner.Join();

        float[]? rented = null;
        var renter = new Thread(() => rented = EngineBuffers.Rent(length));
        renter.Start();
        renter.Join();
        Assert.Same(buffer, rented);
        EngineBuffers.Return(rented!);
    }

    [Fact]
    public void ABufferMoreThanTwiceTheRequest_IsNotHandedOut()
    {
        var big = EngineBuffers.Rent(3_000_001);
        EngineBuffers.Return(big);
        var small = EngineBuffers.Rent(1_000_003);
        Assert.NotSame(big, small);
        Assert.True(small.Length >= 1_000_003);
        EngineBuffers.Return(small);
    }

    [Fact]
    public void ABufferOverTheKeptLimit_IsNotKept()
    {
        // Uninitialised, so its pages are never touched: a large array costs this test no memory.
        var length = (int)(EngineBuffers.MaxKeptBytes / sizeof(float)) + 1;
        var huge = GC.AllocateUninitializedArray<float>(length);
        EngineBuffers.Return(huge);
        var rented = EngineBuffers.Rent(length);
        Assert.NotSame(huge, rented);
    }
}
