namespace ParaIo.Backend.Devices;

/// <summary>A connected backend device. Disposing stops it and unmaps everything it mapped.</summary>
public interface IBackendDevice : IAsyncDisposable
{
    /// <summary>Completes when the device stops by itself: the frontend broke the protocol.</summary>
    Task Stopped { get; }

    /// <summary>Why it stopped by itself, for the log; null while it runs.</summary>
    string? FailureReason { get; }
}
