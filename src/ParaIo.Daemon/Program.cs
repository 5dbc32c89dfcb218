using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging;
using ParaIo.Backend.Block;
using ParaIo.Backend.Bridge;
using ParaIo.Backend.Devices;
using ParaIo.Backend.Fabric;
using ParaIo.Backend.Loop;
using ParaIo.Backend.Net;
using ParaIo.Backend.Storage;
using ParaIo.Backend.Uplinks;
using ParaIo.Daemon.Hosting;

// paraiod: runs with no configuration at all (embedded defaults), or with --config FILE.
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("""
        paraiod - the ParaIo backend daemon (the dom0 role)

        Usage: paraiod [--config FILE] [--socket PATH] [--state-dir DIR] [--metrics HOST:PORT|""]

          --config FILE      JSON configuration (section "Paraiod"); the embedded defaults apply without it
          --socket PATH      the store socket (default: $PARAIO_SOCKET, /run/paraio/paraiod.sock for root,
                             else $XDG_RUNTIME_DIR/paraio/paraiod.sock or /tmp/paraio-$UID/paraiod.sock)
          --state-dir DIR    where domains are kept across restarts (default: /var/lib/paraio for root,
                             else $XDG_STATE_HOME/paraio or ~/.local/state/paraio)
          --metrics ADDR     Prometheus text endpoint, http://ADDR/metrics (default 127.0.0.1:9464; "" turns it off)

        Bridges and uplinks (in the configuration file; vifs make their bridge on first use):
          "Paraiod": { "MacAgingSeconds": 300,
                       "Bridges": [ { "Name": "br0", "AgingSeconds": 300,
                                      "Uplinks": [ { "Tap": "ptap0", "Namespace": null, "Vlan": 1 },
                                                   { "Vxlan": { "Name": "vx0", "Vni": 42, "Remote": "10.9.0.2:4789",
                                                                "Local": "0.0.0.0:4789" } } ] } ] }
        A TAP uplink needs root; a VXLAN uplink does not. One that cannot be opened is logged and left out.

        The I/O fabric (modules, identity pools, profile templates; see docs/fabric.md):
          "Paraiod": { "Fabric": { "MacPrefix": "02:50:10", "WwpnPrefix": "50:01:43:80",
                         "Modules": { "nic0": { "Kind": "Vnic", "Ports": [ { "LineRate": "10G", "Bridge": "br0" } ] },
                                      "hba0": { "Kind": "Vhba", "Ports": [ { "LineRate": "4G" } ] } },
                         "Templates": { "default": { "Vnics": [ { "Port": "nic0/0", "Rate": "100M" } ],
                                                     "Vhbas": [ { "Port": "hba0/0", "Rate": "200M", "Iops": 20000 } ] } } } }
        These are the embedded defaults; a configuration file adds modules and templates or changes one by name.

        Settings apply in this order, later ones winning: embedded defaults, --config FILE,
        PARAIO_* environment variables (e.g. PARAIO_Paraiod__SocketPath), the command line.

        Hot-unplug: "Paraiod": { "DeviceRemovalSeconds": 5 } is how long a guest's frontend has to close a
        removed device before it is torn down without it.

        Stop it with Ctrl+C or SIGTERM: every device walks to Closed first.
        Manage it with paraioctl (domain create|list|destroy, device list, disk …, bridge list|show|uplink,
        module list, vnic …, vhba …, lun …, profile …, store ls|read|write|watch).
        """);
    return 0;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, DisableDefaults = false, ContentRootPath = AppContext.BaseDirectory });
using (var defaults = typeof(DaemonService).Assembly.GetManifestResourceStream("paraiod.defaults.json")!)
{
    var copy = new MemoryStream();
    defaults.CopyTo(copy);
    copy.Position = 0;
    builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Json.JsonStreamConfigurationSource { Stream = copy });
}

var configFile = ArgumentAfter(args, "--config");
if (configFile is not null)
{
    if (!File.Exists(configFile))
    {
        Console.Error.WriteLine($"paraiod: no configuration file at {configFile}");
        return 2;
    }

    builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false);
}

