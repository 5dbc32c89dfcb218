using System.Globalization;
using ParaIo.RingBuffer.Grants;
using ParaIo.RingBuffer.Handoff;
using ParaIo.RingBuffer.Rings;
using ParaIo.Store.Xenbus;

namespace ParaIo.Backend.Devices;

/// <summary>
/// A private copy of a frontend directory's values, taken once when the backend connects. Every
/// number is parsed and bounded here; a bad one throws <see cref="DeviceRejectedException"/>
/// naming the key.
/// </summary>
public sealed class FrontendKeys
{
    private readonly IReadOnlyDictionary<string, string> _values;
    private readonly string _prefix;
    private readonly string[] _shared;

    /// <summary>Wraps values read from the store.</summary>
    public FrontendKeys(IReadOnlyDictionary<string, string> values)
        : this(values, string.Empty, [])
    {
    }

    private FrontendKeys(IReadOnlyDictionary<string, string> values, string prefix, string[] shared)
    {
        _values = values;
        _prefix = prefix;
        _shared = shared;
    }

    /// <summary>
    /// The keys of one queue of a multi-queue device (those under <c>queue-N/</c>), as their own
    /// set, so <see cref="GetRingOffer"/> reads that queue's ring. Errors name the full key
    /// (<c>queue-2/event-channel</c>).
    /// </summary>
    /// <param name="queue">The queue's number.</param>
    /// <param name="shared">
    /// Keys read from the device's directory instead of the queue's (blkif's <c>ring-page-order</c>,
    /// which Xen writes once for all queues); a queue's own copy of such a key is ignored.
    /// </param>
    public FrontendKeys Queue(int queue, params ReadOnlySpan<string> shared)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(queue);
        var prefix = "queue-" + queue.ToString(CultureInfo.InvariantCulture) + "/";
        var values = _values.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
        foreach (var key in shared)
        {
            values.Remove(key);
            if (_values.TryGetValue(key, out var value))
            {
                values[key] = value;
            }
        }

        return new FrontendKeys(values, _prefix + prefix, shared.ToArray());
    }

    /// <summary>The raw value of a key, or null.</summary>
    public string? this[string key] => _values.TryGetValue(key, out var value) ? value : null;

    /// <summary>An unsigned number within bounds.</summary>
    public uint GetUInt(string key, uint min, uint max)
    {
        var text = this[key] ?? throw new DeviceRejectedException($"the frontend did not publish '{Name(key)}'");
        if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new DeviceRejectedException($"the frontend's '{Name(key)}' = \"{Truncate(text)}\" is not a number in {min}..{max}");
        }

        return value;
    }

    /// <summary>
    /// The ring offer Xen-style keys describe: <c>ring-page-order</c> (absent means 0), <c>ring-ref</c>
    /// or <c>ring-ref0..</c>, <c>event-channel</c> and <c>event-channel-response</c>.
    /// </summary>
    public RingOffer GetRingOffer(int maxPageOrder)
    {
        var order = this[XenbusPaths.RingPageOrder] is null ? 0 : (int)GetUInt(XenbusPaths.RingPageOrder, 0, (uint)Math.Min(maxPageOrder, RingLayout.MaxPageOrder));
        var refs = new GrantRef[1 << order];
        for (var i = 0; i < refs.Length; i++)
        {
            refs[i] = new GrantRef(GetUInt(XenbusPaths.RingRef(order, i), 1, uint.MaxValue));
        }

        var request = GetUInt(XenbusPaths.EventChannel, 0, ushort.MaxValue);
        var response = GetUInt(XenbusPaths.EventChannelResponse, 0, ushort.MaxValue);
        return new RingOffer(refs, request, response);
    }

    /// <summary>The key as the frontend wrote it, for messages.</summary>
    private string Name(string key) => Array.IndexOf(_shared, key) >= 0 ? key : _prefix + key;

    private static string Truncate(string text) => text.Length <= 32 ? text : text[..32] + "…";
}
