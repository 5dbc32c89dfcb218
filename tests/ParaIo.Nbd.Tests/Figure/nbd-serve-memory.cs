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

// Allocation is measured from the first request on, so start-up and JIT-time allocations
// mostly fall outside it; the figure printed at the end is an upper bound per request.
var allocatedAtStart = GC.GetTotalAllocatedBytes(precise: true);

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

var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedAtStart;
var requests = server.Statistics.RequestsAnswered;
await server.StopAsync();
Console.WriteLine($"stopped after {requests} requests; {allocated} bytes allocated meanwhile ({(double)allocated / Math.Max(1, requests):F1} per request)");
return 0;
