namespace ParaIo.Daemon.Hosting;

/// <summary>One entry of <c>Paraiod:Bridges</c>: a bridge made at start, with its uplinks.</summary>
public sealed class BridgeOptions
{
    /// <summary>The bridge's name, as vifs name it (<c>bridge=br0</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>How long a learned MAC address lives without frames, in seconds; <see cref="ParaiodOptions.MacAgingSeconds"/> when null.</summary>
    public double? AgingSeconds { get; set; }

    /// <summary>TAP uplinks to open and put on the bridge (needs root).</summary>
    public IList<UplinkOptions> Uplinks { get; } = [];
}
