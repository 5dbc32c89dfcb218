using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ParaIo.Nbd.Connections;

/// <summary>
/// One client of the export, from accept to close: the fixed newstyle handshake
/// (<c>NbdConnection.Handshake.cs</c>), then transmission (<c>NbdConnection.Transmission.cs</c>).
/// </summary>
internal sealed partial class NbdConnection : IAsyncDisposable
{
    /// <summary>The receive and send pipes' segment size: a 64 KiB write or read in one piece.</summary>
    private const int PipeBufferSize = 64 * 1024;

    /// <summary>Payload remainders at least this long bypass the receive pipe; see <see cref="FillAsync"/>.</summary>
    private const int DirectReadThreshold = 16 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly ExportDescriptor _export;
    private readonly NbdServerOptions _options;
    private readonly NbdServerStatistics _statistics;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _abort = new();
    private volatile bool _stopRequested;

    public NbdConnection(long id, Socket socket, IBlockDevice device, NbdServerOptions options, NbdServerStatistics statistics, ILogger logger)
    {
        Id = id;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: PipeBufferSize, minimumReadSize: PipeBufferSize / 4, leaveOpen: true));
        _output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: PipeBufferSize, leaveOpen: true));
        _export = new ExportDescriptor(device, options);
        _options = options;
        _statistics = statistics;
        _logger = logger;
        // Only the reader takes free slots and only the writer takes replies, which lets each
        // channel reuse one waiter instead of allocating per wait.
        _free = Channel.CreateUnbounded<RequestSlot>(new() { SingleReader = true });
        // A worker that finishes a request runs the reply writer itself when it is idle, rather
        // than waking a thread-pool thread for it: a hop costs more than the write.
        _replies = Channel.CreateUnbounded<RequestSlot>(new() { SingleReader = true, AllowSynchronousContinuations = true });
        _budget = new PayloadBudget(options.MaxBufferedBytesPerConnection);
    }

    public long Id { get; }

    /// <summary>Runs the connection to its end; never throws.</summary>
    public async Task RunAsync()
    {
        try
        {
            if (await NegotiateAsync())
            {
                await TransmitAsync();
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            NbdLog.Closed(_logger, Id, _abort.IsCancellationRequested ? "aborted by the server" : e.Message);
        }
        catch (Exception e)
        {
            NbdLog.ConnectionFault(_logger, e, Id);
        }
        finally
        {
            await DisposeAsync();
        }
    }

    /// <summary>
    /// Asks the connection to end gracefully: read no further requests, answer those in flight,
    /// then close. A client still in the handshake is closed at once.
    /// </summary>
    public void RequestStop()
    {
        _stopRequested = true;
        _input.CancelPendingRead();
    }

    /// <summary>Ends the connection now: device calls are cancelled and the socket is closed.</summary>
    public void Abort()
    {
        RequestStop();
        try
        {
            _abort.Cancel();
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // Already closed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _output.CompleteAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Unsent replies have no one left to read them.
        }

        await _input.CompleteAsync();
        await _stream.DisposeAsync();
        _abort.Dispose();
    }

    /// <summary>The result of reading a fixed number of bytes.</summary>
    private enum ReadOutcome
    {
        Complete,

        /// <summary>The client closed the connection before the first byte.</summary>
        EndOfStream,

        /// <summary>The client closed the connection part-way through.</summary>
        Truncated,

        /// <summary>The server asked the connection to stop.</summary>
        Stopped,
    }

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadOutcome> FillAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < destination.Length)
        {
            if (!_input.TryRead(out var result))
            {
                if (destination.Length - filled >= DirectReadThreshold)
                {
                    // The pipe holds nothing of this payload, so the rest is read straight into
                    // the destination rather than through the pipe's buffers: one copy fewer for
                    // large writes. A StreamPipeReader touches its stream only inside its own
                    // reads and none is pending, so the stream is ours until the next one.
                    var count = await _stream.ReadAsync(destination[filled..], cancellationToken);
                    if (count == 0)
                    {
                        return _stopRequested ? ReadOutcome.Stopped : filled == 0 ? ReadOutcome.EndOfStream : ReadOutcome.Truncated;
                    }

                    filled += count;
                    continue;
                }

                result = await _input.ReadAsync(cancellationToken);
            }

            var buffer = result.Buffer;
            var taken = (int)Math.Min(buffer.Length, destination.Length - filled);
            buffer.Slice(0, taken).CopyTo(destination.Span[filled..]);
            _input.AdvanceTo(buffer.GetPosition(taken));
            filled += taken;
            if (filled == destination.Length)
            {
                break;
            }

            if (result.IsCanceled || _stopRequested)
            {
                return ReadOutcome.Stopped;
            }

            if (result.IsCompleted)
            {
                return filled == 0 ? ReadOutcome.EndOfStream : ReadOutcome.Truncated;
            }
        }

        return ReadOutcome.Complete;
    }

    /// <summary>Reads and drops <paramref name="length"/> bytes without buffering them.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadOutcome> SkipAsync(long length, CancellationToken cancellationToken)
    {
        while (length > 0)
        {
            var result = await _input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var count = Math.Min(buffer.Length, length);
            _input.AdvanceTo(buffer.GetPosition(count));
            length -= count;
            if (length == 0)
            {
                break;
            }

            if (result.IsCanceled || _stopRequested)
            {
                return ReadOutcome.Stopped;
            }

            if (result.IsCompleted)
            {
                return ReadOutcome.Truncated;
            }
        }

        return ReadOutcome.Complete;
    }

    private static byte[] Rent(int length) => ArrayPool<byte>.Shared.Rent(length);

    private static void Return(byte[] buffer) => ArrayPool<byte>.Shared.Return(buffer);
}
