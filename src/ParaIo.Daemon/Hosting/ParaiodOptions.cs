using ParaIo.Store;

namespace ParaIo.Daemon.Hosting;

/// <summary>The <c>Paraiod</c> section of the configuration.</summary>
public sealed class ParaiodOptions
{
    /// <summary>The store socket; empty means <see cref="StorePaths.DefaultSocketPath"/>.</summary>
    public string SocketPath { get; set; } = "";

    /// <summary>Where the domain registry is kept; empty means a per-user default.</summary>
    public string StateDirectory { get; set; } = "";

    /// <summary>host:port of the Prometheus text endpoint (<c>/metrics</c>); empty turns it off.</summary>
    public string MetricsListen { get; set; } = "127.0.0.1:9464";

    /// <summary>How long a bridge keeps a learned MAC address without frames from it, in seconds (Linux's default, 300).</summary>
    public double MacAgingSeconds { get; set; } = 300;

    /// <summary>
    /// How long a device removed from a running guest (hot-unplug) gives the guest's frontend to
    /// answer Closed before the device is torn down without it, in seconds (more than 0).
    /// </summary>
    public double DeviceRemovalSeconds { get; set; } = 5;

    /// <summary>
    /// Bridges to set up at start, with their TAP uplinks. None by default: a vif's bridge is made
    /// when the first vif joins it, and uplinks need root.
    /// </summary>
    public IList<BridgeOptions> Bridges { get; } = [];

    /// <summary>The I/O fabric: VNIC and VHBA modules, identity pools, profile templates (see docs/fabric.md).</summary>
    public FabricOptions Fabric { get; } = new();

    /// <summary>The socket path in force.</summary>
    public string EffectiveSocketPath => string.IsNullOrEmpty(SocketPath) ? StorePaths.DefaultSocketPath() : SocketPath;

    /// <summary>
    /// The state directory in force: <c>/var/lib/paraio</c> for root, else
    /// <c>$XDG_STATE_HOME/paraio</c> or <c>~/.local/state/paraio</c>.
    /// </summary>
    public string EffectiveStateDirectory
    {
        get
        {
            if (!string.IsNullOrEmpty(StateDirectory))
            {
                return StateDirectory;
            }

            if (Environment.IsPrivilegedProcess)
            {
                return "/var/lib/paraio";
            }

            var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
            return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state") : xdg, "paraio");
        }
    }
}
