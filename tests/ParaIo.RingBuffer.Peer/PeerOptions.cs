namespace ParaIo.RingBuffer.Peer;

/// <summary>Command line of the peer: a role, then --key value pairs.</summary>
public sealed record PeerOptions(string Role, string Socket, IReadOnlyDictionary<string, string> Values)
{
    public static PeerOptions Parse(string[] args)
    {
        if (args.Length < 1)
        {
            throw new ArgumentException("usage: peer ROLE --socket PATH [--key value ...]");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        return new PeerOptions(args[0], values["socket"], values);
    }

    public long Long(string key, long fallback) => Values.TryGetValue(key, out var v) ? long.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public string String(string key, string fallback) => Values.TryGetValue(key, out var v) ? v : fallback;

    public TimeSpan Spin => TimeSpan.FromMicroseconds(Long("spin-us", 0));
}
