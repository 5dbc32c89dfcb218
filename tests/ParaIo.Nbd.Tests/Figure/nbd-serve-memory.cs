#:project ../../../frontend/ParaIo.Nbd/ParaIo.Nbd.csproj

// Serves a MemoryBlockDevice over NBD until Ctrl+C or SIGTERM, for measurements against
// external tools (see fio-randread.sh). Usage: dotnet run nbd-serve-memory.cs -- SOCKET [SIZE_MIB]
using ParaIo.Nbd;

if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: nbd-serve-memory SOCKET [SIZE_MIB]");
    return 2;
}

var sizeMiB = args.Length > 1 ? long.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 64;
var device = new MemoryBlockDevice(sizeMiB * 1024 * 1024);
await using var server = new NbdServer(device, new NbdServerOptions { UnixSocketPath = args[0] });
server.Start();
Console.WriteLine($"serving {sizeMiB} MiB on {args[0]}");

using var stop = new CancellationTokenSource();
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

await server.StopAsync();
Console.WriteLine($"stopped after {server.Statistics.RequestsAnswered} requests");
return 0;
