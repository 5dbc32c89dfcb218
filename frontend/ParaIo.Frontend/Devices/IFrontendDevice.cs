namespace ParaIo.Frontend.Devices;

/// <summary>A frontend device set up for one session with its backend.</summary>
public interface IFrontendDevice : IDisposable
{
    /// <summary>Keys for the frontend directory: ring references, page order, event channel ports.</summary>
    IReadOnlyDictionary<string, string> PublishedKeys { get; }
}
