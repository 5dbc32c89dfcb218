using Microsoft.Extensions.Logging;
using ParaIo.Frontend.Agent;
using ParaIo.Frontend.Block;
using ParaIo.Frontend.Loop;
using ParaIo.Frontend.Net;
using ParaIo.Guest.Disks;
using ParaIo.Guest.Net;
using ParaIo.Protocol.Block;
using ParaIo.Protocol.Net;
using ParaIo.Store;
using ParaIo.Store.Xenbus;

// paraio-guest: runs the guest side of one domain until Ctrl+C / SIGTERM.

// Socket continuations run on the socket engine's thread rather than hopping to the thread pool:
// an NBD request then goes from the socket onto the disk's ring with no thread woken in between
// (at queue depth 1 that hop was a quarter of the round trip on two cores). Nothing here blocks
// in a socket continuation: device work is queued to rings, replies are written asynchronously.
// Read when the first socket is made, so it is set before anything else runs.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}
string? name = null, token = null, socket = null, exportDirectory = null, netns = null, vifName = null;
var json = false;
var giveUp = TimeSpan.FromSeconds(10);
var poolPages = 16384;
var grantEntries = 16384;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--name" when i + 1 < args.Length: name = args[++i]; break;
        case "--token" when i + 1 < args.Length: token = args[++i]; break;
        case "--socket" when i + 1 < args.Length: socket = args[++i]; break;
        case "--export-dir" when i + 1 < args.Length: exportDirectory = args[++i]; break;
        case "--netns" when i + 1 < args.Length: netns = args[++i]; break;
        case "--vif-name" when i + 1 < args.Length: vifName = args[++i]; break;
        case "--json": json = true; break;
        case "--pool-pages" when i + 1 < args.Length:
            if (!int.TryParse(args[++i], System.Globalization.CultureInfo.InvariantCulture, out poolPages) || poolPages is < 1024 or > 262144)
            {
                Console.Error.WriteLine($"paraio-guest: --pool-pages takes 1024 to 262144 (4 KiB pages: 4 MiB to 1 GiB), not '{args[i]}'");
                return 2;
            }

            break;
        case "--grant-entries" when i + 1 < args.Length:
            if (!int.TryParse(args[++i], System.Globalization.CultureInfo.InvariantCulture, out grantEntries) || grantEntries is < 512 or > 32768)
            {
                Console.Error.WriteLine($"paraio-guest: --grant-entries takes 512 to 32768, not '{args[i]}'");
                return 2;
            }

            break;
        case "--give-up-after" when i + 1 < args.Length:
            if (!double.TryParse(args[++i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || !(seconds >= 0 && seconds <= 86400))
            {
                Console.Error.WriteLine($"paraio-guest: --give-up-after takes seconds from 0 to 86400, not '{args[i]}'");
                return 2;
            }

            giveUp = TimeSpan.FromSeconds(seconds);
            break;
        case "--help" or "-h":
            Console.WriteLine("""
                paraio-guest - the ParaIo guest agent

                Usage: paraio-guest --name NAME --token TOKEN [--socket PATH] [--export-dir DIR]
                                    [--netns NAME] [--vif-name TEMPLATE] [--pool-pages N] [--grant-entries N]
                                    [--give-up-after SECONDS] [--json]

                  --name NAME        the domain name given to 'paraioctl domain create'
                  --token TOKEN      the token 'paraioctl domain create' printed (also $PARAIO_TOKEN)
                  --socket PATH      paraiod's store socket (default: as paraiod's, or $PARAIO_SOCKET)
                  --export-dir DIR   where each disk's NBD socket goes, vbd-ID.sock
                                     (default: guest-NAME beside paraiod's socket)
                  --netns NAME       the network namespace (ip netns add NAME) each vif's interface
                                     is made in (default: this process's own)
                  --vif-name TMPL    the interfaces' name; the kernel fills in %d (default: eth%d with
                                     --netns, pvif%d without)
                  --pool-pages N     the guest's memory shared with paraiod, in 4 KiB pages (default 16384,
                                     64 MiB; only pages used are backed): rings, disk staging buffers
                                     (up to 8 MiB a busy disk), network buffers
                  --grant-entries N  the guest's grant table (default 16384, at most 32768): a busy disk
                                     holds up to about 2,000 grants, most of them kept for the disk's life
                  --give-up-after S  once connected, how long to keep trying while paraiod refuses the
                                     domain (it was destroyed) before exiting with status 1 (default 10)
                  --json             one JSON object per line for each event, for scripts

                Connects as the domain, hands paraiod its grant pool, connects every device the
                operator gave the domain, and reconnects by itself when paraiod restarts. Devices
                the operator adds or removes meanwhile (paraioctl device add|remove, disk
                attach|detach) come and go at once: a removed disk's export answers what is in
                flight with EIO and closes, a removed vif's interface goes away.

                Each disk (vbd) is served as an NBD export on a Unix socket, so ordinary tools use it:
                  qemu-img info 'nbd+unix:///?socket=DIR/vbd-0.sock'
                  nbdcopy 'nbd+unix:///?socket=DIR/vbd-0.sock' copy.img
                  fio --ioengine=nbd --uri='nbd+unix:///?socket=DIR/vbd-0.sock' ...
                Requests in flight when paraiod restarts wait and complete afterwards.

                Each vif is a TAP interface with the vif's MAC and MTU, up, in the guest's namespace,
                so ping, iperf3 and curl use it (give it an address: ip -n NS addr add … dev eth0).
                It stays up while paraiod restarts; frames meanwhile are dropped. Making it needs
                root (CAP_NET_ADMIN); without, the vif connects but has no interface.
                """);
            return 0;
        default:
            Console.Error.WriteLine($"paraio-guest: unknown argument '{args[i]}'; see --help");
            return 2;
    }
}

