using Microsoft.Extensions.Logging;
using ParaIo.Frontend.Agent;
using ParaIo.Frontend.Loop;
using ParaIo.Store;
using ParaIo.Store.Xenbus;

// paraio-guest: runs the guest side of one domain until Ctrl+C / SIGTERM.
string? name = null, token = null, socket = null;
var json = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--name" when i + 1 < args.Length: name = args[++i]; break;
        case "--token" when i + 1 < args.Length: token = args[++i]; break;
        case "--socket" when i + 1 < args.Length: socket = args[++i]; break;
        case "--json": json = true; break;
        case "--help" or "-h":
            Console.WriteLine("""
                paraio-guest - the ParaIo guest agent

                Usage: paraio-guest --name NAME --token TOKEN [--socket PATH] [--json]

                  --name NAME     the domain name given to 'paraioctl domain create'
                  --token TOKEN   the token 'paraioctl domain create' printed (also $PARAIO_TOKEN)
                  --socket PATH   paraiod's store socket (default: as paraiod's, or $PARAIO_SOCKET)
                  --json          one JSON object per line for each event, for scripts

                Connects as the domain, hands paraiod a fresh grant pool, connects every device the
                operator gave the domain, and reconnects by itself when paraiod restarts.
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
var options = new GuestAgentOptions { Name = name, Token = token, SocketPath = socket ?? StorePaths.DefaultSocketPath() };
var agent = new GuestAgent(options, [new LoopbackFrontendDriver()], loggers.CreateLogger("paraio-guest"));
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
    Console.Error.WriteLine($"paraio-guest: {e.Message}");
    return 1;
}