builder.Configuration.AddEnvironmentVariables("PARAIO_");
builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
{
    ["--socket"] = "Paraiod:SocketPath",
    ["--state-dir"] = "Paraiod:StateDirectory",
    ["--metrics"] = "Paraiod:MetricsListen",
    ["--config"] = "Paraiod:ConfigFile",
});
builder.Services.Configure<ParaiodOptions>(builder.Configuration.GetSection("Paraiod"));
builder.Services.AddSingleton<IBackendDriver, LoopbackBackendDriver>();
builder.Services.AddSingleton(sp => new DiskCatalog(sp.GetRequiredService<IOptions<ParaiodOptions>>().Value.EffectiveStateDirectory));

// The fabric's modules, identity pools and templates are checked before anything starts.
FabricConfiguration fabric;
try
{
    var fabricOptions = new FabricOptions();
    builder.Configuration.GetSection("Paraiod:Fabric").Bind(fabricOptions);
    fabric = fabricOptions.ToConfiguration();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"paraiod: Paraiod:Fabric in the configuration: {e.Message}");
    return 2;
}

// A removal timeout the daemon cannot use is refused at start, not at the first hot-unplug.
var removalSeconds = 0.0;
try
{
    removalSeconds = builder.Configuration.GetValue("Paraiod:DeviceRemovalSeconds", 5.0);
}
catch (InvalidOperationException)
{
    removalSeconds = double.NaN;
}

if (!(removalSeconds > 0 && removalSeconds <= 3600))
{
    Console.Error.WriteLine($"paraiod: Paraiod:DeviceRemovalSeconds in the configuration is '{builder.Configuration["Paraiod:DeviceRemovalSeconds"]}': it must be a number of seconds above 0, at most 3600.");
    return 2;
}

builder.Services.AddSingleton(sp => new FabricCatalog(sp.GetRequiredService<IOptions<ParaiodOptions>>().Value.EffectiveStateDirectory, fabric, sp.GetRequiredService<DiskCatalog>()));
builder.Services.AddSingleton(sp => new FabricRuntime(sp.GetRequiredService<FabricCatalog>()));
builder.Services.AddSingleton<IBackendDriver>(sp =>
{
    // A vbd device names its disk (disk=NAME), opened once and shared, or a vHBA and a LUN masked to
    // it (vhba=NAME,lun=LUN), checked at every connect.
    var resolver = new VbdResolver(sp.GetRequiredService<DiskCatalog>(), sp.GetRequiredService<FabricRuntime>());
    return new BlockBackendDriver(resolver.Resolve);
});

// Network: every vif joins a bridge of one table by name (bridge=, default br0), made on first use;
// TAP uplinks from the configuration and from paraioctl bridge uplink add join the same bridges.
builder.Services.AddSingleton(sp => new BridgeTable(agingTime: TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<ParaiodOptions>>().Value.MacAgingSeconds)));
builder.Services.AddSingleton(sp => new BridgeUplinks(sp.GetRequiredService<BridgeTable>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("ParaIo.Uplinks")));
// A vif bound to a vNIC (vnic=NAME) takes its MAC and bridge from the fabric and sends through its port's shaper.
builder.Services.AddSingleton<IBackendDriver>(sp => new NetBackendDriver(sp.GetRequiredService<BridgeTable>(), vnics: sp.GetRequiredService<FabricRuntime>().VnicPorts));
builder.Services.AddHostedService<DaemonService>();
builder.Services.AddSystemd();
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(25));

using var host = builder.Build();
try
{
    await host.RunAsync();
    return 0;
}
catch (InvalidDataException e)
{
    // A state file paraiod cannot read (fabric.json); it names which and why.
    Console.Error.WriteLine($"paraiod: {e.Message}");
    return 2;
}
catch (IOException e)
{
    // Typically: another paraiod already listens on the socket.
    Console.Error.WriteLine($"paraiod: {e.Message}");
    return 1;
}

static string? ArgumentAfter(string[] args, string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