token ??= Environment.GetEnvironmentVariable("PARAIO_TOKEN");
if (name is null || token is null)
{
    Console.Error.WriteLine("paraio-guest: --name and --token are required; see --help");
    return 2;
}

using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; }).SetMinimumLevel(json ? LogLevel.Warning : LogLevel.Information));
var options = new GuestAgentOptions { Name = name, Token = token, SocketPath = socket ?? StorePaths.DefaultSocketPath(), RefusedGiveUp = giveUp, PoolPages = poolPages, GrantEntries = grantEntries };
using var network = new GuestNetwork(netns, vifName ?? (netns is null ? "pvif%d" : "eth%d"), loggers);
var agent = new GuestAgent(options, [new LoopbackFrontendDriver(), new BlockFrontendDriver(new BlockFrontendOptions { CompleteInline = true }), network], loggers.CreateLogger("paraio-guest"));
exportDirectory ??= Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.SocketPath))!, "guest-" + name);
await using var exports = new DiskExports(exportDirectory, loggers);
if (json)
{
    agent.SessionStarted += domid => Console.WriteLine($$"""{"event":"session","domid":{{domid}}}""");
    agent.DeviceStateChanged += change => Console.WriteLine($$"""{"event":"device","type":"{{change.Type}}","id":{{change.Id}},"state":"{{change.State}}"}""");
}

// A connected loopback device proves the data path at once: one round trip through the ring.
agent.DeviceStateChanged += change =>
{
    if (change.State == XenbusState.Connected && agent.FindDevice(change.Type, change.Id) is LoopbackFrontendDevice loop)
    {
        _ = Task.Run(() =>
        {
            var ok = loop.RoundTrip(0x1234_5678);
            var line = json ? $$"""{"event":"selftest","type":"{{change.Type}}","id":{{change.Id}},"ok":{{(ok ? "true" : "false")}}}""" : $"paraio-guest: {change.Type}/{change.Id} round trip through the ring: {(ok ? "ok" : "FAILED")}";
            Console.WriteLine(line);
        });
    }
};

