using System.Diagnostics;
using ParaIo.Store.Client;
using ParaIo.Store.Server;
using ParaIo.Store.Tree;

namespace ParaIo.Store.Diagnostics;

/// <summary>
/// Measures store operations per second (StoreThroughputBench prints them): a server on a temporary
/// socket, one domain-0 client, the same write+read mix on the tree directly (the baseline),
/// sequentially over the socket, and pipelined. Nothing is asserted; the numbers are for reports.
/// </summary>
public static class StoreThroughput
{
    private const int Keys = 256;

    /// <summary>Runs the three measurements, each after a short warm-up.</summary>
    public static async Task<StoreThroughputResult> MeasureAsync(int operations = 20_000, int pipelineDepth = 64, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(operations, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(pipelineDepth, 1);
        var value = new byte[32];
        var paths = new string[Keys];
        for (var i = 0; i < Keys; i++)
        {
            paths[i] = $"/bench/node{i}";
        }

        var tree = new StoreTree();
        InProcess(tree, paths, value, operations / 10);
        var clock = Stopwatch.StartNew();
        InProcess(tree, paths, value, operations);
        var inProcess = clock.Elapsed;

        var directory = Directory.CreateTempSubdirectory("paraio-store-bench-");
        try
        {
            var server = new StoreServer(new StoreServerOptions
            {
                SocketPath = Path.Combine(directory.FullName, "store.sock"),
                Authenticator = StoreAuthenticators.LocalDom0(),
            });
            await using (server.ConfigureAwait(false))
            {
                server.Start();
                var client = await StoreClient.ConnectAsync(server.SocketPath, StoreAuthenticators.Dom0Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                await using (client.ConfigureAwait(false))
                {
                    await SequentialAsync(client, paths, value, operations / 10, cancellationToken).ConfigureAwait(false);
                    clock.Restart();
                    await SequentialAsync(client, paths, value, operations, cancellationToken).ConfigureAwait(false);
                    var sequential = clock.Elapsed;

                    await PipelinedAsync(client, paths, value, operations / 10, pipelineDepth, cancellationToken).ConfigureAwait(false);
                    clock.Restart();
                    await PipelinedAsync(client, paths, value, operations, pipelineDepth, cancellationToken).ConfigureAwait(false);
                    var pipelined = clock.Elapsed;
                    return new StoreThroughputResult(operations, pipelineDepth, inProcess, sequential, pipelined);
                }
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static void InProcess(StoreTree tree, string[] paths, byte[] value, int operations)
    {
        for (var i = 0; i < operations; i++)
        {
            var path = paths[(i / 2) % Keys];
            if ((i & 1) == 0)
            {
                tree.Write(0, path, value);
            }
            else
            {
                tree.Read(0, path);
            }
        }
    }

    private static async Task SequentialAsync(StoreClient client, string[] paths, byte[] value, int operations, CancellationToken cancellationToken)
    {
        for (var i = 0; i < operations; i++)
        {
            var path = paths[(i / 2) % Keys];
            if ((i & 1) == 0)
            {
                await client.WriteAsync(path, value, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await client.ReadAsync(path, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task PipelinedAsync(StoreClient client, string[] paths, byte[] value, int operations, int depth, CancellationToken cancellationToken)
    {
        var inFlight = new Task[depth];
        for (var start = 0; start < operations; start += depth)
        {
            var count = Math.Min(depth, operations - start);
            for (var j = 0; j < count; j++)
            {
                var i = start + j;
                var path = paths[(i / 2) % Keys];
                inFlight[j] = (i & 1) == 0 ? client.WriteAsync(path, value, cancellationToken) : client.ReadAsync(path, cancellationToken);
            }

            await Task.WhenAll(inFlight.AsSpan(0, count)).ConfigureAwait(false);
        }
    }
}
