using System.Globalization;

namespace ParaIo.Backend.Fabric;

/// <summary>
/// Hands out identities (MACs, WWPNs) under a fixed prefix: the next value after the last one
/// handed out that nobody holds, so a released identity comes back only after the whole pool has
/// gone round, and one still held never does. Not thread-safe: its owner locks.
/// </summary>
public sealed class IdentityPool
{
    private readonly string _kind;
    private readonly ulong _prefix;
    private readonly ulong _size;

    /// <summary>Creates a pool of the identities of <paramref name="totalBits"/> bits that start with <paramref name="prefix"/>.</summary>
    /// <param name="kind">What it hands out, for messages (<c>MAC</c>).</param>
    /// <param name="prefix">The prefix as colon-separated hex octets (<c>02:50:10</c>).</param>
    /// <param name="totalBits">48 for a MAC, 64 for a WWPN.</param>
    /// <exception cref="ArgumentException">The prefix is not hex octets, or leaves fewer than 8 bits to allocate.</exception>
    public IdentityPool(string kind, string prefix, int totalBits)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        _kind = kind;
        var octets = prefix.Split(':');
        var bits = octets.Length * 8;
        if (bits > totalBits - 8 || octets.Any(o => o.Length != 2 || !byte.TryParse(o, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _)))
        {
            throw new ArgumentException($"'{prefix}' is not a {kind} pool prefix: 1..{(totalBits / 8) - 1} hex octets such as {(totalBits == 48 ? "02:50:10" : "50:01:43:80")}.");
        }

        _prefix = octets.Aggregate(0UL, (value, octet) => (value << 8) | byte.Parse(octet, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)) << (totalBits - bits);
        _size = 1UL << (totalBits - bits);
    }

    /// <summary>The offset in the pool the next search starts at (kept across restarts).</summary>
    public ulong Next { get; set; }

    /// <summary>The prefix's value, in the identity's high bits.</summary>
    public ulong Prefix => _prefix;

    /// <summary>The first identity from <see cref="Next"/> on that nobody holds (<paramref name="taken"/> says false); <see cref="Next"/> moves past it.</summary>
    /// <exception cref="InvalidOperationException">Every identity of the pool is held.</exception>
    public ulong Allocate(Func<ulong, bool> taken)
    {
        ArgumentNullException.ThrowIfNull(taken);
        for (ulong tried = 0; tried < _size; tried++)
        {
            var offset = (Next + tried) & (_size - 1);
            var candidate = _prefix | offset;
            if (!taken(candidate))
            {
                Next = (offset + 1) & (_size - 1);
                return candidate;
            }
        }

        throw new InvalidOperationException($"Every {_kind} of the pool is in use.");
    }
}
