using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace PointRend.Inference;

/// <summary>
/// Whether ONNX Runtime's CUDA provider actually loads. <c>GetAvailableProviders()</c> of the GPU package lists
/// <c>CUDAExecutionProvider</c> whether or not the CUDA libraries are on the machine; the provider library
/// (<c>libonnxruntime_providers_cuda.so</c>) is only dlopen'ed when a session appends it, and fails there when they are not.
/// </summary>
internal static partial class CudaProviderProbe
{
    private const string ProviderLibrary = "libonnxruntime_providers_cuda.so";
    private const int RtldNow = 2;

    /// <returns>null when the CUDA provider loads; otherwise why not, with the loader's error (which names the missing library).</returns>
    public static string? TryLoad()
    {
        var env = OrtEnv.Instance();
        var level = env.EnvLogLevel;
        try
        {
            // ORT logs the same failure natively (in red, to stderr); the caller logs it once, in its own words.
            env.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            using var options = new SessionOptions();
            options.AppendExecutionProvider_CUDA(0);
            return null;
        }
        catch (OnnxRuntimeException ex)
        {
            return LoaderError() is { } loader ? $"{loader} ({ex.Message})" : ex.Message;
        }
        catch (EntryPointNotFoundException ex)
        {
            // The CPU package has no CUDA entry point; it never lists CUDA, so only a mixed-up deployment gets here.
            return ex.Message;
        }
        finally
        {
            env.EnvLogLevel = level;
        }
    }

    /// <summary>dlopen's own message for the provider library, e.g. "libcublasLt.so.13: cannot open shared object file".</summary>
    private static string? LoaderError()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var baseDir = AppContext.BaseDirectory;
        var path = new[] { baseDir, Path.Combine(baseDir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native"), Path.Combine(baseDir, "runtimes", "linux-x64", "native") }
            .Select(dir => Path.Combine(dir, ProviderLibrary))
            .FirstOrDefault(File.Exists);
        if (path is null)
        {
            return $"{ProviderLibrary} is not beside the binaries";
        }

        try
        {
            // dlerror's message is cleared by the next dl* call, and the first P/Invoke of dlerror itself binds through
            // dlsym: call it once before dlopen so that the call after reads dlopen's message.
            _ = DlError();
            var handle = DlOpen(path, RtldNow);
            if (handle != 0)
            {
                _ = DlClose(handle);
                return null;
            }

            return Marshal.PtrToStringUTF8(DlError());
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null; // not glibc: the ORT message alone has to do
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint DlOpen(string file, int mode);

    [LibraryImport("libc.so.6", EntryPoint = "dlerror")]
    private static partial nint DlError();

    [LibraryImport("libc.so.6", EntryPoint = "dlclose")]
    private static partial int DlClose(nint handle);
}