// A disk is exported once, the first time it connects; it resumes under its export after a restart.
agent.DeviceStateChanged += change =>
{
    if (change.State == XenbusState.Connected && agent.FindDevice(change.Type, change.Id) is BlockFrontDevice disk
        && exports.Export(change.Id, disk) is { } path)
    {
        var bytes = disk.Sectors * 512;
        Console.WriteLine(json
            ? $$"""{"event":"export","type":"{{change.Type}}","id":{{change.Id}},"socket":"{{System.Text.Json.JsonEncodedText.Encode(path)}}","bytes":{{bytes}},"readOnly":{{(disk.IsReadOnly ? "true" : "false")}}}"""
            : $"paraio-guest: disk {change.Type}/{change.Id} ({bytes} bytes{(disk.IsReadOnly ? ", read-only" : "")}) is exported at nbd+unix:///?socket={path}");
    }
};

// A vif becomes a TAP interface the first time it connects; later connections re-bind its pump.
agent.DeviceStateChanged += change =>
{
    if (change.State != XenbusState.Connected || agent.FindDevice(change.Type, change.Id) is not NetFrontDevice vif)
    {
        return;
    }

    try
    {
        if (network.OnConnected(change.Id, vif) is { Tap: { } tap })
        {
            var mac = vif.Backend.Mac ?? "";
            Console.WriteLine(json
                ? $$"""{"event":"vif","id":{{change.Id}},"interface":"{{tap.Name}}","netns":{{JsonString(netns)}},"mac":"{{mac}}","mtu":{{vif.Backend.Mtu}},"offloads":"{{tap.Offloads}}"}"""
                : $"paraio-guest: vif/{change.Id} is interface {tap.Name} in {(netns is null ? "this process's network namespace" : $"network namespace {netns}")} (mac {mac}, mtu {vif.Backend.Mtu}, offloads {tap.Offloads})");
        }
    }
    catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException or ArgumentException or FormatException)
    {
        var reason = Environment.IsPrivilegedProcess
            ? e.Message
            : $"{e.Message}; a vif's interface is a TAP device, which needs root (CAP_NET_ADMIN)";
        Console.WriteLine(json
            ? $$"""{"event":"vif-error","id":{{change.Id}},"reason":"{{System.Text.Json.JsonEncodedText.Encode(reason)}}"}"""
            : $"paraio-guest: vif/{change.Id} has no interface: {reason}. The vif stays connected; other devices are not affected.");
    }
};

// Devices the operator adds or removes while the guest runs (hot-plug). An added disk or vif is
// exported or given its interface by the handlers above when it connects; a removed one was
// released by the agent (its requests in flight failed), and its export or interface goes here.
// The export is taken out of the table at once, so a disk added again under the same id gets a
// new one; closing it (answering what is in flight with EIO, closing the connections) finishes
// in the background and the event is printed once it has.
agent.DeviceAdded += device => Console.WriteLine(json
    ? $$"""{"event":"device-added","type":"{{device.Type}}","id":{{device.Id}}}"""
    : $"paraio-guest: device {device} was added");
agent.DeviceRemoved += device =>
{
    var closed = device.Type switch
    {
        BlkifProtocol.DeviceType => exports.RemoveAsync(device.Id, grace: TimeSpan.FromSeconds(5)),
        NetifProtocol.DeviceType => Task.FromResult(network.Remove(device.Id)),
        _ => Task.FromResult(false),
    };
    _ = ReportRemovalAsync(device, closed, json);
};

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
try
{
    await agent.RunAsync(stop.Token);
    return 0;
}
catch (GuestRefusedException e)
{
    if (json)
    {
        Console.WriteLine($$"""{"event":"refused","message":{{System.Text.Json.JsonSerializer.Serialize(e.Message)}}}""");
    }

    Console.Error.WriteLine($"paraio-guest: {e.Message}");
    return 1;
}

static async Task ReportRemovalAsync(GuestDevice device, Task<bool> closed, bool json)
{
    var gone = device.Type == BlkifProtocol.DeviceType ? "; its NBD export is closed" : "; its interface is gone";
    var what = await closed ? gone : "";
    Console.WriteLine(json
        ? $$"""{"event":"device-removed","type":"{{device.Type}}","id":{{device.Id}}}"""
        : $"paraio-guest: device {device} was removed{what}");
}

static string JsonString(string? text) => text is null ? "null" : $"\"{System.Text.Json.JsonEncodedText.Encode(text)}\"";
