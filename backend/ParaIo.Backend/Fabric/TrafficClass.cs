using System.Globalization;
using ParaIo.Backend.Qos;

namespace ParaIo.Backend.Fabric;

/// <summary>
/// A traffic class of a vNIC: frames to or from its TCP/UDP ports get a guaranteed share of the
/// vNIC (the paper's 200 Mb/s vNIC split SAP 100, Exchange 70, backup 30). Written
/// <c>NAME:RATE:MATCH[+MATCH…][:prio=N][:ceil=RATE]</c>, for example <c>sap:100M:tcp/3200-3299</c>.
/// </summary>
/// <param name="Name">The class's name, unique in its vNIC.</param>
/// <param name="CommittedRate">Its guaranteed share in bytes a second.</param>
/// <param name="Ceiling">Its hard limit in bytes a second; null for none of its own.</param>
/// <param name="Priority">0 (highest) to 7: who gets the vNIC's idle share first.</param>
/// <param name="Matches">The ports it matches; a frame takes the first class that matches it.</param>
public sealed record TrafficClass(string Name, long CommittedRate, long? Ceiling, int Priority, IReadOnlyList<PortMatch> Matches)
{
    private const string PrioritySetting = "prio=";
    private const string CeilingSetting = "ceil=";

    /// <summary>Parses the operator's text form.</summary>
    /// <exception cref="ArgumentException">Malformed; the message says what is expected.</exception>
    public static TrafficClass Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(':');
        if (parts.Length < 3 || !FabricNames.IsValid(parts[0]))
        {
            throw new ArgumentException($"'{text}' is not a traffic class: write NAME:RATE:MATCH[+MATCH…][:prio=N][:ceil=RATE], for example sap:100M:tcp/3200-3299.");
        }

        var rate = BitRate.Parse(parts[1], $"The rate of class '{parts[0]}'");
        var matches = parts[2].Split('+').Select(PortMatch.Parse).ToList();
        var priority = QosSettings.HighestPriority;
        long? ceiling = null;
        foreach (var option in parts.Skip(3))
        {
            if (option.StartsWith(PrioritySetting, StringComparison.Ordinal))
            {
                priority = FabricNames.ParsePriority(option[PrioritySetting.Length..]);
            }
            else if (option.StartsWith(CeilingSetting, StringComparison.Ordinal))
            {
                ceiling = BitRate.Parse(option[CeilingSetting.Length..], $"The ceiling of class '{parts[0]}'");
            }
            else
            {
                throw new ArgumentException($"'{option}' in class '{text}' is neither prio=N nor ceil=RATE.");
            }
        }

        var parsed = new TrafficClass(parts[0], rate, ceiling, priority, matches);
        parsed.Validate();
        return parsed;
    }

    /// <summary>Throws if the ceiling is below the committed rate or the priority is out of range.</summary>
    public void Validate()
    {
        if (Ceiling is { } ceiling && ceiling < CommittedRate)
        {
            throw new ArgumentException($"Class '{Name}': its ceiling {BitRate.Format(ceiling)} is below its committed {BitRate.Format(CommittedRate)}.");
        }

        if ((uint)Priority > QosSettings.LowestPriority)
        {
            throw new ArgumentException($"Class '{Name}': priority {Priority} is not in 0 (highest)..7.");
        }

        if (Matches.Count == 0)
        {
            throw new ArgumentException($"Class '{Name}' matches no ports.");
        }
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var text = $"{Name}:{Mbps(CommittedRate)}:{string.Join('+', Matches)}";
        if (Priority != QosSettings.HighestPriority)
        {
            text += string.Create(CultureInfo.InvariantCulture, $":{PrioritySetting}{Priority}");
        }

        return Ceiling is { } ceiling ? $"{text}:{CeilingSetting}{Mbps(ceiling)}" : text;

        static string Mbps(long bytesPerSecond) => (bytesPerSecond * 8m / 1_000_000m).ToString("0.######", CultureInfo.InvariantCulture) + "M";
    }
}
