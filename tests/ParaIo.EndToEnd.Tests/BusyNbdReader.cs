using ParaIo.Nbd.Tests;

namespace ParaIo.EndToEnd.Tests;

/// <summary>
/// An NBD client that keeps <see cref="Depth"/> reads of 64 KiB in flight, spread over a disk of
/// <c>diskBytes</c>, until a request fails; then it sends no more, takes the remaining replies and
/// waits for the server to close.
/// </summary>
internal sealed class BusyNbdReader(RawNbdClient client, long diskBytes)
{
    private const int Depth = 8;
    private const int Length = 64 << 10;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ulong _cookie;

    public Task Started => _started.Task;

    public int Succeeded { get; private set; }

    public List<uint> Errors { get; } = [];

    public bool Closed { get; private set; }

    public async Task RunAsync()
    {
        var outstanding = 0;
        for (; outstanding < Depth; outstanding++)
        {
            await SendAsync();
        }

        while (outstanding > 0)
        {
            SimpleReply reply;
            try
            {
                reply = await client.ReadReplyAsync(Length);
            }
            catch (Exception e) when (e is EndOfStreamException or IOException)
            {
                Closed = true;
                return;
            }

            outstanding--;
            if (reply.Error != 0)
            {
                Errors.Add(reply.Error);
                continue;
            }

            if (++Succeeded == 16)
            {
                _started.TrySetResult();
            }

            if (Errors.Count == 0)
            {
                try
                {
                    await SendAsync();
                    outstanding++;
                }
                catch (IOException)
                {
                    // The server closed while we sent; its remaining replies are read above.
                }
            }
        }

        Closed = await client.WasClosedByServerAsync();
    }

    private Task SendAsync()
    {
        var cookie = ++_cookie;
        return client.SendRequestAsync(Wire.CmdRead, cookie, cookie * Length % (ulong)(diskBytes - Length), Length);
    }
}
