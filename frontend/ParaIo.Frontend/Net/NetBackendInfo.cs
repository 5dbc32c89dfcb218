using System.Globalization;
using ParaIo.Protocol.Net;

namespace ParaIo.Frontend.Net;

/// <summary>What the backend of a vif advertised in its store directory.</summary>
/// <param name="Mac">The interface's MAC, <c>xx:xx:xx:xx:xx:xx</c>, or null when not given.</param>
/// <param name="Mtu">The MTU to use.</param>
/// <param name="ScatterGather">Frames may span several tx slots.</param>
/// <param name="GsoTcpV4">TCPv4 GSO frames may be sent.</param>
/// <param name="GsoTcpV6">TCPv6 GSO frames may be sent.</param>
/// <param name="Persistent">The backend keeps granted buffers mapped.</param>
/// <param name="MaxQueues">The most queue pairs it serves.</param>
public sealed record NetBackendInfo(string? Mac, int Mtu, bool ScatterGather, bool GsoTcpV4, bool GsoTcpV6, bool Persistent, int MaxQueues)
{
    /// <summary>Reads the backend's keys; absent keys take Xen's defaults.</summary>
    /// <exception cref="InvalidDataException">A key is malformed, or the backend does not copy rx frames.</exception>
    public static NetBackendInfo Parse(IReadOnlyDictionary<string, string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (Number(keys, NetKeys.FeatureRxCopy, 0, 0, 1) != 1)
        {
            throw new InvalidDataException("The backend does not offer feature-rx-copy; this frontend needs it.");
        }

        return new NetBackendInfo(
            keys.TryGetValue(NetKeys.Mac, out var mac) ? mac : null,
            Number(keys, NetKeys.Mtu, NetifProtocol.DefaultMtu, 68, 65535),
            Number(keys, NetKeys.FeatureSg, 0, 0, 1) == 1,
            Number(keys, NetKeys.FeatureGsoTcpV4, 0, 0, 1) == 1,
            Number(keys, NetKeys.FeatureGsoTcpV6, 0, 0, 1) == 1,
            Number(keys, NetKeys.FeaturePersistent, 0, 0, 1) == 1,
            Number(keys, NetKeys.MultiQueueMaxQueues, 1, 1, 16));
    }

    private static int Number(IReadOnlyDictionary<string, string> keys, string key, int fallback, int min, int max)
    {
        if (!keys.TryGetValue(key, out var text))
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new InvalidDataException($"The backend's '{key}' = \"{text}\" is not a number in {min}..{max}.");
        }

        return value;
    }
}
