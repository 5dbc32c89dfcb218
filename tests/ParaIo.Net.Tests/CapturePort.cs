using System.Collections.Concurrent;
using ParaIo.Backend.Bridge;

namespace ParaIo.Net.Tests;

/// <summary>A bridge port that keeps a copy of every frame it is handed and injects frames of its own.</summary>
internal sealed class CapturePort : BridgePort
{
    private readonly EthernetFrame _frame = new(4);

    public CapturePort(string name, VlanConfig? vlan = null)
        : base(name, vlan)
    {
    }

    public ConcurrentQueue<(byte[] Bytes, FrameOffload Offload)> Received { get; } = new();

    public bool Refuse { get; set; }

    public override bool Transmit(in EgressFrame frame)
    {
        if (Refuse)
        {
            return false;
        }

        var bytes = new byte[frame.Length];
        frame.CopyTo(bytes);
        Received.Enqueue((bytes, frame.Offload));
        return true;
    }

    /// <summary>Sends <paramref name="bytes"/> into the bridge, in up to two segments to exercise gathering.</summary>
    public void Inject(byte[] bytes, int split = 0, FrameOffload offload = default)
    {
        _frame.Clear();
        if (split > 0 && split < bytes.Length)
        {
            _frame.Append(bytes, 0, split);
            _frame.Append(bytes, split, bytes.Length - split);
        }
        else
        {
            _frame.Append(bytes, 0, bytes.Length);
        }

        _frame.Offload = offload;
        Forward(_frame);
    }

    public byte[][] Drain()
    {
        var list = new List<byte[]>();
        while (Received.TryDequeue(out var item))
        {
            list.Add(item.Bytes);
        }

        return [.. list];
    }
}
